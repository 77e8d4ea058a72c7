<?php
/**
 * Setting and clearing the transfer flag on orders.
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

/**
 * Flags orders for transfer to POHODA (or clears the flag), one order at a time.
 */
final class Pohoda_Adapter_Marking {

	/** The capability needed to mark orders (and to see anything of the plugin). */
	public const CAPABILITY = 'edit_shop_orders';

	/**
	 * Whether the current user may use the plugin.
	 */
	public static function allowed(): bool {
		return current_user_can( self::CAPABILITY );
	}

	/**
	 * Flag (or unflag) the orders; transferred orders and missing ones stay as they are.
	 *
	 * The order's modification time moves too, so the adapter's ordinary
	 * incremental run (orders modified since the last run) finds it.
	 *
	 * @param int[] $ids  Order ids.
	 * @param bool  $flag True = mark for transfer, false = clear the mark.
	 * @return array{changed: int[], transferred: array<int, string>, missing: int[], unchanged: int[]}
	 */
	public static function apply( array $ids, bool $flag ): array {
		$result = array(
			'changed'     => array(),
			'transferred' => array(),
			'missing'     => array(),
			'unchanged'   => array(),
		);
		if ( ! self::allowed() ) {
			return $result;
		}
		foreach ( array_unique( array_map( 'absint', $ids ) ) as $id ) {
			$order = $id ? wc_get_order( $id ) : false;
			if ( ! $order instanceof WC_Order || $order instanceof WC_Order_Refund ) {
				$result['missing'][] = $id;
				continue;
			}
			$number = Pohoda_Adapter_Meta::pohoda_number( $order );
			if ( '' !== $number ) {
				$result['transferred'][ $id ] = $number;
				continue;
			}
			if ( Pohoda_Adapter_Meta::is_flagged( $order ) === $flag ) {
				$result['unchanged'][] = $id;
				continue;
			}
			self::write( $order, $flag );
			$result['changed'][] = $id;
		}
		return $result;
	}

	/**
	 * Write the flag, a private note and a new modification time.
	 *
	 * @param WC_Order $order The order.
	 * @param bool     $flag  The new state of the flag.
	 */
	private static function write( WC_Order $order, bool $flag ): void {
		if ( $flag ) {
			$order->update_meta_data( Pohoda_Adapter_Meta::TRANSFER, 'yes' );
		} else {
			$order->delete_meta_data( Pohoda_Adapter_Meta::TRANSFER );
		}
		$order->set_date_modified( time() );
		$order->save();
		$user = wp_get_current_user();
		$note = $flag
			/* translators: %s: user's display name. */
			? __( 'Marked for transfer to POHODA by %s.', 'pohoda-adapter' )
			/* translators: %s: user's display name. */
			: __( 'Mark for transfer to POHODA removed by %s.', 'pohoda-adapter' );
		$order->add_order_note( sprintf( $note, $user->display_name ), 0, false );
	}
}
