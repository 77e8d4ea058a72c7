"""Contract: the connector's own calls (``adapter.eshop``), against the emulator and the real shop.

The REST-level tests pin what the shops answer; these pin that the connector reads and writes
both shops alike, through ``connect()`` as the sync jobs do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapter.config import EshopSettings, OrdersSettings
from adapter.eshop.base import Eshop, EshopConnection, TransferMark, connect
from adapter.records import Address, NewCustomer, NewProduct, StockUpdate
from adapter.sync.orders.mapping import local_date
from tests.contract.sides import Side

STAFF = {"admin@example.test", "spravce@example.test"}


def connector(side: Side, **orders: Any) -> Eshop:
    """The connector to ``side``; ``orders`` are ``[orders]`` settings (transfer_statuses, transfer_meta_key …)."""
    shop = EshopSettings(url=side.site_url, consumer_key=side.ck, consumer_secret=side.cs)
    return connect(EshopConnection(shop, OrdersSettings(**orders), attempts=1))


@pytest.fixture
def shop(side: Side) -> Iterator[Eshop]:
    found = connector(side)
    yield found
    found.close()


@pytest.fixture
def order_shop(order_side: Side) -> Iterator[Eshop]:
    found = connector(order_side, transfer_statuses=("completed", "processing"))
    yield found
    found.close()


def test_info_names_the_shop_and_its_currency(shop: Eshop) -> None:
    info = shop.info()
    assert info.name
    assert info.currency == "CZK"
    assert info.prices_include_tax is True
    assert info.product_count > 30


def test_products_with_variations_and_skus(shop: Eshop) -> None:
    products = list(shop.iter_products())
    by_sku = {p.sku: p for p in products if p.sku}
    assert by_sku["KUC000004"].kind == "variation"
    assert by_sku["KUC000004"].parent_id
    assert by_sku["DOM000003"].kind == "simple"
    assert by_sku["DOM000003"].manage_stock is True
    parents = [p for p in products if p.kind == "variable"]
    assert len(parents) == 2
    assert {"reduced-rate", "zero-rate"} <= {p.tax_class for p in products}


def test_stock_update_of_products_and_variations(shop: Eshop) -> None:
    by_sku = {p.sku: p for p in shop.iter_products() if p.sku}
    simple, variation = by_sku["DOM000003"], by_sku["KUC000004"]
    results = shop.update_stock([
        StockUpdate(simple.id, None, Decimal(9), sku=simple.sku),
        StockUpdate(variation.id, variation.parent_id, Decimal(4), sku=variation.sku),
    ])
    assert [r.ok for r in results] == [True, True]
    after = {p.sku: p for p in shop.iter_products() if p.sku}
    assert after["DOM000003"].stock_quantity == 9
    assert after["KUC000004"].stock_quantity == 4


def test_create_products_as_drafts(shop: Eshop) -> None:
    [created] = shop.create_products([NewProduct("Nový výrobek z POHODY", "NOVY-0002", Decimal("121.00"),
                                                  stock_quantity=Decimal(3))])
    assert created.sku == "NOVY-0002"
    assert created.status == "draft"
    assert created.stock_quantity == 3


def test_customers_are_shop_customers_only(shop: Eshop) -> None:
    customers = list(shop.iter_customers())
    assert customers
    assert not STAFF & {c.email for c in customers}


def test_customer_find_create_update(shop: Eshop) -> None:
    new = NewCustomer("Nova.Zakaznice@Example.cz", "Nová", "Zákaznice",
                      billing=Address(company="Zákaznice s.r.o.", street="Polní 1", city="Tábor", zip="39001",
                                      country="CZ", ico="27074358"))
    created = shop.create_customer(new)
    assert created.id
    found = shop.find_customer("nova.zakaznice@example.cz")
    assert found is not None and found.id == created.id
    assert shop.find_customer("nikdo@example.cz") is None
    moved = NewCustomer(new.email, "Nová", "Zákaznice", billing=Address(street="Polní 2", city="Písek",
                                                                     zip="39701", country="CZ"))
    updated = shop.update_customer(created.id, moved)
    assert updated.billing.city == "Písek"


def test_orders_for_transfer_get_and_find(order_shop: Eshop) -> None:
    ready = list(order_shop.iter_orders_for_transfer(since=None))
    assert {o.status for o in ready} == {"completed", "processing"}
    assert len(ready) >= 3
    first = ready[0]
    again = order_shop.get_order(first.id)
    assert (again.number, again.total, len(again.lines)) == (first.number, first.total, len(first.lines))
    found = order_shop.find_orders([first.number])
    assert found[first.number].id == first.id


def test_mark_transferred_and_many(order_shop: Eshop) -> None:
    ready = list(order_shop.iter_orders_for_transfer(since=None))
    order_shop.mark_transferred(ready[0].id, pohoda_number="OBJ0001", note="Přeneseno do POHODA jako OBJ0001")
    answers = order_shop.mark_transferred_many([
        TransferMark(o.id, f"OBJ000{i}", f"Přeneseno do POHODA jako OBJ000{i}") for i, o in enumerate(ready[1:3], 2)
    ])
    assert set(answers.values()) == {""}
    for number, order in (("OBJ0001", ready[0]), ("OBJ0002", ready[1]), ("OBJ0003", ready[2])):
        assert order_shop.get_order(order.id).meta_value("_pohoda_number") == number


def test_mark_paid_moves_an_on_hold_order_to_processing(order_side: Side, order_shop: Eshop) -> None:
    [held] = order_side.client().ok("GET", "orders", status="on-hold", per_page="1")
    status = order_shop.mark_paid(held["id"], invoice_number="FV2025001", paid_on=date(2025, 3, 4))
    assert status == "processing"
    again = order_shop.get_order(held["id"])
    assert again.meta_value("_pohoda_invoice_number") == "FV2025001"
    assert order_shop.mark_paid(held["id"], invoice_number="FV2025001", paid_on=date(2025, 3, 4)) == "processing"


def test_order_flagged_by_meta_is_found_by_the_next_ordinary_run(order_side: Side) -> None:
    """Setting the transfer flag moves no ``date_modified`` in the posts storage; the next run still finds it."""
    shop = connector(order_side, transfer_meta_key="_pohoda_export", transfer_statuses=())
    try:
        every = order_side.client().ok("GET", "orders", status="any", per_page="100")
        watermark = max(wmap_time(o["date_modified_gmt"]) for o in every)
        assert list(shop.iter_orders_for_transfer(since=watermark)) == []
        oldest = min(every, key=lambda o: o["date_modified_gmt"])
        order_side.client().ok("PUT", f"orders/{oldest['id']}", {"meta_data": [{"key": "_pohoda_export", "value": "1"}]})
        found = list(shop.iter_orders_for_transfer(since=watermark))
        assert [o.id for o in found] == [oldest["id"]]
        shop.mark_transferred(oldest["id"], pohoda_number="OBJ0009", note="Přeneseno do POHODA jako OBJ0009")
        later = watermark + timedelta(hours=1)  # past the re-read overlap of the seeded orders
        assert list(shop.iter_orders_for_transfer(since=later)) == []  # transferred and unchanged
    finally:
        shop.close()


def wmap_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_order_dates_follow_the_shops_time_zone_not_the_pcs(order_side: Side, monkeypatch: pytest.MonkeyPatch) -> None:
    """An order's POHODA date is its day on the shop's clock (Europe/Prague), on a PC in any zone."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: most Prague times fall on another day here
    time.tzset()
    try:
        if order_side.real is not None:  # an order placed at 00:30 Prague time (23:30 UTC the day before)
            first = order_side.client().ok("GET", "orders", per_page="1", orderby="id", order="asc")[0]
            order_side.real.php(f"$o = wc_get_order( {int(first['id'])} ); "
                                "$o->set_date_created( strtotime( '2025-03-10T23:30:00Z' ) ); $o->save();")
        shop = connector(order_side)
        try:
            orders = order_side.client().ok("GET", "orders", status="any", per_page="100")
            for raw in orders:
                order = shop.get_order(raw["id"])
                assert local_date(order.created) == date.fromisoformat(raw["date_created"][:10]), raw["date_created"]
                assert order.created == wmap_time(raw["date_created_gmt"])
        finally:
            shop.close()
        if order_side.real is not None:
            assert date.fromisoformat(first["date_created"][:10]) != date(2025, 3, 11)
            assert "2025-03-11T00:30:00" in [o["date_created"] for o in
                                             order_side.client().ok("GET", "orders", status="any", per_page="100")]
    finally:
        monkeypatch.undo()
        time.tzset()
