"""Stock batches ask the shop for only the outcome of each item (``_fields``), against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from adapter.emulators.woocommerce import WooEmulator
from adapter.eshop.woocommerce.api import _item_fields
from adapter.eshop.woocommerce.connector import WooCommerce
from adapter.records import StockUpdate
from tests.eshop.helpers import connection


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[WooEmulator, WooCommerce]]:
    with WooEmulator(tmp_path, seed_products=12) as emu:
        emu.start()
        woo = WooCommerce(connection(emu.url, "ck_test", "cs_test", attempts=1))
        try:
            yield emu, woo
        finally:
            woo.close()


def test_item_fields_address_each_item_by_position() -> None:
    assert _item_fields("update", 2, ("id", "error")) == "update.0.id,update.0.error,update.1.id,update.1.error"


def test_batch_answer_keeps_only_the_outcome_of_each_item(shop: tuple[WooEmulator, WooCommerce]) -> None:
    _, woo = shop
    simple = [p for p in woo.iter_products() if p.kind == "simple"][:3]
    payloads: list[dict[str, object]] = [{"id": p.id, "stock_quantity": 7, "manage_stock": True} for p in simple]
    payloads.append({"id": 999_999, "stock_quantity": 1})
    outcomes = woo._batch("/products/batch", "update", payloads, fields=("id", "error"))
    assert [o.data for o in outcomes[:3]] == [{"id": p.id} for p in simple]  # type: ignore[union-attr]
    assert isinstance(outcomes[3], str) and outcomes[3]  # the refused item keeps its reason
    full = woo._batch("/products/batch", "update", payloads[:1])
    assert "sku" in full[0].data  # type: ignore[union-attr]  # without fields the stored object comes back


def test_update_stock_still_reports_each_item(shop: tuple[WooEmulator, WooCommerce]) -> None:
    _, woo = shop
    products = [p for p in woo.iter_products() if p.kind in ("simple", "variation")][:6]
    updates = [StockUpdate(product_id=p.id, parent_id=p.parent_id, quantity=Decimal(40 + n))
               for n, p in enumerate(products)]
    results = woo.update_stock([*updates, StockUpdate(product_id=999_999, quantity=Decimal(1))])
    assert [r.ok for r in results] == [True] * len(products) + [False]
    after = {p.id: p.stock_quantity for p in woo.iter_products()}
    assert [after[p.id] for p in products] == [Decimal(40 + n) for n in range(len(products))]
