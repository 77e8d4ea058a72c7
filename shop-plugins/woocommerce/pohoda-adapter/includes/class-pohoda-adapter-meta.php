<?php
/**
 * The order meta keys shared by the plugin and the POHODA adapter.
 *
 * The plugin writes only the transfer flag. Everything else is written by the
 * adapter through the WooCommerce REST API and only shown here.
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

/**
 * Meta keys and reading of what the adapter wrote back.
 */
final class Pohoda_Adapter_Meta {

	/** The flag staff set: "yes" = transfer this order ([orders] transfer_meta_key in the adapter). */
	public const TRANSFER = '_pohoda_transfer';
	/** The adapter's state of the order: "transferred", "held" or "error". */
	public const STATUS = '_pohoda_status';
	/** POHODA's number of the received order. */
	public const NUMBER = '_pohoda_number';
	/** When the adapter transferred the order (ISO 8601, UTC). */
	public const TRANSFERRED = '_pohoda_transferred';
	/** Why the order waits (unpaired SKU, warehouse, VAT rate, currency rate …). */
	public const HELD_REASON = '_pohoda_held_reason';
	/** POHODA's (or the adapter's) error message. */
	public const ERROR = '_pohoda_error';
	/** POHODA's issued invoice number. */
	public const INVOICE_NUMBER = '_pohoda_invoice_number';
	/** The day POHODA recorded the payment. */
	public const PAID_DATE = '_pohoda_paid_date';
	/** POHODA's credit note number(s). */
	public const CREDIT_NOTE_NUMBER = '_pohoda_credit_note_number';
	/** The carrier's tracking number from POHODA. */
	public const TRACKING_NUMBER = '_pohoda_tracking_number';
	/** The order's state in POHODA (e.g. settled). */
	public const STATE = '_pohoda_state';

	/**
	 * Whether the order is flagged for transfer.
	 *
	 * @param WC_Order $order The order.
	 */
	public static function is_flagged( WC_Order $order ): bool {
		$value = strtolower( trim( (string) $order->get_meta( self::TRANSFER, true, 'edit' ) ) );
		return ! in_array( $value, array( '', '0', 'no', 'false', 'off', 'ne', 'n', 'null' ), true );
	}

	/**
	 * POHODA's number once the adapter transferred the order ('' before).
	 *
	 * @param WC_Order $order The order.
	 */
	public static function pohoda_number( WC_Order $order ): string {
		return trim( (string) $order->get_meta( self::NUMBER, true, 'edit' ) );
	}

	/**
	 * The adapter's state: "transferred", "held", "error", "flagged" or "".
	 *
	 * @param WC_Order $order The order.
	 */
	public static function state( WC_Order $order ): string {
		if ( '' !== self::pohoda_number( $order ) ) {
			return 'transferred';
		}
		$status = (string) $order->get_meta( self::STATUS, true, 'edit' );
		if ( in_array( $status, array( 'held', 'error' ), true ) ) {
			return $status;
		}
		return self::is_flagged( $order ) ? 'flagged' : '';
	}

	/**
	 * One meta value as trimmed text.
	 *
	 * @param WC_Order $order The order.
	 * @param string   $key   The meta key.
	 */
	public static function text( WC_Order $order, string $key ): string {
		$value = $order->get_meta( $key, true, 'edit' );
		if ( is_array( $value ) ) {
			$value = implode( ', ', array_map( 'strval', $value ) );
		}
		return trim( (string) $value );
	}

	/**
	 * The meta keys the adapter reads and writes, for the status endpoint.
	 *
	 * @return array<string, string>
	 */
	public static function keys(): array {
		return array(
			'transfer'           => self::TRANSFER,
			'status'             => self::STATUS,
			'number'             => self::NUMBER,
			'transferred'        => self::TRANSFERRED,
			'held_reason'        => self::HELD_REASON,
			'error'              => self::ERROR,
			'invoice_number'     => self::INVOICE_NUMBER,
			'paid_date'          => self::PAID_DATE,
			'credit_note_number' => self::CREDIT_NOTE_NUMBER,
			'tracking_number'    => self::TRACKING_NUMBER,
			'state'              => self::STATE,
		);
	}
}
