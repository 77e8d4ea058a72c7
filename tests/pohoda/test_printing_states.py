"""Print to PDF (prn:print) and order states/invoice links over a real socket to the mServer emulator."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from adapter.errors import ResponseParseError
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.invoices import list_invoices_request
from adapter.pohoda.orders import list_orders_request, order_item
from adapter.pohoda.printing import MAX_PDF_BYTES, PrintResult, parse_print, print_request
from adapter.pohoda.states import parse_invoice_links, parse_order_states, tracking_field_problem
from adapter.records import Address, DocLine, OrderDoc

PARTNER = Address(company="Příkladná s.r.o.", name="Jan Novák", street="Údolní 1", city="Brno", zip="602 00",
                  email="jan@example.cz")


def connect(emu) -> MServerClient:
    return MServerClient(emu.url, "admin", "heslo", "12345678", sleep=lambda s: None)


def pack(*items, pack_id: str = "t"):
    return build_pack(list(items), ico="12345678", pack_id=pack_id)


def send_order(client: MServerClient, key: str) -> str:
    doc = OrderDoc(key=key, date=date(2026, 3, 1), partner=PARTNER, number_order=key,
                   lines=(DocLine(text="Hrnek", quantity=Decimal(2), unit_price=Decimal("100"), vat_rate="high"),))
    result = client.send(pack(order_item(doc), pack_id=f"o-{key}"))
    assert result.items[0].ok, result
    assert result.items[0].produced is not None
    return result.items[0].produced.number


def test_print_request_is_valid(assert_valid_datapack) -> None:
    built = pack(print_request(15, 1, file_name="C:\\PDF\\f.pdf"))
    assert_valid_datapack(built.xml)
    assert b'agenda="vydane_faktury"' in built.xml
    assert b"<prn:responseXml>true</prn:responseXml>" in built.xml
    with pytest.raises(ValueError, match="kladné"):
        print_request(0, 1)


def test_states_and_invoice_links_from_emulator(mserver, assert_valid_responsepack) -> None:
    with connect(mserver) as c:
        numbers = [send_order(c, f"W{i}") for i in range(3)]
        since = datetime.now() - timedelta(seconds=1)
        mserver.set_order_state(numbers[0], executed=True, carrier="PPL", fields={"intNote": "TRK123\nx"})
        mserver.set_order_state("W1", delivered=True, fields={"param:VPrTrack": "Z999"})
        invoice = mserver.invoice_order(numbers[2])
        raw = c.post(pack(list_orders_request(last_changes=since)).xml)
        assert_valid_responsepack(raw)
        states = {s.number: s for s in parse_order_states(raw).records}
        raw_inv = c.post(pack(list_invoices_request(last_changes=since)).xml)
        links = parse_invoice_links(raw_inv).records
    first = states[numbers[0]]
    assert (first.is_executed, first.is_delivered, first.carrier) == (True, False, "PPL")
    assert first.tracking("intNote") == "TRK123"
    assert states[numbers[1]].is_delivered
    assert states[numbers[1]].tracking("param:VPrTrack") == "Z999"
    assert states[numbers[2]].is_executed  # the transfer to an invoice executes the order
    (link,) = links
    assert (link.number, link.order_number, link.number_order) == (invoice["number"], numbers[2], "W2")
    assert link.order_id == states[numbers[2]].id


def test_print_returns_a_real_pdf(mserver, assert_valid_responsepack) -> None:
    with connect(mserver) as c:
        number = send_order(c, "P1")
        invoice = mserver.invoice_order(number)
        raw = c.post(pack(print_request(invoice["id"], 1)).xml)
    assert_valid_responsepack(raw)
    result = parse_print(raw)
    assert result.problem() == ""
    assert result.pdf is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages)
    assert invoice["number"] in text


def test_print_unknown_report_is_an_item_error(mserver, assert_valid_responsepack) -> None:
    with connect(mserver) as c:
        invoice = mserver.invoice_order(send_order(c, "P2"))
        raw = c.post(pack(print_request(invoice["id"], 77)).xml)
    assert_valid_responsepack(raw)
    result = parse_print(raw)
    assert result.state == "error"
    assert "77" in result.note
    assert "sestavy" in result.problem()


def answer(data: str | None) -> bytes:
    body = "" if data is None else (
        '<rdc:printDetails><rdc:attachments><rdc:attachment><rdc:idReport>1</rdc:idReport>'
        f'<rdc:data fileName="f.pdf">{data}</rdc:data></rdc:attachment></rdc:attachments></rdc:printDetails>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rsp:responsePack version="2.0" id="t" state="ok" xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd"'
        ' xmlns:rdc="http://www.stormware.cz/schema/version_2/documentresponse.xsd"'
        ' xmlns:prn="http://www.stormware.cz/schema/version_2/print.xsd">'
        '<rsp:responsePackItem version="2.0" id="prn-1" state="ok">'
        f'<prn:printResponse version="2.0" state="ok">{body}</prn:printResponse>'
        '</rsp:responsePackItem></rsp:responsePack>').encode()


def test_bad_print_answers_have_czech_problems() -> None:
    assert "neobsahuje data PDF" in parse_print(answer(None)).problem()
    assert "Base64" in parse_print(answer("***")).note
    assert "%PDF-" in parse_print(answer(base64.b64encode(b"hello").decode())).problem()
    big = PrintResult("x", "ok", "", b"%PDF-" + b"0" * MAX_PDF_BYTES)
    assert "10 MB" in big.problem()
    with pytest.raises(ResponseParseError):
        parse_print(b"<nonsense/>")


def test_tracking_field_choices() -> None:
    assert tracking_field_problem("intNote") == ""
    assert tracking_field_problem("param:VPrTrack") == ""
    assert tracking_field_problem("carrier") != ""
    assert tracking_field_problem("param:" + "x" * 17) != ""


def test_emulator_http_admin_sets_states_and_invoices(mserver) -> None:
    import requests

    with connect(mserver) as c:
        number = send_order(c, "H1")
    answer = requests.post(f"{mserver.url}/_emulator/order-state", timeout=5,
                           json={"order": "H1", "delivered": True, "carrier": "DPD"})
    assert answer.status_code == 200 and answer.json()["is_delivered"] is True
    invoice = requests.post(f"{mserver.url}/_emulator/invoice-order", json={"order": number}, timeout=5).json()
    assert invoice["order"] == number
    missing = requests.post(f"{mserver.url}/_emulator/order-state", json={"order": "nic"}, timeout=5)
    assert missing.status_code == 404
