"""WooCommerce emulator refunds: WooCommerce 10's shapes and rules over the official REST client."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from adapter.emulators.woocommerce import WooEmulator
from tests.test_emulator_woocommerce import api


@pytest.fixture
def shop(woo_factory: Callable[..., WooEmulator]) -> WooEmulator:
    """A small seeded shop with no orders of its own."""
    return woo_factory(seed_products=20, seed_orders=0)


def _order(shop: WooEmulator) -> dict[str, Any]:
    sku = next(p["sku"] for p in api(shop).get("products", params={"type": "simple"}).json() if p["sku"])
    return shop.add_order([(sku, 3)], status="completed")


def test_partial_line_refund_has_negative_lines_and_positive_amount(shop: WooEmulator) -> None:
    order = _order(shop)
    line = order["line_items"][0]
    unit_net = Decimal(line["total"]) / 3
    unit_tax = Decimal(line["total_tax"]) / 3
    client = api(shop)
    body = {"api_refund": False, "reason": "vráceno",
            "line_items": [{"id": line["id"], "quantity": 1, "refund_total": f"{unit_net:.2f}",
                            "refund_tax": [{"id": line["taxes"][0]["id"], "refund_total": f"{unit_tax:.2f}"}]}]}
    answer = client.post(f"orders/{order['id']}/refunds", body)
    assert answer.status_code == 201, answer.text
    refund = answer.json()
    assert Decimal(refund["amount"]) == Decimal(f"{unit_net:.2f}") + Decimal(f"{unit_tax:.2f}") > 0
    item = refund["line_items"][0]
    assert item["quantity"] == -1 and Decimal(item["total"]) < 0 and Decimal(item["taxes"][0]["total"]) < 0
    assert item["product_id"] == line["product_id"] and item["sku"] == line["sku"]
    assert all(m["key"] != "_refunded_item_id" for m in item["meta_data"])
    again = client.get(f"orders/{order['id']}").json()
    assert again["refunds"] == [{"id": refund["id"], "reason": "vráceno", "total": f"-{refund['amount']}"}]
    assert again["status"] == "completed" and again["date_modified_gmt"] >= order["date_modified_gmt"]
    assert [r["id"] for r in client.get(f"orders/{order['id']}/refunds").json()] == [refund["id"]]


def test_refund_rules_amount_gateway_and_full_refund(shop: WooEmulator) -> None:
    order = _order(shop)
    client = api(shop)
    too_much = client.post(f"orders/{order['id']}/refunds",
                           {"amount": str(Decimal(str(order["total"])) + 1), "api_refund": False})
    assert too_much.status_code == 500 and too_much.json()["message"] == "Invalid refund amount."
    negative = client.post(f"orders/{order['id']}/refunds", {"amount": "-1", "api_refund": False})
    assert negative.status_code == 400
    gateway = client.post(f"orders/{order['id']}/refunds", {"amount": "10"})  # api_refund defaults to true
    assert gateway.status_code == 500 and "gateway" in gateway.json()["message"]
    shop.add_refund(int(order["id"]), amount="10.00")
    rest = Decimal(str(order["total"])) - 10
    shop.add_refund(int(order["id"]), amount=f"{rest:.2f}", reason="zbytek")
    done = shop.order(int(order["id"]))
    assert done["status"] == "refunded"
    assert sum(-Decimal(r["total"]) for r in done["refunds"]) == Decimal(str(order["total"]))
    with pytest.raises(ValueError, match="Invalid refund amount"):
        shop.add_refund(int(order["id"]), amount="0.01")
