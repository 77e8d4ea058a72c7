<?php
// php install.php WP_DIR [phase]   — idempotent. Phase 1: WordPress itself; phase 2 (fresh process): WooCommerce.
$rw_dir = $argv[1];
$phase  = $argv[2] ?? '1';
$rw_installing = ( $phase === '1' );
require __DIR__ . '/bootstrap.php';

if ( $phase === '1' ) {
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    if ( ! is_blog_installed() ) {
        $r = wp_install( 'Realný obchod', 'admin', 'admin@example.test', false, '', wp_slash( 'admin-local-only' ), 'en_US' );
        echo "wp_install: user {$r['user_id']}\n";
    } else {
        echo "wordpress already installed\n";
    }
    update_option( 'permalink_structure', '/%postname%/' );
    update_option( 'timezone_string', 'Europe/Prague' );
    update_option( 'gmt_offset', '' );
    $active = (array) get_option( 'active_plugins', array() );
    if ( ! in_array( 'woocommerce/woocommerce.php', $active, true ) ) {
        $active[] = 'woocommerce/woocommerce.php';
        update_option( 'active_plugins', $active );
        echo "woocommerce marked active\n";
    }
    passthru( escapeshellarg( PHP_BINARY ) . ' -d memory_limit=512M ' . escapeshellarg( __FILE__ ) . ' ' . escapeshellarg( $rw_dir ) . ' 2', $rc );
    exit( $rc );
}

// Phase 2: WooCommerce is loaded as an active plugin now.
if ( ! class_exists( 'WooCommerce' ) ) { fwrite( STDERR, "WooCommerce did not load\n" ); exit( 1 ); }
if ( get_option( 'woocommerce_version' ) !== WC()->version || ! get_option( 'woocommerce_db_version' ) ) {
    WC_Install::install();
    echo "WC_Install::install() done\n";
}
echo 'WooCommerce ' . WC()->version . ' on WordPress ' . get_bloginfo( 'version' ) . "\n";

$opts = array(
    'woocommerce_currency'              => 'CZK',
    'woocommerce_currency_pos'          => 'right_space',
    'woocommerce_price_thousand_sep'    => ' ',
    'woocommerce_price_decimal_sep'     => ',',
    'woocommerce_price_num_decimals'    => '2',
    'woocommerce_default_country'       => 'CZ',
    'woocommerce_store_address'         => 'Vodičkova 1',
    'woocommerce_store_city'            => 'Praha',
    'woocommerce_store_postcode'        => '11000',
    'woocommerce_calc_taxes'            => 'yes',
    'woocommerce_prices_include_tax'    => 'yes',
    'woocommerce_tax_based_on'          => 'base',
    'woocommerce_tax_display_shop'      => 'incl',
    'woocommerce_tax_display_cart'      => 'incl',
    'woocommerce_tax_round_at_subtotal' => 'no',
    'woocommerce_manage_stock'          => 'yes',
    'woocommerce_enable_coupons'        => 'yes',
    'woocommerce_coming_soon'           => 'no',
    'woocommerce_allowed_countries'     => 'all',
    'woocommerce_weight_unit'           => 'kg',
);
foreach ( $opts as $k => $v ) { update_option( $k, $v ); }
// Bank transfer and cash on delivery gateways on.
update_option( 'woocommerce_bacs_settings', array( 'enabled' => 'yes', 'title' => 'Bankovní převod' ) );
update_option( 'woocommerce_cod_settings', array( 'enabled' => 'yes', 'title' => 'Dobírka' ) );

global $wpdb;
// 21 % standard rate for CZ (shipping taxed too).
$have = $wpdb->get_var( "SELECT tax_rate_id FROM {$wpdb->prefix}woocommerce_tax_rates WHERE tax_rate_country='CZ' AND tax_rate_class=''" );
if ( ! $have ) {
    $id = WC_Tax::_insert_tax_rate( array(
        'tax_rate_country' => 'CZ', 'tax_rate_state' => '', 'tax_rate' => '21.0000', 'tax_rate_name' => 'DPH',
        'tax_rate_priority' => 1, 'tax_rate_compound' => 0, 'tax_rate_shipping' => 1, 'tax_rate_order' => 0, 'tax_rate_class' => '',
    ) );
    echo "tax rate CZ 21 %: id $id\n";
}
// Reduced rate class "Reduced rate" 12 % (Czech reduced rate since 2024) for one product.
$have = $wpdb->get_var( "SELECT tax_rate_id FROM {$wpdb->prefix}woocommerce_tax_rates WHERE tax_rate_country='CZ' AND tax_rate_class='reduced-rate'" );
if ( ! $have ) {
    WC_Tax::_insert_tax_rate( array(
        'tax_rate_country' => 'CZ', 'tax_rate_state' => '', 'tax_rate' => '12.0000', 'tax_rate_name' => 'DPH snížená',
        'tax_rate_priority' => 1, 'tax_rate_compound' => 0, 'tax_rate_shipping' => 1, 'tax_rate_order' => 0, 'tax_rate_class' => 'reduced-rate',
    ) );
}

// Zero rate class "Zero rate" 0 % (books, exports) so all three POHODA rates exist in the shop.
$have = $wpdb->get_var( "SELECT tax_rate_id FROM {$wpdb->prefix}woocommerce_tax_rates WHERE tax_rate_country='CZ' AND tax_rate_class='zero-rate'" );
if ( ! $have ) {
    WC_Tax::_insert_tax_rate( array(
        'tax_rate_country' => 'CZ', 'tax_rate_state' => '', 'tax_rate' => '0.0000', 'tax_rate_name' => 'DPH nulová',
        'tax_rate_priority' => 1, 'tax_rate_compound' => 0, 'tax_rate_shipping' => 1, 'tax_rate_order' => 0, 'tax_rate_class' => 'zero-rate',
    ) );
}

// REST API key, stored as WooCommerce stores it (consumer_key hashed with wc_api_hash()).
$ck = getenv( 'RW_CK' ); $cs = getenv( 'RW_CS' );
$exists = $wpdb->get_var( $wpdb->prepare( "SELECT key_id FROM {$wpdb->prefix}woocommerce_api_keys WHERE consumer_key=%s", wc_api_hash( $ck ) ) );
if ( ! $exists ) {
    $wpdb->insert( $wpdb->prefix . 'woocommerce_api_keys', array(
        'user_id' => 1, 'description' => 'POHODA adaptér (test)', 'permissions' => 'read_write',
        'consumer_key' => wc_api_hash( $ck ), 'consumer_secret' => $cs, 'truncated_key' => substr( $ck, -7 ),
    ) );
    echo "API key inserted (key_id {$wpdb->insert_id}) {$wpdb->last_error}\n";
}
// A read-only key too, to see the 401/403 for writes.
$ckr = getenv( 'RW_RO_CK' ); $csr = getenv( 'RW_RO_CS' );
if ( ! $wpdb->get_var( $wpdb->prepare( "SELECT key_id FROM {$wpdb->prefix}woocommerce_api_keys WHERE consumer_key=%s", wc_api_hash( $ckr ) ) ) ) {
    $wpdb->insert( $wpdb->prefix . 'woocommerce_api_keys', array(
        'user_id' => 1, 'description' => 'read only (test)', 'permissions' => 'read',
        'consumer_key' => wc_api_hash( $ckr ), 'consumer_secret' => $csr, 'truncated_key' => substr( $ckr, -7 ),
    ) );
}
flush_rewrite_rules( false );
echo "configured\n";
