"""mServer emulator: credit notes linked to issued invoices and received-order deletes (POHODA's refusal shapes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from adapter.emulators.mserver import MServerEmulator
from adapter.pohoda.credit_notes import (
    CreditNoteDoc,
    credit_note_item,
    list_credit_notes_request,
    order_delete_item,
)
from adapter.pohoda.envelope import build_pack, item_text
from adapter.records import DocLine
from tests.test_emulator_mserver import (
    Client,
    invoice_from_order,
    item,
    list_docs_xml,
    note_of,
    order_line,
    order_xml,
    pack,
    single_card,
    x,
    xt,
)


@pytest.fixture
def client(mserver: MServerEmulator, assert_valid_responsepack: Callable[[bytes], None],
           assert_valid_datapack: Callable[[bytes], None]) -> Client:
    """A validating client of the default ``mserver`` fixture."""
    return Client(mserver, assert_valid_responsepack, assert_valid_datapack)


def _order(client: Client, code: str, qty: str = "2", reserved: bool = False) -> str:
    root = client.post(pack(("o", order_xml(order_line(code, qty) + order_line(None, "1", "60.50"), reserved=reserved))))
    return xt(root, "//rdc:producedDetails/rdc:number")[0]


def _credit_xml(invoice_number: str, lines: tuple[DocLine, ...], key: str = "1") -> str:
    doc = CreditNoteDoc(key=key, date=date(2026, 3, 3), invoice_number=invoice_number, lines=lines,
                        text="Dobropis", ext_id=key, ext_system="eshop", accounting="3Dobr")
    return item_text(credit_note_item(doc))


def test_credit_note_linked_to_invoice_returns_goods_and_lists(mserver: MServerEmulator, client: Client) -> None:
    card = single_card(mserver)
    number = _order(client, card.code)
    root = client.post(pack(("i", invoice_from_order(number))))
    invoice = xt(root, "//rdc:producedDetails/rdc:number")[0]
    before = single_card(mserver).count
    lines = (DocLine("Vráceno", Decimal(1), Decimal("121"), "high", stock_code=card.code, store=card.store),
             DocLine("Doprava", Decimal(1), Decimal("60.50"), "high"))
    root = client.post(pack(("c", _credit_xml(invoice, lines))))
    assert item(root, "c").get("state") == "ok", note_of(item(root, "c"))
    notes = mserver.credit_notes()
    assert len(notes) == 1 and notes[0].invoice_number == invoice and notes[0].total == Decimal("-181.50")
    assert notes[0].accounting == "3Dobr"
    assert single_card(mserver).count == before + 1
    listed = client.post(build_pack([list_credit_notes_request(date_from=date(2026, 1, 1), ext_system="eshop")],
                                    ico="12345678", pack_id="l").xml)
    assert xt(listed, "//inv:invoiceHeader/inv:invoiceType") == ["issuedCreditNotice"]
    assert xt(listed, "//inv:invoiceHeader/inv:extId/typ:ids") == ["1"]
    plain = client.post(pack(("l", list_docs_xml("invoice"))))
    assert xt(plain, "//inv:invoiceHeader/inv:invoiceType") == ["issuedInvoice"]  # credit notes listed apart


def test_credit_note_for_unknown_invoice_is_item_error(client: Client) -> None:
    root = client.post(pack(("c", _credit_xml("26FV99999", (DocLine("X", Decimal(1), Decimal(10)),)))))
    assert item(root, "c").get("state") == "error"
    assert "nebyla nalezena" in note_of(item(root, "c"))


def test_delete_allowed_only_while_not_invoiced_or_executed(mserver: MServerEmulator, client: Client) -> None:
    card = single_card(mserver)
    free = _order(client, card.code, reserved=True)
    invoiced = _order(client, card.code)
    client.post(pack(("i", invoice_from_order(invoiced))))
    reserved_before = single_card(mserver).reservation
    root = client.post(build_pack([order_delete_item("a", number=free), order_delete_item("b", number=invoiced),
                                   order_delete_item("c", number="26OP99999")], ico="12345678", pack_id="d").xml)
    assert item(root, "ord-del-a").get("state") == "ok"
    assert x(root, "//rsp:responsePackItem[@id='ord-del-a']//rdc:producedDetails/rdc:actionType")
    refused = item(root, "ord-del-b")
    assert refused.get("state") == "error" and "převzata do vydané faktury" in note_of(refused)
    assert xt(refused, ".//rdc:importDetails/rdc:detail/rdc:state") == ["error"]
    assert item(root, "ord-del-c").get("state") == "error"
    assert [n for n, _ in mserver.deleted_orders()] == [free]
    assert [o.number for o in mserver.received_orders()] == [invoiced]
    assert single_card(mserver).reservation == reserved_before - 2
