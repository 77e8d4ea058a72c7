<?php
/**
 * The WooCommerce admin screens: bulk and order actions, a list column, a box on the order screen.
 *
 * Works with both order storages: the HPOS screen (admin.php?page=wc-orders)
 * and the legacy posts screen (edit.php?post_type=shop_order).
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

/**
 * Admin hooks. Nothing is added for a user without the edit_shop_orders capability.
 */
final class Pohoda_Adapter_Admin {

	private const FLAG   = 'pohoda_adapter_flag';
	private const UNFLAG = 'pohoda_adapter_unflag';
	private const COLUMN = 'pohoda_adapter';
	private const NOTICE = 'pohoda_adapter_notice_';
	private const ARGS   = array( 'pohoda_adapter_done', 'pohoda_adapter_changed', 'pohoda_adapter_transferred', 'pohoda_adapter_missing' );

	/**
	 * Hook into the order screens of both storages.
	 */
	public static function register(): void {
		foreach ( array( 'woocommerce_page_wc-orders', 'edit-shop_order' ) as $screen ) {
			add_filter( "bulk_actions-{$screen}", array( self::class, 'bulk_actions' ) );
			add_filter( "handle_bulk_actions-{$screen}", array( self::class, 'handle_bulk' ), 10, 3 );
		}
		add_filter( 'woocommerce_shop_order_list_table_columns', array( self::class, 'columns' ) );
		add_action( 'woocommerce_shop_order_list_table_custom_column', array( self::class, 'hpos_column' ), 10, 2 );
		add_filter( 'manage_edit-shop_order_columns', array( self::class, 'columns' ) );
		add_action( 'manage_shop_order_posts_custom_column', array( self::class, 'posts_column' ), 10, 2 );
		add_filter( 'woocommerce_order_actions', array( self::class, 'order_actions' ), 10, 2 );
		add_action( 'woocommerce_order_action_' . self::FLAG, array( self::class, 'flag_one' ) );
		add_action( 'woocommerce_order_action_' . self::UNFLAG, array( self::class, 'unflag_one' ) );
		add_action( 'add_meta_boxes', array( self::class, 'add_box' ), 30, 2 );
		add_action( 'admin_notices', array( self::class, 'notices' ) );
		add_filter( 'removable_query_args', array( self::class, 'removable_args' ) );
	}

	/**
	 * The two labels of the actions.
	 *
	 * @return array<string, string>
	 */
	private static function labels(): array {
		return array(
			self::FLAG   => __( 'Mark for transfer to POHODA', 'pohoda-adapter' ),
			self::UNFLAG => __( 'Remove the mark', 'pohoda-adapter' ),
		);
	}

	/**
	 * Add the bulk actions to the orders list.
	 *
	 * @param array<string, string> $actions Bulk actions.
	 * @return array<string, string>
	 */
	public static function bulk_actions( $actions ) {
		if ( ! Pohoda_Adapter_Marking::allowed() ) {
			return $actions;
		}
		return array_merge( (array) $actions, self::labels() );
	}

	/**
	 * Run a bulk action (the screen has checked its bulk nonce) and report through the redirect.
	 *
	 * @param string $redirect Where the list goes next.
	 * @param string $action   The bulk action.
	 * @param int[]  $ids      The selected orders.
	 */
	public static function handle_bulk( $redirect, $action, $ids ) {
		if ( ! in_array( $action, array( self::FLAG, self::UNFLAG ), true ) ) {
			return $redirect;
		}
		if ( ! Pohoda_Adapter_Marking::allowed() ) {
			wp_die( esc_html__( 'You are not allowed to mark orders for transfer to POHODA.', 'pohoda-adapter' ), '', array( 'response' => 403 ) );
		}
		$result = Pohoda_Adapter_Marking::apply( (array) $ids, self::FLAG === $action );
		$redirect = remove_query_arg( self::ARGS, (string) $redirect );
		return add_query_arg(
			array(
				'pohoda_adapter_done'        => self::FLAG === $action ? 'flag' : 'unflag',
				'pohoda_adapter_changed'     => count( $result['changed'] ),
				'pohoda_adapter_transferred' => implode( ',', array_keys( $result['transferred'] ) ),
				'pohoda_adapter_missing'     => count( $result['missing'] ),
			),
			$redirect
		);
	}

	/**
	 * Mark one order from the order screen's action list.
	 *
	 * @param WC_Order $order The order being saved (WooCommerce checked the screen's nonce).
	 */
	public static function flag_one( $order ): void {
		self::one( $order, true );
	}

	/**
	 * Clear the mark of one order from the order screen's action list.
	 *
	 * @param WC_Order $order The order being saved.
	 */
	public static function unflag_one( $order ): void {
		self::one( $order, false );
	}

	/**
	 * Apply an order-screen action and keep its message for the next page.
	 *
	 * @param mixed $order The order.
	 * @param bool  $flag  Mark or unmark.
	 */
	private static function one( $order, bool $flag ): void {
		if ( ! $order instanceof WC_Order || ! Pohoda_Adapter_Marking::allowed() ) {
			return;
		}
		$result = Pohoda_Adapter_Marking::apply( array( $order->get_id() ), $flag );
		if ( $result['transferred'] ) {
			$message = sprintf(
				/* translators: 1: order number, 2: POHODA's number. */
				__( 'Order %1$s has already been transferred to POHODA as %2$s; its mark was not changed.', 'pohoda-adapter' ),
				$order->get_order_number(),
				reset( $result['transferred'] )
			);
			$type = 'warning';
		} elseif ( $result['changed'] ) {
			$message = $flag
				? __( 'The order is marked for transfer to POHODA; the adapter takes it in its next run.', 'pohoda-adapter' )
				: __( 'The mark for transfer to POHODA was removed.', 'pohoda-adapter' );
			$type = 'success';
		} else {
			$message = $flag
				? __( 'The order was already marked for transfer to POHODA.', 'pohoda-adapter' )
				: __( 'The order was not marked for transfer to POHODA.', 'pohoda-adapter' );
			$type = 'info';
		}
		set_transient( self::NOTICE . get_current_user_id(), array( $type, $message ), MINUTE_IN_SECONDS );
	}

	/**
	 * Add the two actions to the order screen's "Order actions" list.
	 *
	 * @param array<string, string> $actions Order actions.
	 * @param mixed                 $order   The order (WooCommerce 8.2+ passes it).
	 * @return array<string, string>
	 */
	public static function order_actions( $actions, $order = null ) {
		if ( ! Pohoda_Adapter_Marking::allowed() ) {
			return $actions;
		}
		if ( $order instanceof WC_Order && '' !== Pohoda_Adapter_Meta::pohoda_number( $order ) ) {
			return $actions; // Transferred: nothing to mark any more; the box says so.
		}
		return array_merge( (array) $actions, self::labels() );
	}

	/**
	 * Add the POHODA column after the status.
	 *
	 * @param array<string, string> $columns Columns of the orders list.
	 * @return array<string, string>
	 */
	public static function columns( $columns ) {
		if ( ! Pohoda_Adapter_Marking::allowed() ) {
			return $columns;
		}
		$out = array();
		foreach ( (array) $columns as $key => $label ) {
			$out[ $key ] = $label;
			if ( 'order_status' === $key ) {
				$out[ self::COLUMN ] = __( 'POHODA', 'pohoda-adapter' );
			}
		}
		if ( ! isset( $out[ self::COLUMN ] ) ) {
			$out[ self::COLUMN ] = __( 'POHODA', 'pohoda-adapter' );
		}
		return $out;
	}

	/**
	 * The column on the HPOS screen.
	 *
	 * @param string $column The column.
	 * @param mixed  $order  The order.
	 */
	public static function hpos_column( $column, $order ): void {
		if ( self::COLUMN === $column && $order instanceof WC_Order && Pohoda_Adapter_Marking::allowed() ) {
			Pohoda_Adapter_View::cell( $order );
		}
	}

	/**
	 * The column on the posts screen.
	 *
	 * @param string $column  The column.
	 * @param int    $post_id The order's post id.
	 */
	public static function posts_column( $column, $post_id ): void {
		if ( self::COLUMN !== $column || ! Pohoda_Adapter_Marking::allowed() ) {
			return;
		}
		$order = wc_get_order( (int) $post_id );
		if ( $order instanceof WC_Order ) {
			Pohoda_Adapter_View::cell( $order );
		}
	}

	/**
	 * Add the POHODA box to the order screen (both storages).
	 *
	 * @param string $screen_or_type The screen id (HPOS) or the post type (posts).
	 * @param mixed  $post_or_order  The post or the order.
	 */
	public static function add_box( $screen_or_type, $post_or_order = null ): void {
		if ( ! Pohoda_Adapter_Marking::allowed() ) {
			return;
		}
		$screens = array( 'shop_order', 'woocommerce_page_wc-orders' );
		if ( ! in_array( $screen_or_type, $screens, true ) ) {
			return;
		}
		add_meta_box(
			'pohoda-adapter',
			__( 'POHODA', 'pohoda-adapter' ),
			array( Pohoda_Adapter_View::class, 'box' ),
			$screen_or_type,
			'side',
			'high'
		);
	}

	/**
	 * Messages of the last bulk or order action.
	 */
	public static function notices(): void {
		if ( ! Pohoda_Adapter_Marking::allowed() ) {
			return;
		}
		$key  = self::NOTICE . get_current_user_id();
		$kept = get_transient( $key );
		if ( is_array( $kept ) && 2 === count( $kept ) ) {
			delete_transient( $key );
			Pohoda_Adapter_View::notice( (string) $kept[0], (string) $kept[1] );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- only counts are shown, nothing is changed.
		if ( empty( $_GET['pohoda_adapter_done'] ) ) {
			return;
		}
		$flag        = 'flag' === sanitize_key( wp_unslash( $_GET['pohoda_adapter_done'] ) );
		$changed     = absint( $_GET['pohoda_adapter_changed'] ?? 0 );
		$missing     = absint( $_GET['pohoda_adapter_missing'] ?? 0 );
		$transferred = array_filter( array_map( 'absint', explode( ',', (string) wp_unslash( $_GET['pohoda_adapter_transferred'] ?? '' ) ) ) );
		// phpcs:enable
		Pohoda_Adapter_View::bulk_notice( $flag, $changed, $transferred, $missing );
	}

	/**
	 * Our report arguments are dropped from the address bar after display.
	 *
	 * @param string[] $args Removable query arguments.
	 * @return string[]
	 */
	public static function removable_args( $args ) {
		return array_merge( (array) $args, self::ARGS );
	}
}
