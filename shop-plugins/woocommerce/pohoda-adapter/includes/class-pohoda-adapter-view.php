<?php
/**
 * Output of the column, the box and the notices. Every value is escaped here.
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

/**
 * HTML of the plugin.
 */
final class Pohoda_Adapter_View {

	/**
	 * The short state of an order for the list column.
	 *
	 * @param WC_Order $order The order.
	 */
	public static function cell( WC_Order $order ): void {
		$state = Pohoda_Adapter_Meta::state( $order );
		if ( 'transferred' === $state ) {
			printf(
				'<mark class="order-status status-completed pohoda-adapter-state" data-state="transferred"><span>%s</span></mark>',
				esc_html( Pohoda_Adapter_Meta::pohoda_number( $order ) )
			);
		} elseif ( 'held' === $state ) {
			printf(
				'<mark class="order-status status-on-hold pohoda-adapter-state" data-state="held" title="%1$s"><span>%2$s</span></mark>',
				esc_attr( Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::HELD_REASON ) ),
				esc_html__( 'Held', 'pohoda-adapter' )
			);
		} elseif ( 'error' === $state ) {
			printf(
				'<mark class="order-status status-failed pohoda-adapter-state" data-state="error" title="%1$s"><span>%2$s</span></mark>',
				esc_attr( Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::ERROR ) ),
				esc_html__( 'Error', 'pohoda-adapter' )
			);
		} elseif ( 'flagged' === $state ) {
			printf(
				'<mark class="order-status status-processing pohoda-adapter-state" data-state="flagged"><span>%s</span></mark>',
				esc_html__( 'Marked', 'pohoda-adapter' )
			);
		} else {
			echo '<span class="pohoda-adapter-state" data-state="">&ndash;</span>';
		}
	}

	/**
	 * The box on the order screen.
	 *
	 * @param mixed $post_or_order The post (posts storage) or the order (HPOS).
	 */
	public static function box( $post_or_order ): void {
		$order = $post_or_order instanceof WC_Order ? $post_or_order : wc_get_order( $post_or_order instanceof WP_Post ? $post_or_order->ID : 0 );
		if ( ! $order instanceof WC_Order || ! Pohoda_Adapter_Marking::allowed() ) {
			return;
		}
		echo '<div class="pohoda-adapter-box" data-state="' . esc_attr( Pohoda_Adapter_Meta::state( $order ) ) . '">';
		echo '<p><strong>' . esc_html( self::state_text( $order ) ) . '</strong></p>';
		$rows = self::rows( $order );
		if ( $rows ) {
			echo '<table class="widefat striped"><tbody>';
			foreach ( $rows as $label => $value ) {
				echo '<tr><th scope="row">' . esc_html( $label ) . '</th><td>' . esc_html( $value ) . '</td></tr>';
			}
			echo '</tbody></table>';
		}
		echo '</div>';
	}

	/**
	 * One sentence saying where the order is.
	 *
	 * @param WC_Order $order The order.
	 */
	private static function state_text( WC_Order $order ): string {
		switch ( Pohoda_Adapter_Meta::state( $order ) ) {
			case 'transferred':
				return __( 'Transferred to POHODA.', 'pohoda-adapter' );
			case 'held':
				return __( 'Held: the adapter waits until the reason below is resolved.', 'pohoda-adapter' );
			case 'error':
				return __( 'POHODA refused the order; see the message below.', 'pohoda-adapter' );
			case 'flagged':
				return __( 'Marked for transfer; the adapter takes it in its next run.', 'pohoda-adapter' );
			default:
				return __( 'Not marked for transfer to POHODA.', 'pohoda-adapter' );
		}
	}

	/**
	 * The label → value rows of what the adapter wrote back (empty values left out).
	 *
	 * @param WC_Order $order The order.
	 * @return array<string, string>
	 */
	private static function rows( WC_Order $order ): array {
		$state = Pohoda_Adapter_Meta::state( $order );
		$rows  = array(
			__( 'POHODA number', 'pohoda-adapter' )    => Pohoda_Adapter_Meta::pohoda_number( $order ),
			__( 'Transferred at', 'pohoda-adapter' )   => self::time( Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::TRANSFERRED ) ),
			__( 'Reason', 'pohoda-adapter' )           => 'held' === $state ? Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::HELD_REASON ) : '',
			__( 'POHODA message', 'pohoda-adapter' )   => 'error' === $state ? Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::ERROR ) : '',
			__( 'Invoice', 'pohoda-adapter' )          => Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::INVOICE_NUMBER ),
			__( 'Paid on', 'pohoda-adapter' )          => Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::PAID_DATE ),
			__( 'Credit note', 'pohoda-adapter' )      => Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::CREDIT_NOTE_NUMBER ),
			__( 'Tracking number', 'pohoda-adapter' )  => Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::TRACKING_NUMBER ),
			__( 'State in POHODA', 'pohoda-adapter' )  => Pohoda_Adapter_Meta::text( $order, Pohoda_Adapter_Meta::STATE ),
		);
		return array_filter( $rows, static fn ( string $value ): bool => '' !== $value );
	}

	/**
	 * An ISO time in the site's date and time format ('' stays '').
	 *
	 * @param string $iso The time the adapter wrote.
	 */
	private static function time( string $iso ): string {
		if ( '' === $iso ) {
			return '';
		}
		try {
			$date = wc_string_to_datetime( $iso );
		} catch ( Exception $e ) {
			return $iso;
		}
		return wc_format_datetime( $date, get_option( 'date_format' ) . ' ' . get_option( 'time_format' ) );
	}

	/**
	 * One admin notice.
	 *
	 * @param string $type    success, warning, error or info.
	 * @param string $message The text.
	 */
	public static function notice( string $type, string $message ): void {
		$type = in_array( $type, array( 'success', 'warning', 'error', 'info' ), true ) ? $type : 'info';
		printf( '<div class="notice notice-%1$s is-dismissible pohoda-adapter-notice"><p>%2$s</p></div>', esc_attr( $type ), esc_html( $message ) );
	}

	/**
	 * The report of a bulk action.
	 *
	 * @param bool  $flag        Marked (true) or unmarked.
	 * @param int   $changed     Orders changed.
	 * @param int[] $transferred Ids of orders left alone because they were transferred.
	 * @param int   $missing     Orders not found.
	 */
	public static function bulk_notice( bool $flag, int $changed, array $transferred, int $missing ): void {
		$text = $flag
			/* translators: %d: number of orders. */
			? _n( '%d order marked for transfer to POHODA.', '%d orders marked for transfer to POHODA.', $changed, 'pohoda-adapter' )
			/* translators: %d: number of orders. */
			: _n( 'Mark removed from %d order.', 'Mark removed from %d orders.', $changed, 'pohoda-adapter' );
		self::notice( 'success', sprintf( $text, $changed ) );
		if ( $transferred ) {
			self::notice(
				'warning',
				sprintf(
					/* translators: %s: order ids. */
					__( 'Already transferred to POHODA, left unchanged: %s.', 'pohoda-adapter' ),
					implode( ', ', $transferred )
				)
			);
		}
		if ( $missing ) {
			/* translators: %d: number of orders. */
			self::notice( 'error', sprintf( _n( '%d order was not found.', '%d orders were not found.', $missing, 'pohoda-adapter' ), $missing ) );
		}
	}
}
