"""200 mixed orders with partial and full refunds and cancellations before and after invoicing, on both emulators.

Every refund of an invoiced order becomes exactly one credit note whose total equals the refund to the haléř
(in the order's currency), linked to that order's invoice; refunds of orders without an invoice wait with the
reason; cancelled orders are deleted in POHODA only where allowed (not invoiced, not executed), the rest listed.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from adapter import ledger
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    add_mixed_orders,
    env_fixture,
    fast_sockets_fixture,
)


def refund_some(env: Env, order: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """One to three refunds of an order: lines with quantities, shipping, an amount only, or everything left."""
    out = []
    kind = rng.choice(["lines", "shipping", "amount", "full", "lines+amount"])
    if kind in ("lines", "lines+amount"):
        line = rng.choice(order["line_items"])
        qty = rng.randint(1, line["quantity"])
        net = (Decimal(line["total"]) / line["quantity"] * qty).quantize(Decimal("0.01"))
        tax = (Decimal(line["total_tax"]) / line["quantity"] * qty).quantize(Decimal("0.01"))
        out.append(env.woo.add_refund(order["id"], reason="Vráceno zboží", line_items=[
            {"id": line["id"], "quantity": qty, "refund_total": str(net),
             "refund_tax": [{"id": line["taxes"][0]["id"], "refund_total": str(tax)}]}]))
    if kind == "shipping" and order["shipping_lines"] and Decimal(order["shipping_lines"][0]["total"]) > 0:
        ship = order["shipping_lines"][0]
        taxes = [{"id": 1, "refund_total": ship["total_tax"]}] if Decimal(ship["total_tax"]) else []
        out.append(env.woo.add_refund(order["id"], line_items=[
            {"id": ship["id"], "refund_total": ship["total"], "refund_tax": taxes}]))
    if kind in ("amount", "lines+amount"):
        amount = min(Decimal(rng.randint(1, 9999)) / 100, remaining(env, order["id"]))
        if amount > 0:
            out.append(env.woo.add_refund(order["id"], amount=f"{amount:.2f}", reason="Sleva"))
    if kind == "full":
        out.append(env.woo.add_refund(order["id"], amount=f"{remaining(env, order['id']):.2f}", reason="Vráceno vše"))
    return out


def remaining(env: Env, order_id: int) -> Decimal:
    """What is left to refund of an order."""
    order = env.woo.order(order_id)
    return Decimal(order["total"]) + sum((Decimal(r["total"]) for r in order["refunds"]), Decimal(0))


@pytest.mark.slow
def test_200_mixed_orders_refunds_and_cancellations(env: Env) -> None:
    rng = random.Random(19)
    kinds = add_mixed_orders(env, 200, seed=19)
    assert env.run("orders").status in ("ok", "partial")
    transferred = {int(e.key) for e in ledger.entries(agenda="orders", state="ok", limit=1000)}
    cancel_early = set(rng.sample(sorted(transferred), 15))  # cancelled before the invoice
    for oid in cancel_early:
        env.woo.set_order_status(oid, "cancelled")
    env.run("invoices")
    invoiced = {int(e.key): e.pohoda_number for e in ledger.entries(agenda="invoices", state="ok", limit=1000)}
    assert invoiced and not cancel_early & set(invoiced)
    refunds: dict[int, dict[str, Any]] = {}
    for oid in rng.sample(sorted(invoiced), 60) + rng.sample(sorted(kinds["unknown"]), 5):
        for r in refund_some(env, env.woo.order(oid), rng):
            refunds[r["id"]] = {**r, "order_id": oid}
    cancel_late = set(rng.sample(sorted(set(invoiced) - {r["order_id"] for r in refunds.values()}), 10))
    for oid in cancel_late:
        env.woo.set_order_status(oid, "cancelled")
    orders_run = env.run("orders")
    assert orders_run.status == "partial" and "Zrušeno v e-shopu po přenosu" in orders_run.message

    run = env.run("refunds")
    assert run.error_count == 0, run.message
    notes = env.ms.credit_notes()
    by_ext = Counter(n.ext_id for n in notes)
    assert all(v == 1 for v in by_ext.values()), "a refund became two credit notes"
    credited = {n.ext_id.removeprefix("refund-"): n for n in notes}
    for rid, r in refunds.items():
        row = ledger.get_entry("refunds", str(rid))
        assert row is not None
        if r["order_id"] in invoiced:
            note = credited[str(rid)]
            assert row.state == "ok" and row.pohoda_number == note.number
            assert note.invoice_number == invoiced[r["order_id"]]
            expected = -Decimal(r["amount"])
            assert (note.total_foreign if note.currency != "CZK" else note.total) == expected, (rid, note)
        else:
            assert row.state == "held" and "čeká na fakturu" in row.error and str(rid) not in credited
    pohoda_numbers = {int(e.key): e.pohoda_number for e in ledger.entries(agenda="orders", state="ok", limit=1000)}
    assert sorted(n for n, _ in env.ms.deleted_orders()) == sorted(pohoda_numbers[o] for o in cancel_early)
    for oid in cancel_late:
        row = ledger.get_entry("cancels", str(oid))
        assert row is not None and row.state == "held" and "po vystavení faktury" in row.error
    print(f"\n{len(refunds)} refunds, {len(notes)} credit notes, {len(env.ms.deleted_orders())} deleted, "
          f"{run.held_count} held; currencies {Counter(n.currency for n in notes)}")
    # exactly once: the next runs add nothing and delete nothing
    assert env.run("refunds").ok_count == 0
    assert env.run("refunds", full=True).ok_count == 0
    assert len(env.ms.credit_notes()) == len(notes) and len(env.ms.deleted_orders()) == len(cancel_early)
