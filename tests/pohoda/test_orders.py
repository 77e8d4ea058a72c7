"""Received orders and receipts: XSD-valid builders in many variants, list request and list parsing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from adapter.pohoda.envelope import NS, build_pack
from adapter.pohoda.orders import list_orders_request, order_item, parse_list_orders
from adapter.pohoda.receipts import receipt_item
from adapter.records import Address, DocLine, OrderDoc, ReceiptDoc

NSDECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
PARTNER = Address(company="Příkladná s.r.o.", name="Jan Novák", street="Údolní 1", city="Brno", zip="602 00",
                  country="CZ", email="jan.novak@example.cz", phone="+420 777 123 456", ico="87654321",
                  dic="CZ87654321")
LINES = (
    DocLine("Čaj zelený Žďár 50 g", Decimal(2), Decimal("121"), stock_code="ABC-001", store="HLAVNI"),
    DocLine("Doprava PPL", Decimal(1), Decimal("99")),
)
ORDER = OrderDoc(key="1234", number_order="2026000123", date=date(2026, 3, 1), partner=PARTNER, lines=LINES,
                 text="Objednávka z e-shopu č. 2026000123", payment_type="Příkazem", is_reserved=True)


def xml_of(*items) -> bytes:
    return build_pack(list(items), ico="12345678", pack_id="t").xml


def find(xml: bytes, path: str) -> etree._Element:
    node = etree.fromstring(xml).find(path, NS)
    assert node is not None, path
    return node


def test_basic_received_order(assert_valid_datapack) -> None:
    item = order_item(ORDER)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert item.id == "ord-1234"
    header = find(xml, ".//ord:orderHeader")
    assert header.findtext("ord:orderType", namespaces=NS) == "receivedOrder"
    assert header.findtext("ord:numberOrder", namespaces=NS) == "2026000123"
    assert header.findtext("ord:date", namespaces=NS) == "2026-03-01"
    assert header.findtext("ord:isReserved", namespaces=NS) == "true"
    assert header.findtext("ord:paymentType/typ:ids", namespaces=NS) == "Příkazem"
    assert header.find("ord:number", NS) is None  # POHODA's own number series
    address = header.find("ord:partnerIdentity/typ:address", NS)
    assert address.findtext("typ:company", namespaces=NS) == "Příkladná s.r.o."
    assert address.findtext("typ:ico", namespaces=NS) == "87654321"
    assert address.findtext("typ:country/typ:ids", namespaces=NS) == "CZ"
    stock_line, text_line = find(xml, ".//ord:orderDetail").findall("ord:orderItem", NS)
    assert stock_line.findtext("ord:stockItem/typ:stockItem/typ:ids", namespaces=NS) == "ABC-001"
    assert stock_line.findtext("ord:stockItem/typ:store/typ:ids", namespaces=NS) == "HLAVNI"
    assert stock_line.findtext("ord:homeCurrency/typ:unitPrice", namespaces=NS) == "121"
    assert stock_line.findtext("ord:payVAT", namespaces=NS) == "true"
    assert text_line.find("ord:stockItem", NS) is None
    assert etree.fromstring(xml).find(".//ord:orderSummary", NS) is None
    assert item.warnings == ()


def test_full_order_foreign_currency_ship_to_numbering(assert_valid_datapack) -> None:
    doc = OrderDoc(
        key="woo-555", number_order="555", date=date(2026, 3, 2), partner=PARTNER,
        ship_to=Address(name="Jana Nová", street="Dlouhá 5", city="Praha", zip="110 00", country="CZ"),
        lines=(DocLine("Hrnek", Decimal(3), Decimal("4.95"), vat_rate="high", stock_code="HRN-1",
                       discount_percent=Decimal("10"), note="dárkové balení"),
               DocLine("Sleva", Decimal(1), Decimal("-2.5"), vat_rate="none")),
        number_requested="OP2026555", numbering_series="OP", carrier="PPL", note="Poznámka zákazníka",
        int_note="Interní", prices_include_vat=False, currency="eur", rate=Decimal("25.125"), amount=1,
        ext_id="555", ext_system="WooCommerce",
    )
    xml = xml_of(order_item(doc))
    assert_valid_datapack(xml)
    header = find(xml, ".//ord:orderHeader")
    number = header.find("ord:number/typ:numberRequested", NS)
    assert (number.text, number.get("checkDuplicity")) == ("OP2026555", "true")
    assert header.findtext("ord:number/typ:ids", namespaces=NS) == "OP"
    assert header.findtext("ord:extId/typ:ids", namespaces=NS) == "555"
    assert header.findtext("ord:extId/typ:exSystemName", namespaces=NS) == "WooCommerce"
    assert header.findtext("ord:carrier/typ:ids", namespaces=NS) == "PPL"
    assert header.findtext("ord:intNote", namespaces=NS) == "Interní"
    assert header.findtext("ord:partnerIdentity/typ:shipToAddress/typ:city", namespaces=NS) == "Praha"
    fc = find(xml, ".//ord:orderSummary/ord:foreignCurrency")
    assert (fc.findtext("typ:currency/typ:ids", namespaces=NS), fc.findtext("typ:rate", namespaces=NS),
            fc.findtext("typ:amount", namespaces=NS)) == ("EUR", "25.125", "1")
    first, second = find(xml, ".//ord:orderDetail").findall("ord:orderItem", NS)
    assert first.findtext("ord:foreignCurrency/typ:unitPrice", namespaces=NS) == "4.95"
    assert first.find("ord:homeCurrency", NS) is None
    assert first.findtext("ord:discountPercentage", namespaces=NS) == "10"
    assert first.findtext("ord:payVAT", namespaces=NS) == "false"
    assert second.findtext("ord:foreignCurrency/typ:unitPrice", namespaces=NS) == "-2.5"
    assert second.findtext("ord:rateVAT", namespaces=NS) == "none"


def test_czk_currency_is_home(assert_valid_datapack) -> None:
    xml = xml_of(order_item(replace(ORDER, currency="CZK", rate=Decimal(1))))
    assert_valid_datapack(xml)
    assert etree.fromstring(xml).find(".//ord:foreignCurrency", NS) is None


def test_emoji_and_overlong_values_are_fitted(assert_valid_datapack) -> None:
    doc = OrderDoc(key="e1", number_order="N" * 40, date=date(2026, 3, 1),
                   partner=Address(name="Jan 😀 Novák", company="Firma " + "x" * 300, city="Brno"),
                   lines=(DocLine("Dárek 🎁 " + "y" * 100, Decimal(1), Decimal(1)),), text="Díky ❤️")
    item = order_item(doc)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert find(xml, ".//ord:numberOrder").text == "N" * 32
    assert find(xml, ".//typ:address/typ:name").text == "Jan ? Novák"
    assert len(find(xml, ".//typ:address/typ:company").text) == 255
    assert len(find(xml, ".//ord:orderItem/ord:text").text) == 90
    assert find(xml, ".//ord:orderHeader/ord:text").text == "Díky ?"
    joined = "\n".join(item.warnings)
    for field in ("číslo objednávky", "odběratel › jméno", "odběratel › firma", "položka 1 › text", "text:"):
        assert field in joined


def test_order_with_unstorable_stock_code_is_refused() -> None:
    with pytest.raises(ValueError, match="Kód zásoby"):
        order_item(OrderDoc(key="x", number_order="1", date=date(2026, 1, 1), partner=PARTNER,
                            lines=(DocLine("a", Decimal(1), Decimal(1), stock_code="x" * 70),)))


def test_receipt(assert_valid_datapack) -> None:
    item = receipt_item(ReceiptDoc(key="init-2026-03", date=date(2026, 3, 1), text="Počáteční stav",
                                   lines=(DocLine("Čaj", Decimal(5), Decimal("80"), stock_code="ABC-001",
                                                  store="HLAVNI"),)))
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert item.id == "pri-init-2026-03"
    line = find(xml, ".//pri:prijemkaDetail/pri:prijemkaItem")
    assert line.findtext("pri:quantity", namespaces=NS) == "5"
    assert line.findtext("pri:stockItem/typ:stockItem/typ:ids", namespaces=NS) == "ABC-001"
    assert line.findtext("pri:payVAT", namespaces=NS) == "false"
    with pytest.raises(ValueError, match="aspoň jednu"):
        receipt_item(ReceiptDoc(key="x", date=date(2026, 3, 1), lines=()))


# --------------------------------------------------------------------------- list


def test_list_orders_request(assert_valid_datapack) -> None:
    item = list_orders_request(numbers=("OP001", "OP002"), ext_id="555", ext_system="WooCommerce",
                               last_changes=datetime(2026, 3, 1, tzinfo=UTC),
                               date_from=date(2026, 1, 1), date_till=date(2026, 3, 31), id_from=1, count=100)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    req = find(xml, ".//lst:listOrderRequest")
    assert (req.get("orderType"), req.get("orderVersion"), req.get("extSystem")) == (
        "receivedOrder", "2.0", "WooCommerce")
    flt = req.find("lst:requestOrder/ftr:filter", NS)
    numbers = [n.text for n in flt.iterfind("ftr:selectedNumbers/ftr:number/typ:numberRequested", NS)]
    assert numbers == ["OP001", "OP002"]
    assert flt.findtext("ftr:extId/typ:ids", namespaces=NS) == "555"
    assert flt.findtext("ftr:dateFrom", namespaces=NS) == "2026-01-01"
    assert flt.findtext("ftr:dateTill", namespaces=NS) == "2026-03-31"
    assert req.findtext("lst:limit/ftr:count", namespaces=NS) == "100"
    assert_valid_datapack(xml_of(list_orders_request()))


ORDER_LIST = (
    '<?xml version="1.0" encoding="Windows-1250"?>\n'
    f'<rsp:responsePack version="2.0" id="p" state="ok" ico="12345678" {NSDECL}>'
    '<rsp:responsePackItem version="2.0" id="lord-all" state="ok">'
    '<lst:listOrder version="2.0" dateTimeStamp="2026-03-05T09:00:00" dateValidFrom="2026-03-05" state="ok">'
    '<lst:order version="2.0"><ord:orderHeader><ord:id>41</ord:id>'
    "<ord:extId><typ:ids>555</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></ord:extId>"
    "<ord:orderType>receivedOrder</ord:orderType>"
    "<ord:number><typ:numberRequested>OP2026001</typ:numberRequested></ord:number>"
    "<ord:numberOrder>2026000123</ord:numberOrder><ord:date>2026-03-01</ord:date>"
    "<ord:partnerIdentity><typ:address><typ:company>Příkladná s.r.o.</typ:company></typ:address></ord:partnerIdentity>"
    "<ord:isExecuted>true</ord:isExecuted></ord:orderHeader>"
    "<ord:orderSummary><ord:homeCurrency><typ:priceNone>99</typ:priceNone><typ:priceHigh>200</typ:priceHigh>"
    '<typ:priceHighVAT rate="21">42</typ:priceHighVAT><typ:priceHighSum>242</typ:priceHighSum>'
    "<typ:round><typ:priceRound>-0.4</typ:priceRound></typ:round></ord:homeCurrency></ord:orderSummary>"
    "</lst:order>"
    '<lst:order version="2.0"><ord:orderHeader><ord:id>42</ord:id>'
    "<ord:number><typ:numberRequested>OP2026002</typ:numberRequested></ord:number>"
    "<ord:partnerIdentity><typ:address><typ:name>Jana Nová</typ:name></typ:address></ord:partnerIdentity>"
    "</ord:orderHeader></lst:order>"
    "</lst:listOrder></rsp:responsePackItem></rsp:responsePack>"
).encode("cp1250")


def test_parse_list_orders(assert_valid_responsepack) -> None:
    assert_valid_responsepack(ORDER_LIST)
    result = parse_list_orders(ORDER_LIST)
    assert (result.item_id, result.state) == ("lord-all", "ok")
    first, second = result.records
    assert (first.id, first.number, first.number_order, first.date, first.ext_id) == (
        41, "OP2026001", "2026000123", date(2026, 3, 1), "555")
    assert first.partner_name == "Příkladná s.r.o."
    assert first.total == Decimal("340.6")
    assert first.is_executed
    assert (second.id, second.partner_name, second.total, second.is_executed, second.date) == (
        42, "Jana Nová", Decimal(0), False, None)
