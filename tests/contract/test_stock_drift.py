"""Stock the shop lowers itself (an order) shows in ``modified_after`` products, so the ordinary stock
run can notice it; on the real shop and the emulator alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.contract.sides import Side
from tests.contract.test_connector import connector


def test_an_order_lowering_stock_moves_the_product_and_the_variable_parent(side: Side) -> None:
    client = side.client()
    [simple] = client.ok("GET", "products", sku="DOM000003")
    [variation] = client.ok("GET", "products", sku="KUC000004")
    time.sleep(1.1)
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    client.ok("POST", "orders", {
        "status": "processing", "set_paid": True, "billing": {"first_name": "Jana", "last_name": "Nová",
                                                               "email": "jana.nova@example.cz"},
        "line_items": [{"product_id": simple["id"], "quantity": 2},
                       {"product_id": variation["parent_id"], "variation_id": variation["id"], "quantity": 1}],
    })
    shop = connector(side)
    try:
        woo: Any = shop  # WooCommerce's own call, beside the Eshop protocol
        changed = {p.sku: p for p in woo.iter_products_changed(since=since) if p.sku}
    finally:
        shop.close()
    assert changed["DOM000003"].stock_quantity == Decimal(simple["stock_quantity"] - 2)
    assert changed["KUC000004"].stock_quantity == Decimal(variation["stock_quantity"] - 1)
