"""Invoices job against both emulators: linked (moves stock) and stand-alone (does not), exactly once."""

from __future__ import annotations

from decimal import Decimal

from adapter import ledger
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    shop_total,
    sku_pools,
)


def counts(env: Env) -> dict[str, Decimal]:
    return {c.code: c.count for c in env.ms.stock_cards()}


def test_linked_invoices_come_from_transferred_orders_and_move_stock(env: Env) -> None:
    pools = sku_pools(env)
    sku = pools["single"][0]
    a = env.woo.add_order([(sku, 2)], status="completed", coupon_lines=[{"code": "sleva10"}])
    b = env.woo.add_order([(pools["single"][1], 1), (pools["unknown"][0], 1)], status="completed")  # held order
    before = counts(env)
    run = env.run("invoices")
    assert run.status == "ok"
    assert env.ms.issued_invoices() == []  # nothing transferred yet → both wait
    assert ledger.get_entry("invoices", str(a["id"])).state == "held"
    assert "čeká na přenos objednávky" in ledger.get_entry("invoices", str(a["id"])).error
    env.run("orders")
    run = env.run("invoices")
    assert run.status == "ok", run.message
    (invoice,) = env.ms.issued_invoices()
    order_row = ledger.get_entry("orders", str(a["id"]))
    assert invoice.order_number == order_row.pohoda_number  # built from POHODA's own order (inv:links)
    assert invoice.number_order == a["number"] and invoice.symbol_variable == a["number"]
    assert invoice.total == shop_total(env, a["id"])
    assert counts(env)[sku] == before[sku] - 2  # POHODA issued the goods
    assert ledger.get_entry("invoices", str(b["id"])).state == "held"
    # exactly once: a second run adds nothing
    assert env.run("invoices").ok_count == 0
    assert len(env.ms.issued_invoices()) == 1
    report = run.report_dict()
    assert "vyskladní" in report["upozornění"]


def test_standalone_invoices_do_not_move_stock_and_say_so(env: Env) -> None:
    pools = sku_pools(env)
    sku = pools["single"][2]
    a = env.woo.add_order([(sku, 3)], status="completed")
    env.with_invoices(mode="standalone")
    before = counts(env)
    run = env.run("invoices")
    assert run.status == "ok", run.message
    (invoice,) = env.ms.issued_invoices()
    assert invoice.total == shop_total(env, a["id"]) and not invoice.order_number
    assert all(not line.stock_code for line in invoice.lines)
    assert counts(env) == before  # POHODA does NOT move stock for stand-alone invoices
    assert "NEpohne" in run.report_dict()["režim"]
    # lost answer: the sending row is found in POHODA, not sent again
    ledger.set_state("invoices", [str(a["id"])], "sending")
    run = env.run("invoices")
    assert len(env.ms.issued_invoices()) == 1
    assert ledger.get_entry("invoices", str(a["id"])).pohoda_number == invoice.number


def test_invoice_preview_sends_nothing(env: Env) -> None:
    pools = sku_pools(env)
    env.woo.add_order([(pools["single"][3], 1)], status="completed")
    env.run("orders")
    run = env.run("invoices", dry_run=True)
    assert run.status == "ok"
    assert env.ms.issued_invoices() == []
    assert ledger.run_events(run.id, state="preview")
    assert ledger.entries(agenda="invoices") == []
