"""Agenda XML written as text is byte for byte what the lxml tree would give, and XSD-valid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Literal

import pytest
from lxml import etree

from adapter.pohoda import xmltext
from adapter.pohoda.addressbook import address_element, ship_to_element
from adapter.pohoda.envelope import (
    DEFAULT_EXT_SYSTEM,
    Fields,
    PackItem,
    boolean,
    build_pack,
    ext_id,
    item_id,
    num,
    root,
    sub,
    xml_date,
)
from adapter.pohoda.orders import (
    doc_lines,
    foreign_summary,
    is_foreign,
    number_element,
    order_item,
    stock_code,
)
from adapter.pohoda.stock import stock_item
from adapter.pohoda.vat import vat_header, vat_note
from adapter.records import Address, DocLine, DocVat, OrderDoc, StockCardDoc

Mode = Literal["upsert", "update", "add"]


def tree_stock_item(card: StockCardDoc, *, mode: Mode = "upsert", type_price: str | None = None) -> PackItem:
    """The stock item built as an lxml tree (the builder before it wrote text): the reference."""
    f = Fields()
    code = stock_code(card.code)
    stock = root("stk:stock", version="2.0")
    if mode != "add":
        action = sub(stock, "stk:actionType")
        node = sub(action, "stk:add", attrib={"update": "true"}) if mode == "upsert" else sub(
            action, "stk:update", attrib={"add": "false"})
        sub(sub(node, "ftr:filter"), "ftr:code", code)
    header = sub(stock, "stk:stockHeader")
    if card.ext_id:
        node = sub(header, "stk:extId")
        f.text(node, "typ:ids", card.ext_id, "extId", "string64")
        f.text(node, "typ:exSystemName", card.ext_system or DEFAULT_EXT_SYSTEM, "exSystemName", "string64")
    if mode != "update":
        sub(header, "stk:stockType", card.stock_type)
    sub(header, "stk:code", code)
    f.text(header, "stk:EAN", card.ean, "EAN", 20)
    sub(header, "stk:isInternet", boolean(card.is_internet))
    sub(header, "stk:sellingRateVAT", card.vat_rate)
    f.text(header, "stk:name", card.name, "název", "string90")
    f.text(header, "stk:unit", card.unit, "unit", "unitType")
    if card.storage:
        f.text(sub(header, "stk:storage"), "typ:ids", card.storage, "storage")
    if type_price:
        f.text(sub(header, "stk:typePrice"), "typ:ids", type_price, "typePrice", "idsType")
    if mode != "update" and not (card.storage and type_price):
        f.warn("Nová karta nemá členění skladu (storage) nebo typ ceny (typePrice); "
               "POHODA je podle nastavení může vyžadovat.")
    sub(header, "stk:sellingPrice", num(card.selling_price), {"payVAT": boolean(card.price_includes_vat)})
    f.text(header, "stk:description", card.description, "description")
    if card.store:
        f.warn(f"Sklad „{card.store}“ nelze kartě zásoby přes XML nastavit (stock.xsd nemá stk:store); "
               "karta se založí ve skladu podle nastavení POHODY.")
    return f.item(item_id("stk", code), stock)


BASE = StockCardDoc(code="K-1", name="Čaj zelený Žďár", ean="8590000000017", selling_price=Decimal("121.50"),
                    storage="Zboží/Kuchyně")
CARDS = [
    BASE,
    replace(BASE, code="A&B <C> \"D\" 'E'", name="Tom & Jerry <3> \"uvozovky\"\r\nřádek\ttab",
            description="popis\r\n& víc", ext_id="55", ext_system="WooCommerce", unit="ks"),
    replace(BASE, code="K-3", name="😀 emoji 👍🏽 a Кирилица " + "x" * 120, unit="kilogramů", ean="1" * 30, storage="",
            store="HL", price_includes_vat=False, is_internet=False, vat_rate="low", selling_price=Decimal("1E+3")),
    replace(BASE, code="K-4", name="\x01\x02", description="\x00", ext_id="\x7f", storage="\x03", selling_price=Decimal("-0.00")),
    replace(BASE, code="K-5", stock_type="service", storage="ZBOŽÍ]]>", ext_id="e" * 80),
]


@pytest.mark.parametrize("mode", ["upsert", "update", "add"])
@pytest.mark.parametrize("type_price", [None, "SK", "S&K"])
def test_stock_text_is_the_tree_byte_for_byte(mode: Mode, type_price: str | None,
                                              assert_valid_datapack: Callable[[bytes], None]) -> None:
    ours = [stock_item(c, mode=mode, type_price=type_price) for c in CARDS]
    tree = [tree_stock_item(c, mode=mode, type_price=type_price) for c in CARDS]
    assert None not in [i.fragment() for i in ours]
    assert [(i.id, i.warnings, i.text()) for i in ours] == [(i.id, i.warnings, i.text()) for i in tree]
    built = build_pack(ours, ico="12345678", pack_id="p&1", note="pozn. <ř>")
    assert built.xml == build_pack(tree, ico="12345678", pack_id="p&1", note="pozn. <ř>").xml
    assert built.singles() == build_pack(tree, ico="12345678", pack_id="p&1", note="pozn. <ř>").singles()
    assert len(built.singles()) == len(CARDS)
    assert_valid_datapack(built.xml)


def test_a_text_item_still_has_its_element() -> None:
    item = stock_item(BASE, type_price="SK")
    assert item.fragment() is not None
    element = item.element  # parsed on first use …
    assert element.tag.endswith("}stock") and item.element is element
    assert item.fragment() is None  # … and from then on the element rules (it may be changed)
    element.find(".//{*}name").text = "Změněno"  # type: ignore[union-attr]
    assert "Změněno".encode("cp1250") in build_pack([item], ico="1", pack_id="p").xml
    mixed = build_pack([stock_item(BASE), tree_stock_item(replace(BASE, code="K-2"))], ico="1", pack_id="p")
    assert mixed.xml == build_pack([tree_stock_item(BASE), tree_stock_item(replace(BASE, code="K-2"))],
                                   ico="1", pack_id="p").xml


def test_text_that_xml_cannot_carry_is_refused() -> None:
    with pytest.raises(ValueError, match="řídicí znaky"):
        stock_item(replace(BASE, code="K\x01"))
    with pytest.raises(ValueError, match="XML compatible"):
        tree_stock_item(replace(BASE, code="K\x01"))


def test_escaping_matches_lxml() -> None:
    value = "a&b<c>d\"e'f\tg\nh\ri]]>"
    element = etree.Element("x", {"a": value})
    element.text = value
    assert etree.tostring(element, encoding="unicode") == f'<x a="{xmltext.attr(value)}">{xmltext.text(value)}</x>'


def tree_order_item(doc: OrderDoc) -> PackItem:
    """The received order built as an lxml tree (the builder before it wrote text): the reference."""
    f = Fields()
    order = root("ord:order", version="2.0")
    header = sub(order, "ord:orderHeader")
    if doc.ext_id:
        ext_id(header, "ord:extId", doc.ext_id, doc.ext_system, f)
    sub(header, "ord:orderType", "receivedOrder")
    number_element(header, "ord:number", doc.number_requested, doc.numbering_series, f)
    f.text(header, "ord:numberOrder", doc.number_order, "numberOrder", "documentNumberType")
    sub(header, "ord:date", xml_date(doc.date))
    f.text(header, "ord:text", doc.text, "text", "string240")
    partner = sub(header, "ord:partnerIdentity")
    address_element(partner, doc.partner, f)
    if doc.ship_to is not None and not doc.ship_to.is_empty():
        ship_to_element(partner, doc.ship_to, f)
    if doc.payment_type:
        f.text(sub(header, "ord:paymentType"), "typ:ids", doc.payment_type, "paymentType", "string32")
    sub(header, "ord:isReserved", boolean(doc.is_reserved))
    f.text(header, "ord:note", vat_note(doc.note, doc.vat), "note")
    vat_header(header, "ord", doc.vat, f)
    if doc.carrier:
        f.text(sub(header, "ord:carrier"), "typ:ids", doc.carrier, "carrier", "string20")
    f.text(header, "ord:intNote", doc.int_note, "intNote")
    foreign = is_foreign(doc.currency)
    doc_lines(order, "ord", "ord:orderDetail", doc.lines, foreign=foreign, pay_vat=doc.prices_include_vat, f=f)
    if foreign:
        foreign_summary(order, "ord:orderSummary", doc.currency or "", doc.rate, doc.amount, f)
    return f.item(item_id("ord", doc.key), order)


PARTNER = Address(name="Jiří Dvořák & syn", company="Firma <s.r.o.>", street="Náměstí Míru 1", city="Žďár",
                  zip="59101", country="CZ", email="a@example.cz", phone="602123456", ico="12345678",
                  dic="CZ12345678")
LINES = (
    DocLine(text="Hrnek „modrý“ 😀", quantity=Decimal(2), unit_price=Decimal("100.50"), stock_code="K-1"),
    DocLine(text="Doprava", quantity=Decimal(1), unit_price=Decimal("99"), vat_rate="low", unit="",
            note="pozn.\r\n<b>", discount_percent=Decimal("10.0")),
    DocLine(text="x" * 120, quantity=Decimal("1.500"), unit_price=Decimal("-5"), stock_code="K&2", store="HL"),
)
ORDER = OrderDoc(key="1001", number_order="1001", date=date(2026, 3, 4), partner=PARTNER, lines=LINES)
ORDERS = [
    ORDER,
    replace(ORDER, key="1002", lines=(), text="Objednávka <1002>", note="n", int_note="i\x01", is_reserved=True,
            prices_include_vat=False, ext_id="1002", ext_system="WooCommerce"),
    replace(ORDER, key="1003", ship_to=Address(name="Jana", city="Brno", country="SK"), number_requested="OBJ-1",
            numbering_series="ESH", payment_type="Kartou", carrier="PPL", currency="eur", rate=Decimal("25.1"),
            amount=1, vat=DocVat(moss_country="DE", evidence=("A", "B"), accounting_period="Q1/2026",
                                 classification="UD", note="Daň odvede zákazník.")),
    replace(ORDER, key="1004", ship_to=Address(), currency="USD", vat=DocVat(classification="UD")),
]


def test_order_text_is_the_tree_byte_for_byte(assert_valid_datapack: Callable[[bytes], None]) -> None:
    ours = [order_item(o) for o in ORDERS]
    tree = [tree_order_item(o) for o in ORDERS]
    assert None not in [i.fragment() for i in ours]
    assert [(i.id, i.warnings, i.text()) for i in ours] == [(i.id, i.warnings, i.text()) for i in tree]
    built = build_pack(ours, ico="12345678", pack_id="orders")
    assert built.xml == build_pack(tree, ico="12345678", pack_id="orders").xml
    assert built.single_texts() == build_pack(tree, ico="12345678", pack_id="orders").single_texts()
    assert_valid_datapack(built.xml)
