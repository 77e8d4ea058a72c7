<?php
/**
 * Uninstall: remove what the plugin itself stored.
 *
 * The plugin keeps no options; only short-lived admin notices (transients).
 * Order meta stays: the transfer marks and POHODA's numbers belong to the
 * orders' accounting history and the adapter still reads them.
 *
 * @package PohodaAdapter
 */

declare( strict_types=1 );

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

global $wpdb;

$pohoda_adapter_like = $wpdb->esc_like( '_transient_pohoda_adapter_notice_' ) . '%';
$pohoda_adapter_timeout = $wpdb->esc_like( '_transient_timeout_pohoda_adapter_notice_' ) . '%';
// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- one cleanup query at uninstall.
$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s", $pohoda_adapter_like, $pohoda_adapter_timeout ) );
