"""Advance invoices end to end: order → advance invoice → payment in POHODA → paid order → final invoice deducting it.

Both emulators over real sockets and the real runner: ``sync orders``,
``sync invoices`` and ``sync payments`` carry the documents; every document
exactly once, the final invoice's total after the deduction equals the
shop total minus the advance (0 to pay), and the advance is used up once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from adapter import ledger
from adapter.config.eu import AdvancesSettings
from adapter.records import DocLine
from adapter.sync.advances.mapping import advance_key, deductions, wants_advance
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    shop_total,
    sku_pools,
)

STATUSES = ("on-hold", "processing", "completed")


def with_advances(env: Env, **changes: object) -> None:
    env.settings = replace(env.settings, advances=AdvancesSettings(enabled=True, **changes),  # type: ignore[arg-type]
                           orders=replace(env.settings.orders, transfer_statuses=STATUSES))


def add_prepaid(env: Env, count: int) -> list[dict]:
    pools = sku_pools(env)
    out = []
    for n in range(count):
        lines = [(pools["single"][(n * 3 + k) % len(pools["single"])], 1 + (n + k) % 3) for k in range(1 + n % 3)]
        lines = list({sku: (sku, q) for sku, q in lines}.values())
        extra: dict[str, object] = {}
        if n % 4 == 1:
            extra["coupon_lines"] = [{"code": "sleva10"}]
        out.append(env.woo.add_order(lines, status="on-hold", payment_method="bacs",
                                     payment_method_title="Bankovní převod", **extra))
    return out


def issued_by_ext(env: Env) -> dict[str, list]:
    out: dict[str, list] = {}
    for invoice in env.ms.issued_invoices():
        out.setdefault(invoice.ext_id, []).append(invoice)
    return out


def test_deductions_pure() -> None:
    lines = (DocLine("a", Decimal(1), Decimal("121"), "high"), DocLine("b", Decimal(1), Decimal("112"), "low"),
             DocLine("c", Decimal(1), Decimal("10"), "none"))
    assert [(d.amount, d.vat_rate) for d in deductions("ZF1", Decimal(243), lines, tax_document=False)] == [
        (Decimal(243), "none")]
    assert [(d.amount, d.vat_rate) for d in deductions("ZF1", Decimal(243), lines, tax_document=True)] == [
        (Decimal(121), "high"), (Decimal(112), "low"), (Decimal(10), "none")]
    assert not wants_advance(replace_order_method("bacs"), AdvancesSettings())
    assert wants_advance(replace_order_method("bacs"), AdvancesSettings(enabled=True))
    assert not wants_advance(replace_order_method("cod"), AdvancesSettings(enabled=True))


def replace_order_method(method: str):
    from datetime import UTC, datetime

    from adapter.records import Address, Order

    moment = datetime(2026, 5, 4, tzinfo=UTC)
    return Order(id=1, number="1", status="on-hold", currency="CZK", created=moment, modified=moment,
                 total=Decimal(0), total_tax=Decimal(0), prices_include_tax=True, lines=(), billing=Address(),
                 shipping=Address(), payment_method=method)


def add_not_prepaid(env: Env, count: int) -> list[dict]:
    """Orders paid otherwise than in advance: cash on delivery (with its fee) and by card."""
    pools = sku_pools(env)
    out = []
    for n in range(count):
        lines = [(pools["single"][(n * 7 + 2) % len(pools["single"])], 1 + n % 2)]
        cod = n % 3 != 2
        extra: dict[str, object] = {"fee_lines": [{"name": "Dobírka", "total": "33.06"}]} if cod else {}
        out.append(env.woo.add_order(lines, status="on-hold", payment_method="cod" if cod else "stripe",
                                     payment_method_title="Dobírka" if cod else "Kartou", **extra))
    return out


@pytest.mark.slow
def test_200_chains_advance_payment_final_exactly_once(env: Env) -> None:
    with_advances(env)
    orders = add_prepaid(env, 200)
    others = add_not_prepaid(env, 30)  # COD and card orders in the same runs: never an advance invoice
    assert env.run("orders").status == "ok"
    run = env.run("invoices")
    assert run.status == "ok", run.message
    by_ext = issued_by_ext(env)
    for order in orders:
        (advance,) = by_ext[advance_key(order["id"])]
        assert env.ms.advance_state(advance.number)["kind"] == "issuedAdvanceInvoice"
        assert advance.total == shop_total(env, order["id"]) and advance.number_order == order["number"]
        assert str(order["id"]) not in by_ext  # no final invoice before the payment
    assert not any(advance_key(o["id"]) in by_ext or str(o["id"]) in by_ext for o in others)
    # exactly once: a second run issues nothing more
    assert env.run("invoices").ok_count == 0 and len(env.ms.issued_invoices()) == 200
    paid = orders[: 150]
    for order in paid:
        env.ms.mark_paid(by_ext[advance_key(order["id"])][0].number, on=date(2026, 5, 6))
    run = env.run("payments")
    assert run.status == "ok", run.message
    for order in orders:
        status = env.woo.order(order["id"])["status"]
        assert (status == "processing") == (order in paid), (order["number"], status)
        env.woo.set_order_status(order["id"], "completed")
    for order in others:
        env.woo.set_order_status(order["id"], "completed")
    run = env.run("invoices")
    assert run.status == "ok", run.message
    by_ext = issued_by_ext(env)
    _check_finals(env, orders, paid, by_ext)
    for order in others:  # an ordinary invoice through the invoices agenda: whole total to pay, no deduction
        (invoice,) = by_ext[str(order["id"])]
        state = env.ms.advance_state(invoice.number)
        assert state["kind"] == "issuedInvoice" and state["total"] == shop_total(env, order["id"]) == state["to_pay"]
        assert all(li.text != "Odpočet zálohy" for li in invoice.lines)
        assert advance_key(order["id"]) not in by_ext
    assert env.run("invoices").ok_count == 0
    assert len(env.ms.issued_invoices()) == 350 + len(others)
    _check_notes(env, orders[:5] + orders[-5:], paid, by_ext)
    for order in others[:3]:
        assert not [n for n in env.woo.notes(order["id"]) if n["note"].startswith("Doklady v POHODĚ")]


def _check_finals(env: Env, orders: list[dict], paid: list[dict], by_ext: dict[str, list]) -> None:
    for order in orders:
        final = by_ext.get(str(order["id"]), [])
        advance = by_ext[advance_key(order["id"])][0]
        if order not in paid:
            assert not final
            entry = ledger.get_entry("invoices", str(order["id"]))
            assert entry.state == "held" and f"úhradu zálohové faktury {advance.number}" in entry.error
            continue
        (invoice,) = final
        state = env.ms.advance_state(invoice.number)
        assert state["kind"] == "issuedInvoice" and state["total"] == 0 and state["to_pay"] == 0
        assert env.ms.advance_state(advance.number)["deducted"] == shop_total(env, order["id"])
        goods = [li for li in invoice.lines if li.text != "Odpočet zálohy"]
        assert len(goods) < len(invoice.lines)  # the deduction is one line of the final invoice
        assert sum((li.price_sum for li in goods), Decimal(0)) == shop_total(env, order["id"])


def _check_notes(env: Env, orders: list[dict], paid: list[dict], by_ext: dict[str, list]) -> None:
    received = {o.ext_id: o.number for o in env.ms.received_orders()}
    for order in orders:
        notes = [n["note"] for n in env.woo.notes(order["id"]) if n["note"].startswith("Doklady v POHODĚ")]
        advance = by_ext[advance_key(order["id"])][0].number
        expected = f"objednávka přijatá {received[str(order['id'])]}, zálohová faktura {advance}"
        if order in paid:
            expected += f", faktura {by_ext[str(order['id'])][0].number}"
        assert f"Doklady v POHODĚ: {expected}." in notes, notes
        assert len(notes) == len(set(notes)) <= 2  # one note per new document, never doubled


def test_an_advance_left_sending_is_found_in_pohoda_not_sent_again(env: Env) -> None:
    with_advances(env)
    orders = add_prepaid(env, 3)
    env.run("orders")
    env.run("invoices")
    numbers = {i.ext_id: i.number for i in env.ms.issued_invoices()}
    key = advance_key(orders[0]["id"])
    ledger.set_state("invoices", [key], "sending")
    stats = env.ms.stats()["items"]
    run = env.run("invoices")
    assert run.status == "ok", run.message
    entry = ledger.get_entry("invoices", key)
    assert entry.state == "ok" and entry.pohoda_number == numbers[key]
    assert "nalezena po přerušeném přenosu" in " ".join(e.message for e in ledger.run_events(run.id))
    assert len(env.ms.issued_invoices()) == 3 and env.ms.stats()["items"] - stats <= 2  # a look-up, no import


def test_the_order_page_names_the_advance_invoice(env: Env) -> None:
    from adapter.sync.connections import default_connections
    from adapter.sync.orders.preview import preview_order

    with_advances(env)
    (order,) = add_prepaid(env, 1)
    env.run("orders")
    env.run("invoices")
    (advance,) = env.ms.issued_invoices()
    p = preview_order(env.settings, default_connections(), order["id"])
    assert ("Zálohová faktura", advance.number, "ok") in p.documents
    assert p.entry is not None and p.entry.pohoda_number  # the received order's number too


def test_a_transfer_order_paid_before_its_transfer_gets_an_ordinary_invoice(env: Env) -> None:
    with_advances(env)
    pools = sku_pools(env)
    paid = env.woo.add_order([(pools["single"][0], 1)], status="processing", payment_method="bacs", set_paid=True)
    cod = env.woo.add_order([(pools["single"][1], 2)], status="processing", payment_method="cod",
                            fee_lines=[{"name": "Dobírka", "total": "33.06"}])
    assert env.run("orders").status == "ok"
    for order in (paid, cod):
        env.woo.set_order_status(order["id"], "completed")
    run = env.run("invoices")
    assert run.status == "ok", run.message
    by_ext = issued_by_ext(env)
    assert set(by_ext) == {str(paid["id"]), str(cod["id"])}
    for order in (paid, cod):
        (invoice,) = by_ext[str(order["id"])]
        assert env.ms.advance_state(invoice.number)["total"] == shop_total(env, order["id"])
        assert ledger.get_entry("invoices", advance_key(order["id"])) is None
