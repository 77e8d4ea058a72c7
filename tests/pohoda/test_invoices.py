"""Issued invoices: builders (stand-alone, linked to an order, foreign), list request, real list samples."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from adapter.pohoda.envelope import NS, build_pack
from adapter.pohoda.invoices import invoice_item, list_invoices_request, parse_list_invoices
from adapter.records import Address, DocLine, InvoiceDoc

PARTNER = Address(company="Příkladná s.r.o.", street="Údolní 1", city="Brno", zip="602 00", ico="87654321")


def xml_of(*items) -> bytes:
    return build_pack(list(items), ico="12345678", pack_id="t").xml


def find(xml: bytes, path: str) -> etree._Element:
    node = etree.fromstring(xml).find(path, NS)
    assert node is not None, path
    return node


def test_standalone_invoice_with_stock_and_text_lines(assert_valid_datapack) -> None:
    doc = InvoiceDoc(
        key="2026000124", date=date(2026, 3, 2), partner=PARTNER, date_tax=date(2026, 3, 2),
        date_due=date(2026, 3, 16), symbol_variable="2026000124", number_order="2026000124",
        date_order=date(2026, 3, 1), text="Faktura k objednávce 2026000124", payment_type="Příkazem",
        lines=(DocLine("Čaj zelený", Decimal(2), Decimal(121), stock_code="ABC-001"),
               DocLine("Doprava PPL", Decimal(1), Decimal(99))),
        number_requested="FV2026124", ext_id="124", ext_system="WooCommerce", note="Děkujeme",
    )
    item = invoice_item(doc)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert item.id == "inv-2026000124"
    assert etree.fromstring(xml).find(".//inv:links", NS) is None
    header = find(xml, ".//inv:invoiceHeader")
    expected = {
        "inv:invoiceType": "issuedInvoice", "inv:symVar": "2026000124", "inv:date": "2026-03-02",
        "inv:dateTax": "2026-03-02", "inv:dateDue": "2026-03-16", "inv:numberOrder": "2026000124",
        "inv:dateOrder": "2026-03-01", "inv:paymentType/typ:ids": "Příkazem",
        "inv:number/typ:numberRequested": "FV2026124", "inv:extId/typ:ids": "124",
        "inv:partnerIdentity/typ:address/typ:ico": "87654321", "inv:note": "Děkujeme",
    }
    assert {k: header.findtext(k, namespaces=NS) for k in expected} == expected
    stock_line, text_line = find(xml, ".//inv:invoiceDetail").findall("inv:invoiceItem", NS)
    assert stock_line.findtext("inv:stockItem/typ:stockItem/typ:ids", namespaces=NS) == "ABC-001"
    assert stock_line.findtext("inv:homeCurrency/typ:unitPrice", namespaces=NS) == "121"
    assert text_line.find("inv:stockItem", NS) is None
    assert item.warnings == ()


def test_invoice_from_received_order(assert_valid_datapack) -> None:
    doc = InvoiceDoc(key="FA-2026000123", date=date(2026, 3, 2), partner=PARTNER, number_order="2026000123",
                     date_order=date(2026, 3, 1), link_order_number="OP2026001", link_order_id=41)
    xml = xml_of(invoice_item(doc))
    assert_valid_datapack(xml)
    link = find(xml, "dat:dataPackItem/inv:invoice/inv:links/typ:link")
    assert link.findtext("typ:sourceAgenda", namespaces=NS) == "receivedOrder"
    assert link.findtext("typ:sourceDocument/typ:number", namespaces=NS) == "OP2026001"
    assert link.findtext("typ:sourceDocument/typ:id", namespaces=NS) == "41"
    assert etree.fromstring(xml).find(".//inv:invoiceDetail", NS) is None  # whole order taken over
    # links must come before the header (xsd:sequence)
    invoice = find(xml, "dat:dataPackItem/inv:invoice")
    assert [etree.QName(c).localname for c in invoice] == ["links", "invoiceHeader"]


def test_foreign_currency_invoice(assert_valid_datapack) -> None:
    doc = InvoiceDoc(key="e1", date=date(2026, 3, 2), partner=PARTNER, currency="EUR", rate=Decimal("25.2"),
                     lines=(DocLine("Hrnek", Decimal(1), Decimal("4.95")),), prices_include_vat=False)
    xml = xml_of(invoice_item(doc))
    assert_valid_datapack(xml)
    assert find(xml, ".//inv:invoiceSummary/inv:foreignCurrency/typ:currency/typ:ids").text == "EUR"
    assert find(xml, ".//inv:invoiceItem/inv:foreignCurrency/typ:unitPrice").text == "4.95"
    assert find(xml, ".//inv:invoiceItem/inv:payVAT").text == "false"


def test_invoice_emoji_and_lengths(assert_valid_datapack) -> None:
    doc = InvoiceDoc(key="e2", date=date(2026, 3, 2), partner=Address(name="Zákazník 🙂"),
                     symbol_variable="1" * 25, text="t" * 300,
                     lines=(DocLine("Položka ✨", Decimal(1), Decimal(1)),))
    item = invoice_item(doc)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert find(xml, ".//inv:symVar").text == "1" * 20
    assert len(find(xml, ".//inv:invoiceHeader/inv:text").text) == 240
    assert find(xml, ".//inv:invoiceItem/inv:text").text == "Položka ?"
    assert len(item.warnings) == 4


def test_empty_invoice_is_warned(assert_valid_datapack) -> None:
    item = invoice_item(InvoiceDoc(key="e3", date=date(2026, 3, 2), partner=PARTNER))
    assert_valid_datapack(xml_of(item))
    assert any("prázdný doklad" in w for w in item.warnings)


def test_list_invoices_request(assert_valid_datapack) -> None:
    item = list_invoices_request(date_from=date(2026, 1, 1), date_till=date(2026, 12, 31), liquidations=True,
                                 last_changes=datetime(2026, 3, 1, tzinfo=UTC), numbers=("FV1",),
                                 id_from=5, count=1000)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    req = find(xml, ".//lst:listInvoiceRequest")
    assert (req.get("invoiceType"), req.get("invoiceVersion")) == ("issuedInvoice", "2.0")
    assert req.findtext("lst:restrictionData/lst:liquidations", namespaces=NS) == "true"
    assert req.findtext("lst:requestInvoice/ftr:filter/ftr:dateFrom", namespaces=NS) == "2026-01-01"
    assert req.findtext(
        "lst:requestInvoice/ftr:filter/ftr:selectedNumbers/ftr:number/typ:numberRequested", namespaces=NS) == "FV1"
    # element order in the request: limit, requestInvoice, restrictionData
    assert [etree.QName(c).localname for c in req] == ["limit", "requestInvoice", "restrictionData"]
    plain = xml_of(list_invoices_request())
    assert_valid_datapack(plain)
    assert etree.fromstring(plain).find(".//lst:restrictionData", NS) is None


# --------------------------------------------------------------------------- real samples


def test_real_list_2025(samples_dir: Path) -> None:
    result = parse_list_invoices((samples_dir / "response_listInvoice_issued_real_pohoda13907.xml").read_bytes())
    assert (result.item_id, result.state) == ("2", "ok")
    assert result.timestamp == datetime(2025, 4, 4, 15, 17, 47).astimezone()
    assert len(result.records) == 16
    by_id = {i.id: i for i in result.records}
    first = by_id[1]
    assert (first.number, first.symbol_variable, first.date, first.to_pay, first.paid_date) == (
        "240100007", "240100007", date(2024, 6, 30), Decimal(2949), None)
    assert first.total == Decimal(2949)  # 2949.38 rounded by -0.38
    assert first.partner_name == "Jirí Batula"
    paid = by_id[5]  # fully paid: only a date
    assert (paid.number, paid.to_pay, paid.paid_date) == ("250100002", Decimal(0), date(2025, 3, 17))
    partial = by_id[14]  # partially paid
    assert (partial.number, partial.total, partial.to_pay, partial.paid_date) == (
        "250100006", Decimal(578328), Decimal(278328), date(2025, 5, 25))
    assert (by_id[8].to_pay, by_id[8].paid_date) == (Decimal(711), date(2025, 2, 12))
    assert sum(i.to_pay for i in result.records) == Decimal(1383966)  # sum of the 15 amountHome values
    assert all(i.number_order == "" for i in result.records)


def test_real_user_export_utf8_with_number_order(samples_dir: Path) -> None:
    result = parse_list_invoices(
        (samples_dir / "response_listInvoice_user_export_pohoda11605_utf8.xml").read_bytes())
    assert [(i.id, i.number, i.number_order, i.to_pay, i.total) for i in result.records] == [
        (3769, "4721703283", "2178813867", Decimal(9820), Decimal(9820)),
        (3771, "4721703284", "2178814356", Decimal(9820), Decimal(9820)),
    ]
    assert result.records[0].date == date(2017, 10, 2)


def test_stormware_2010_sample(samples_dir: Path) -> None:
    result = parse_list_invoices(
        (samples_dir / "stormware_sample_export_faktury_03_v2.0_listInvoice_response.xml").read_bytes())
    assert len(result.records) == 15
    by_number = {i.number: i for i in result.records}
    assert by_number["100100005"].number_order == "OBJ006"
    assert (by_number["100100005"].to_pay, by_number["100100005"].total) == (Decimal(60), Decimal(7200))
    assert (by_number["100100002"].to_pay, by_number["100100002"].paid_date) == (Decimal(0), date(2010, 3, 17))
    assert by_number["290100007"].partner_name == "Jiří Batula"


def test_list_of_another_agenda_is_not_invoices(samples_dir: Path) -> None:
    result = parse_list_invoices((samples_dir / "response_listBank_one_record_real.xml").read_bytes())
    assert result.state == "error"
    assert result.records == []


def test_missing_liquidation_is_unknown_not_paid(samples_dir: Path) -> None:
    xml = (samples_dir / "response_listInvoice_issued_real_pohoda13907.xml").read_bytes()
    result = parse_list_invoices(xml)
    assert all(i.liquidation_known for i in result.records)
    stripped = etree.fromstring(xml)
    for node in stripped.iter(f"{{{NS['inv']}}}liquidation"):
        node.getparent().remove(node)
    unknown = parse_list_invoices(etree.tostring(stripped, xml_declaration=True, encoding="Windows-1250"))
    assert unknown.records
    assert not any(i.liquidation_known for i in unknown.records)
    assert all(i.to_pay == 0 for i in unknown.records)  # the number alone would read as "paid"


def test_invoice_numbering_series(assert_valid_datapack) -> None:
    doc = InvoiceDoc(key="7", date=date(2026, 3, 1), partner=Address(name="Jan Novák"), link_order_number="26OP00001",
                     numbering_series="FV")
    pack = build_pack([invoice_item(doc)], ico="12345678", pack_id="p")
    assert_valid_datapack(pack.xml)
    root = etree.fromstring(pack.xml)
    assert root.findtext(".//inv:invoiceHeader/inv:number/typ:ids", namespaces=NS) == "FV"
    assert root.find(".//inv:invoiceHeader/inv:number/typ:numberRequested", namespaces=NS) is None
