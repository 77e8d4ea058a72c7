<?php
/**
 * Plugin Name:       POHODA adaptér
 * Description:       Marks WooCommerce orders for transfer to Stormware POHODA and shows what the POHODA adapter wrote back (number, held reason, error, invoice, tracking).
 * Version:           1.0.0
 * Requires at least: 6.4
 * Requires PHP:      8.1
 * Author:            POHODA adaptér
 * License:           Proprietary
 * Text Domain:       pohoda-adapter
 * Domain Path:       /languages
 * WC requires at least: 8.2
 * WC tested up to:   10.0
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'ABSPATH' ) || exit;

define( 'POHODA_ADAPTER_VERSION', '1.0.0' );
define( 'POHODA_ADAPTER_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-pohoda-adapter-meta.php';
require_once __DIR__ . '/includes/class-pohoda-adapter-marking.php';
require_once __DIR__ . '/includes/class-pohoda-adapter-admin.php';
require_once __DIR__ . '/includes/class-pohoda-adapter-view.php';
require_once __DIR__ . '/includes/class-pohoda-adapter-rest.php';

add_action(
	'before_woocommerce_init',
	static function (): void {
		if ( class_exists( \Automattic\WooCommerce\Utilities\FeaturesUtil::class ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', POHODA_ADAPTER_FILE, true );
		}
	}
);

add_action(
	'init',
	static function (): void {
		load_plugin_textdomain( 'pohoda-adapter', false, dirname( plugin_basename( POHODA_ADAPTER_FILE ) ) . '/languages' );
	}
);

add_action(
	'plugins_loaded',
	static function (): void {
		if ( ! function_exists( 'wc_get_order' ) ) {
			return; // WooCommerce is not active: nothing to show, nothing to mark.
		}
		Pohoda_Adapter_Rest::register();
		if ( is_admin() ) {
			Pohoda_Adapter_Admin::register();
		}
	}
);
