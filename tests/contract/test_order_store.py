"""[orders] store: an order whose card is only in another POHODA warehouse is held, not sent and refused.

Found on the real shop: the Pairing table knew the card (paired over all warehouses), so the
order went to POHODA with the configured warehouse and POHODA refused the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter import ledger
from adapter.eshop.base import Eshop
from adapter.sync.lookups import CodeResolver
from adapter.sync.orders.evaluate import map_with
from adapter.sync.orders.mapping import MappingOptions
from tests.contract.sides import Side
from tests.contract.test_connector import connector


@pytest.fixture
def db(tmp_path: Path) -> Iterator[None]:
    ledger.init_db(tmp_path / "ledger.db")
    yield
    ledger.database.close()


def no_post(xml: bytes) -> bytes:
    raise AssertionError("everything is in the Pairing table; POHODA must not be asked")


def _order_and_pairing(side: Side) -> tuple[Eshop, int]:
    """A completed order of the shop, every SKU of it paired; the first one's card only in PRODEJNA."""
    shop = connector(side)
    [raw] = side.client().ok("GET", "orders", status="completed", per_page="1", orderby="id", order="asc")
    skus = [line["sku"] for line in raw["line_items"] if line["sku"]]
    for n, sku in enumerate(skus):
        ledger.Pairing.create(status="paired", sku=sku, pohoda_code=sku, stores="PRODEJNA" if n == 0 else "HLAVNI",
                              updated_at=ledger.utcnow())
    return shop, int(raw["id"])


def test_order_with_a_card_only_in_another_warehouse_is_held_with_the_reason(db: None, side: Side) -> None:
    shop, order_id = _order_and_pairing(side)
    try:
        order = shop.get_order(order_id)
    finally:
        shop.close()
    first = next(line.sku for line in order.lines if line.kind == "product" and line.sku)
    resolver = CodeResolver(ico="12345678", post=no_post, store="HLAVNI")
    resolver.fetch(line.sku for line in order.lines)
    mapped = map_with(resolver, order, MappingOptions(store="HLAVNI"))
    assert mapped.doc is None
    [problem] = [p for p in mapped.problems if p.kind == "store"]
    assert problem.sku == first
    assert "není v POHODĚ ve skladu „HLAVNI“" in problem.message and "PRODEJNA" in problem.message


def test_the_same_order_goes_when_the_warehouse_holds_every_card(db: None, side: Side) -> None:
    shop, order_id = _order_and_pairing(side)
    try:
        order = shop.get_order(order_id)
    finally:
        shop.close()
    ledger.Pairing.update(stores="HLAVNI,PRODEJNA").execute()
    resolver = CodeResolver(ico="12345678", post=no_post, store="HLAVNI")
    resolver.fetch(line.sku for line in order.lines)
    mapped = map_with(resolver, order, MappingOptions(store="HLAVNI"))
    assert not [p for p in mapped.problems if p.kind == "store"]
    assert mapped.doc is not None
    assert {line.store for line in mapped.doc.lines if line.stock_code} == {"HLAVNI"}
