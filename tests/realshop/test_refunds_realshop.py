"""Refunds against the real WordPress + WooCommerce shop (the real-shop fixture) and the mServer emulator.

Real WooCommerce decides the refund shapes here: negative
stored lines, positive amounts, the order's ``refunds`` list and modified date.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from woocommerce import API  # type: ignore[import-untyped]

from adapter import ledger
from adapter.config import EshopSettings, InvoicesSettings, OrdersSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.sync.connections import default_connections
from adapter.sync.runner import JobRunner
from tests.fixtures_crash import single_skus

pytestmark = pytest.mark.realshop


def _run(settings: Settings, agenda: str) -> ledger.Run:
    run, ran = JobRunner(lambda: settings, default_connections()).run_inline(agenda, "cli")
    assert ran
    return run


@pytest.mark.slow
def test_real_shop_refunds_become_credit_notes_and_cancellations_deletes(
        fresh_shop: Any, mserver_factory: Callable[..., MServerEmulator], tmp_path: Path) -> None:
    ms = mserver_factory(seed_stock=120)
    wc = API(url=fresh_shop.site_url, consumer_key=fresh_shop.ck, consumer_secret=fresh_shop.cs, version="wc/v3",
             timeout=60)
    products = []
    for sku in single_skus(120)[:3]:
        found = wc.get("products", params={"sku": sku}).json()  # the seeded catalogue may hold it already
        if found:
            products.append(found[0]["id"])
            continue
        answer = wc.post("products", {"name": f"Zboží {sku}", "sku": sku, "regular_price": "121.00",
                                      "status": "publish"})
        assert answer.status_code == 201, answer.text
        products.append(answer.json()["id"])
    orders = []
    for n in range(4):
        body = {"status": "completed", "payment_method": "bacs", "payment_method_title": "Převodem",
                "billing": {"first_name": "Jana", "last_name": f"Nováková {n}", "email": f"j{n}@example.cz",
                            "country": "CZ"},
                "line_items": [{"product_id": products[n % 3], "quantity": 2}],
                "shipping_lines": [{"method_id": "flat_rate", "method_title": "Zásilkovna", "total": "65.29"}],
                "meta_data": [{"key": "_test_transfer", "value": "yes"}]}  # only these, not the seeded orders
        answer = wc.post("orders", body)
        assert answer.status_code == 201, answer.text
        orders.append(answer.json())
    data = tmp_path / "adapter"
    data.mkdir()
    ledger.init_db(data / "ledger.db")
    settings = Settings(
        data_dir=data, pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"),
        eshop=EshopSettings(url=fresh_shop.site_url, consumer_key=fresh_shop.ck, consumer_secret=fresh_shop.cs),
        orders=OrdersSettings(transfer_statuses=("completed",), transfer_meta_key="_test_transfer"), invoices=InvoicesSettings(enabled=True))
    try:
        assert _run(settings, "orders").ok_count == 4
        cancelled = orders[3]
        assert wc.put(f"orders/{cancelled['id']}", {"status": "cancelled"}).status_code == 200
        assert _run(settings, "invoices").ok_count == 3
        line = orders[0]["line_items"][0]
        unit_net = Decimal(line["total"]) / 2
        unit_tax = Decimal(line["total_tax"]) / 2
        refunds = [
            wc.post(f"orders/{orders[0]['id']}/refunds", {"api_refund": False, "line_items": [
                {"id": line["id"], "quantity": 1, "refund_total": f"{unit_net:.2f}",
                 "refund_tax": [{"id": t["id"], "refund_total": f"{unit_tax:.2f}"} for t in line["taxes"]]}]}),
            wc.post(f"orders/{orders[1]['id']}/refunds", {"api_refund": False, "amount": "10.00"}),
            wc.post(f"orders/{orders[2]['id']}/refunds", {"api_refund": False, "amount": orders[2]["total"]}),
        ]
        assert all(r.status_code == 201 for r in refunds), [r.text for r in refunds]
        run = _run(settings, "refunds")
        assert run.error_count == 0, run.message
        notes = {n.ext_id: n for n in ms.credit_notes()}
        for answer in refunds:
            refund = answer.json()
            assert notes[f"refund-{refund['id']}"].total == -Decimal(refund["amount"])
        assert [n for _, n in ms.deleted_orders()] == [cancelled["number"]]
        assert _run(settings, "refunds").ok_count == 0
        assert len(ms.credit_notes()) == 3
        shop_notes = wc.get(f"orders/{orders[1]['id']}/notes").json()
        assert sum(1 for n in shop_notes if "Dobropis" in n["note"]) == 1
    finally:
        ledger.database.close()
