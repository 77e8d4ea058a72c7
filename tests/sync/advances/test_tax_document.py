"""``[advances] tax_document``: advance → payment → tax document for the received payment → final invoice deducting it.

Both emulators over real sockets and the real runner. The payments run issues
the tax document (an internal document linked to the advance's liquidation)
as soon as it marks the order paid; the final invoice deducts the tax
document, not the advance; every document exactly once, also when a send is
left ``sending`` by a crash; the numbers on the order's page and in the shop
note.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from adapter import ledger
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack, parse_response
from adapter.pohoda.invoices import invoice_item
from adapter.records import Address, AdvanceDeduction, InvoiceDoc
from adapter.sync.advances.mapping import advance_key
from adapter.sync.advances.tax_documents import tax_key
from tests.sync.advances.test_chain import add_not_prepaid, add_prepaid, issued_by_ext, with_advances
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    shop_total,
)


def _complete(env: Env, orders: list[dict]) -> None:
    for order in orders:
        env.woo.set_order_status(order["id"], "completed")


def test_tax_documents_from_the_payments_run_and_finals_deducting_them(env: Env) -> None:
    with_advances(env, tax_document=True)
    orders, others = add_prepaid(env, 12), add_not_prepaid(env, 3)
    assert env.run("orders").status == "ok" and env.run("invoices").status == "ok"
    advances = {o["id"]: issued_by_ext(env)[advance_key(o["id"])][0].number for o in orders}
    paid = orders[:8]
    for order in paid:
        env.ms.mark_paid(advances[order["id"]], on=date(2026, 5, 6))
    run = env.run("payments")
    assert run.status == "ok", run.message
    docs = {d.ext_id: d for d in env.ms.tax_documents()}
    assert set(docs) == {tax_key(o["id"]) for o in paid}  # issued by the payments run itself
    for order in paid:
        doc = docs[tax_key(order["id"])]
        assert doc.advance_number == advances[order["id"]] and doc.total == shop_total(env, order["id"])
        assert set(doc.summary) <= {"21", "12", "0"}
        entry = ledger.get_entry("invoices", tax_key(order["id"]))
        assert entry is not None and entry.state == "ok" and entry.pohoda_number == doc.number
    assert env.run("payments").ok_count == 0 and len(env.ms.tax_documents()) == 8
    _complete(env, orders + others)
    run = env.run("invoices")
    assert run.status == "ok", run.message
    by_ext = issued_by_ext(env)
    for order in orders:
        if order not in paid:
            entry = ledger.get_entry("invoices", str(order["id"]))
            assert entry.state == "held" and "úhradu zálohové faktury" in entry.error
            continue
        (final,) = by_ext[str(order["id"])]
        state = env.ms.advance_state(final.number)
        assert state["total"] == 0 and state["to_pay"] == 0
        assert env.ms.advance_state(advances[order["id"]])["deducted"] == shop_total(env, order["id"])
        sent = ledger.get_entry("invoices", str(order["id"])).sent_xml
        number = docs[tax_key(order["id"])].number
        assert f"<inv:sourceDocument><typ:number>{number}</typ:number>" in sent
        notes = [n["note"] for n in env.woo.notes(order["id"]) if n["note"].startswith("Doklady v POHODĚ")]
        assert any(f"daňový doklad k přijaté platbě {number}, faktura {final.number}" in n for n in notes), notes
    for order in others:
        (final,) = by_ext[str(order["id"])]
        assert env.ms.advance_state(final.number)["to_pay"] == shop_total(env, order["id"])
    assert env.run("invoices").ok_count == 0 and len(env.ms.tax_documents()) == 8


def test_a_tax_document_left_sending_is_sent_once_and_the_page_names_it(env: Env) -> None:
    from adapter.sync.connections import default_connections
    from adapter.sync.orders.preview import preview_order

    with_advances(env, tax_document=True)
    orders = add_prepaid(env, 2)
    env.run("orders")
    env.run("invoices")
    for order in orders:
        env.ms.mark_paid(issued_by_ext(env)[advance_key(order["id"])][0].number, on=date(2026, 5, 6))
    assert env.run("payments").status == "ok"
    key = tax_key(orders[0]["id"])
    number = ledger.get_entry("invoices", key).pohoda_number
    ledger.set_state("invoices", [key], "sending")  # as if killed after the POST, before the answer was saved
    _complete(env, orders)
    run = env.run("invoices")
    assert run.status == "ok", run.message
    entry = ledger.get_entry("invoices", key)
    assert entry.state == "ok" and entry.pohoda_number == number and len(env.ms.tax_documents()) == 2
    assert all(str(o["id"]) in issued_by_ext(env) for o in orders)
    page = preview_order(env.settings, default_connections(), orders[0]["id"])
    assert ("Daňový doklad k přijaté platbě", number, "ok") in page.documents


def test_an_advance_paid_from_a_csv_gets_its_tax_document_in_the_invoices_run(env: Env) -> None:
    with_advances(env, tax_document=True)
    (order,) = add_prepaid(env, 1)
    env.run("orders")
    env.run("invoices")
    advance = issued_by_ext(env)[advance_key(order["id"])][0].number
    env.ms.mark_paid(advance, on=date(2026, 5, 6))
    ledger.save_entry("payments", order["number"], state="ok", pohoda_number=advance)  # as a CSV import leaves it
    _complete(env, [order])
    run = env.run("invoices")
    assert run.status == "ok", run.message
    (doc,) = env.ms.tax_documents()
    (final,) = issued_by_ext(env)[str(order["id"])]
    assert env.ms.advance_state(final.number)["total"] == 0 and doc.total == shop_total(env, order["id"])


def test_the_emulator_refuses_to_deduct_an_advance_that_has_a_tax_document(env: Env) -> None:
    with_advances(env, tax_document=True)
    (order,) = add_prepaid(env, 1)
    env.run("orders")
    env.run("invoices")
    advance = issued_by_ext(env)[advance_key(order["id"])][0].number
    env.ms.mark_paid(advance, on=date(2026, 5, 6))
    env.run("payments")
    doc = InvoiceDoc(key="x", date=date(2026, 5, 7), partner=Address(), deductions=(AdvanceDeduction(advance, Decimal("1.00")),))
    pack = build_pack([invoice_item(doc)], ico="12345678", pack_id="manual")
    with MServerClient(env.ms.url, "admin", "heslo", "12345678") as client:
        (result,) = parse_response(client.post(pack.xml, write=True)).items
    assert result.state == "error" and "existuje daňový doklad" in result.note


def test_a_tax_document_issued_is_deducted_even_after_the_setting_is_turned_off(env: Env) -> None:
    with_advances(env, tax_document=True)
    (order,) = add_prepaid(env, 1)
    env.run("orders")
    env.run("invoices")
    env.ms.mark_paid(issued_by_ext(env)[advance_key(order["id"])][0].number, on=date(2026, 5, 6))
    env.run("payments")
    (doc,) = env.ms.tax_documents()
    with_advances(env, tax_document=False)
    _complete(env, [order])
    run = env.run("invoices")
    assert run.status == "ok", run.message
    (final,) = issued_by_ext(env)[str(order["id"])]
    assert env.ms.advance_state(final.number)["total"] == 0
    assert f"<typ:number>{doc.number}</typ:number>" in ledger.get_entry("invoices", str(order["id"])).sent_xml
