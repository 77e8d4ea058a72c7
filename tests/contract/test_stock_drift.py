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


def test_a_variation_written_by_the_batch_moves_its_variable_parent(side: Side) -> None:
    """WooCommerce saves the variable parent after a variation's save (``wc_deferred_product_sync``): the
    parent's ``date_modified`` moves, so the adapter's own stock writes show among the changed products."""
    client = side.client()
    [variation] = client.ok("GET", "products", sku="KUC000004")
    parent_id = variation["parent_id"]
    before = client.ok("GET", f"products/{parent_id}")["date_modified_gmt"]
    time.sleep(1.1)
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    answer = client.ok("POST", f"products/{parent_id}/variations/batch",
                       {"update": [{"id": variation["id"], "manage_stock": True,
                                    "stock_quantity": int(variation["stock_quantity"] or 0) + 3}]})
    assert [v["id"] for v in answer["update"]] == [variation["id"]]
    after = client.ok("GET", f"products/{parent_id}")["date_modified_gmt"]
    assert after > before
    listed = client.ok("GET", "products", modified_after=since.strftime("%Y-%m-%dT%H:%M:%S"), dates_are_gmt="true",
                       status="any", per_page="100")
    assert parent_id in {p["id"] for p in listed}
