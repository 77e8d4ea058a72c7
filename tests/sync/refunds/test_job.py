"""Refunds agenda against both emulators: credit notes exactly once, held reasons, cancellations deleted or listed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from adapter import ledger
from adapter.emulators.catalogue import STORES
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    seed_pairing,
    sku_pools,
)


def entry(agenda: str, key: str) -> ledger.Entry:
    """The ledger row (it must exist)."""
    found = ledger.get_entry(agenda, key)
    assert found is not None, (agenda, key)
    return found


def with_refunds(env: Env, **changes: Any) -> None:
    env.settings = replace(env.settings, refunds=replace(env.settings.refunds, **changes))


def line_refund(order: dict[str, Any], index: int = 0, quantity: int = 1) -> dict[str, Any]:
    """A refund of ``quantity`` pieces of the order's line ``index`` (net and tax per piece, as the admin does)."""
    line = order["line_items"][index]
    net = Decimal(line["total"]) / line["quantity"] * quantity
    tax = Decimal(line["total_tax"]) / line["quantity"] * quantity
    return {"id": line["id"], "quantity": quantity, "refund_total": f"{net:.2f}",
            "refund_tax": [{"id": line["taxes"][0]["id"], "refund_total": f"{tax:.2f}"}]}


def transferred(env: Env, lines: list[tuple[str, int]], **fields: Any) -> dict[str, Any]:
    """A completed order that went through the orders and invoices runs."""
    order = env.woo.add_order(lines, status="completed", **fields)
    assert env.run("orders").status == "ok"
    assert env.run("invoices").status == "ok"
    return order


def test_partial_refund_becomes_one_credit_note_linked_to_the_invoice(env: Env) -> None:
    pools = sku_pools(env)
    order = transferred(env, [(pools["single"][0], 3), (pools["single"][1], 1)])
    shipping = order["shipping_lines"][0]
    refund = env.woo.add_refund(order["id"], reason="Rozbité zboží", line_items=[
        line_refund(order, 0, 2),
        {"id": shipping["id"], "refund_total": shipping["total"],
         "refund_tax": [{"id": 1, "refund_total": shipping["total_tax"]}]}])
    run = env.run("refunds")
    assert run.status == "ok", run.message
    (note,) = env.ms.credit_notes()
    (invoice,) = env.ms.issued_invoices()
    assert note.invoice_number == invoice.number
    assert note.total == -Decimal(refund["amount"])  # equal to the haléř, negative as POHODA keeps credits
    assert {line.vat_rate for line in note.lines} == {"high"}
    row = entry("refunds", str(refund["id"]))
    assert row.state == "ok" and row.pohoda_number == note.number
    assert any(note.number in n["note"] for n in env.woo.notes(order["id"]))
    # exactly once: nothing new on the next runs, full or not
    assert env.run("refunds").ok_count == 0
    assert env.run("refunds", full=True).ok_count == 0
    assert len(env.ms.credit_notes()) == 1
    assert sum(1 for n in env.woo.notes(order["id"]) if note.number in n["note"]) == 1


def test_refund_waits_for_the_invoice_then_goes_by_itself(env: Env) -> None:
    pools = sku_pools(env)
    order = env.woo.add_order([(pools["single"][2], 2)], status="completed")
    env.run("orders")
    refund = env.woo.add_refund(order["id"], amount="100.00")
    run = env.run("refunds")
    assert run.status == "ok" and run.held_count == 1
    row = entry("refunds", str(refund["id"]))
    assert row.state == "held" and "čeká na fakturu" in row.error
    assert env.ms.credit_notes() == []
    env.run("invoices")
    run = env.run("refunds")
    assert run.ok_count == 1, run.message
    (note,) = env.ms.credit_notes()
    assert note.total == Decimal("-100.00")


def test_returned_goods_go_back_to_the_chosen_warehouse(env: Env) -> None:
    pools = sku_pools(env)
    sku = pools["single"][3]
    seed_pairing([sku])
    order = transferred(env, [(sku, 2)])
    with_refunds(env, return_store=STORES[0])
    before = {c.code: c.count for c in env.ms.stock_cards()}[sku]
    env.woo.add_refund(order["id"], line_items=[line_refund(order, 0, 1)])
    assert env.run("refunds").ok_count == 1
    (note,) = env.ms.credit_notes()
    assert [line.stock_code for line in note.lines] == [sku]
    assert {c.code: c.count for c in env.ms.stock_cards()}[sku] == before + 1


def test_cancelled_orders_deleted_only_while_allowed_else_listed(env: Env) -> None:
    pools = sku_pools(env)
    free = env.woo.add_order([(pools["single"][4], 1)], status="completed")
    invoiced = env.woo.add_order([(pools["single"][5], 1)], status="completed")
    env.run("orders")
    env.woo.set_order_status(free["id"], "cancelled")
    env.run("invoices")  # invoices the still completed one only
    env.woo.set_order_status(invoiced["id"], "cancelled")
    run = env.run("orders")
    assert run.status == "partial"
    assert str(free["number"]) in run.message and str(invoiced["number"]) in run.message
    run = env.run("refunds")
    assert env.ms.deleted_orders() == [(entry("orders", str(free["id"])).pohoda_number, free["number"])]
    assert entry("cancels", str(free["id"])).state == "ok"
    listed = entry("cancels", str(invoiced["id"]))
    assert listed.state == "held" and "po vystavení faktury" in listed.error
    assert run.held_count == 1
    run = env.run("orders")  # the deleted one is settled; the invoiced one is still named
    assert str(invoiced["number"]) in run.message and f" {free['number']}," not in run.message


def test_on_cancel_list_only_lists(env: Env) -> None:
    pools = sku_pools(env)
    order = env.woo.add_order([(pools["single"][6], 1)], status="completed")
    env.run("orders")
    env.woo.set_order_status(order["id"], "cancelled")
    with_refunds(env, on_cancel="list")
    run = env.run("refunds")
    assert run.held_count == 1 and env.ms.deleted_orders() == []
    assert "ručně" in entry("cancels", str(order["id"])).error


def test_interrupted_send_is_reconciled_not_doubled(env: Env) -> None:
    pools = sku_pools(env)
    order = transferred(env, [(pools["single"][7], 2)])
    refund = env.woo.add_refund(order["id"], amount="50.00")
    env.run("refunds")
    ledger.set_state("refunds", [str(refund["id"])], "sending")  # as if the answer was lost
    run = env.run("refunds")
    assert len(env.ms.credit_notes()) == 1
    assert entry("refunds", str(refund["id"])).state == "ok"
    assert run.report_dict()["dohledáno po přerušení"] == 1


def test_preview_sends_nothing_and_keeps_the_valid_xml(env: Env) -> None:
    pools = sku_pools(env)
    order = transferred(env, [(pools["single"][8], 1)])
    env.woo.add_refund(order["id"], amount="10.00")
    run = env.run("refunds", dry_run=True)
    assert run.status == "ok" and env.ms.credit_notes() == []
    (row,) = run.report_dict()["náhled"]
    assert row["XML"] == "platné" and "issuedCreditNotice" in row["xml"]


def test_cli_exit_codes_ok_partial_failed(env: Env, capsys: Any) -> None:
    import app as app_module
    from tests.sync.orders.test_crash import write_settings

    pools = sku_pools(env)
    good = transferred(env, [(pools["single"][9], 2)])
    write_settings(env)
    assert app_module.main(["sync", "refunds", "--data", str(env.data_dir)]) == 0  # nothing to do
    env.woo.add_refund(good["id"], amount="5.00")
    bad = transferred(env, [(pools["single"][10], 1)])
    env.woo.add_refund(bad["id"], amount="7.00")
    ledger.save_entry("invoices", str(bad["id"]), pohoda_number="26FV99999")  # POHODA will not find the invoice
    assert app_module.main(["sync", "refunds", "--data", str(env.data_dir)]) == 1  # one credit note, one error
    out = capsys.readouterr().out
    assert "Dobropisy a storna: partial" in out
    ledger.init_db(env.data_dir / "ledger.db")
    other = transferred(env, [(pools["single"][11], 1)])
    env.woo.add_refund(other["id"], amount="3.00")
    ledger.save_entry("invoices", str(other["id"]), pohoda_number="26FV99998")
    assert app_module.main(["sync", "refunds", "--data", str(env.data_dir), "--full"]) == 2  # only errors
