<?php
/**
 * A small REST endpoint that lets the POHODA adapter detect the plugin.
 *
 * GET /wp-json/wc-pohoda-adapter/v1/status answers the plugin's version and
 * the order meta keys. The "wc-" namespace prefix makes WooCommerce accept
 * its REST API keys here, so the adapter calls it with the keys it already has.
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

/**
 * The status endpoint.
 */
final class Pohoda_Adapter_Rest {

	public const NAMESPACE = 'wc-pohoda-adapter/v1';

	/**
	 * Hook the route registration.
	 */
	public static function register(): void {
		add_action( 'rest_api_init', array( self::class, 'routes' ) );
	}

	/**
	 * Register the route.
	 */
	public static function routes(): void {
		register_rest_route(
			self::NAMESPACE,
			'/status',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( self::class, 'status' ),
				'permission_callback' => array( self::class, 'can_read' ),
			)
		);
	}

	/**
	 * Only users (or API keys) that may read orders see it.
	 */
	public static function can_read(): bool {
		return current_user_can( 'read_private_shop_orders' ) || current_user_can( Pohoda_Adapter_Marking::CAPABILITY );
	}

	/**
	 * The plugin's identity, version and meta keys.
	 */
	public static function status(): WP_REST_Response {
		return new WP_REST_Response(
			array(
				'plugin'            => 'pohoda-adapter',
				'version'           => POHODA_ADAPTER_VERSION,
				'transfer_meta_key' => Pohoda_Adapter_Meta::TRANSFER,
				'meta_keys'         => Pohoda_Adapter_Meta::keys(),
				'storage'           => self::storage(),
			),
			200
		);
	}

	/**
	 * Which order storage WooCommerce uses: "hpos" or "posts".
	 */
	private static function storage(): string {
		$util = \Automattic\WooCommerce\Utilities\OrderUtil::class;
		return class_exists( $util ) && $util::custom_orders_table_usage_is_enabled() ? 'hpos' : 'posts';
	}
}
