"""Contract: the shop's set-up lists the mapping screens read (``Eshop.payment_gateways``,
``shipping_methods``, ``order_statuses``, ``tax_rates``, ``tax_classes``), against the emulator
and the real WooCommerce — including a status a plugin registers and a zone with a method."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from adapter.emulators.woocommerce.setup_api import register_order_status
from adapter.eshop.base import Eshop
from tests.contract.sides import Side
from tests.contract.test_connector import connector

PLUGIN = """<?php
add_action( 'init', function () {
    register_post_status( 'wc-awaiting-shipment', array( 'label' => 'Čeká na odeslání', 'public' => true,
        'show_in_admin_status_list' => true, 'exclude_from_search' => false ) );
} );
add_filter( 'wc_order_statuses', function ( $statuses ) {
    $statuses['wc-awaiting-shipment'] = 'Čeká na odeslání';
    return $statuses;
} );
"""


@pytest.fixture
def shop(side: Side) -> Iterator[Eshop]:
    found = connector(side)
    yield found
    found.close()


def test_payment_gateways(shop: Eshop) -> None:
    gateways = {g.id: g for g in shop.payment_gateways()}
    assert (gateways["bacs"].title, gateways["bacs"].enabled) == ("Bankovní převod", True)
    assert (gateways["cod"].title, gateways["cod"].enabled) == ("Dobírka", True)
    assert gateways["cheque"].enabled is False
    assert all(g.id and g.title for g in gateways.values())


def test_tax_rates_and_classes(shop: Eshop) -> None:
    rates = {(r.country, r.rate, r.tax_class) for r in shop.tax_rates()}
    assert {("CZ", Decimal(21), "standard"), ("CZ", Decimal(12), "reduced-rate"), ("CZ", Decimal(0), "zero-rate")} <= rates
    classes = shop.tax_classes()
    assert classes[0].slug == "standard"
    assert {c.slug: c.name for c in classes}["reduced-rate"] == "Reduced rate"


def test_order_statuses_list_every_registered_status_with_its_count(shop: Eshop) -> None:
    statuses = {s.slug: s for s in shop.order_statuses()}
    assert {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"} <= set(statuses)
    assert not any(slug.startswith("wc-") for slug in statuses)
    assert statuses["completed"].total >= 1 and statuses["refunded"].total >= 0
    assert all(s.name for s in statuses.values())


def _add_zone(side: Side) -> None:
    if side.real is None:
        return  # the emulator has the zone "Česko" with Zásilkovna as flat_rate
    side.real.php("""
        $zone = new WC_Shipping_Zone();
        $zone->set_zone_name( 'Česko' );
        $zone->add_location( 'CZ', 'country' );
        $zone->save();
        $iid = $zone->add_shipping_method( 'flat_rate' );
        update_option( "woocommerce_flat_rate_{$iid}_settings", array( 'title' => 'Zásilkovna', 'cost' => '65' ) );
    """)


def test_shipping_methods_of_every_zone(side: Side, shop: Eshop) -> None:
    _add_zone(side)
    methods = shop.shipping_methods()
    found = [(m.method_id, m.title, m.zone, m.enabled) for m in methods]
    assert ("flat_rate", "Zásilkovna", "Česko", True) in found


def test_a_status_a_plugin_registers_is_listed_with_its_orders(side: Side, shop: Eshop) -> None:
    order_id = int(side.client().get("orders", status="completed").json()[0]["id"])
    if side.emulator is not None:
        store = side.emulator.objects.store
        register_order_status(store, "awaiting-shipment", "Čeká na odeslání")
        doc = store.get("orders", order_id)
        assert doc is not None
        store.put("orders", {**doc, "status": "awaiting-shipment"})
    else:
        assert side.real is not None
        plugin = side.real.wp_root / "wp-content" / "mu-plugins" / "test-awaiting-shipment.php"
        plugin.parent.mkdir(parents=True, exist_ok=True)
        plugin.write_text(PLUGIN, encoding="utf-8")
    try:
        if side.real is not None:
            side.real.php(f"$o = wc_get_order( {order_id} ); $o->set_status( 'awaiting-shipment' ); $o->save();"
                          " echo json_encode( $o->get_status() );")
        statuses = {s.slug: s for s in shop.order_statuses()}
        assert (statuses["awaiting-shipment"].name, statuses["awaiting-shipment"].total) == ("Čeká na odeslání", 1)
        listed = side.client().get(f"orders/{order_id}").json()
        assert listed["status"] == "awaiting-shipment"
    finally:
        if side.real is not None:
            plugin.unlink(missing_ok=True)
