"""Received orders (Objednávky přijaté): builder, list request and list parser; shared line helpers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from lxml import etree

from adapter.pohoda.addressbook import address_element, parse_address, ship_to_element
from adapter.pohoda.envelope import (
    NS,
    Fields,
    PackItem,
    boolean,
    ext_id,
    item_id,
    num,
    root,
    sub,
    text_of,
    to_date,
    to_int,
    xml_date,
)
from adapter.pohoda.lists import ListResult, docs_filter, limit, parse_list, request_id, summary_total
from adapter.pohoda.vat import vat_header, vat_note
from adapter.records import DocLine, OrderDoc, PohodaOrder

__all__ = [
    "ListResult",
    "doc_lines",
    "foreign_summary",
    "is_foreign",
    "list_orders_request",
    "number_element",
    "order_item",
    "parse_list_orders",
    "stock_code",
]


_ITEM_TAG = {"ord": "orderItem", "inv": "invoiceItem", "pri": "prijemkaItem"}


def is_foreign(currency: str | None) -> bool:
    """True for a currency other than the home CZK."""
    return currency is not None and currency.strip() != "" and currency.strip().upper() != "CZK"


def stock_code(code: str) -> str:
    """A stock code as a reference key; keys are never cut or transliterated silently → ValueError."""
    code = code.strip()
    if not code or len(code) > 64:
        raise ValueError(f"Kód zásoby „{code[:80]}“ je prázdný nebo delší než 64 znaků (limit POHODY).")
    try:
        code.encode("cp1250")
    except UnicodeEncodeError:
        raise ValueError(f"Kód zásoby „{code}“ obsahuje znaky, které POHODA neumí uložit.") from None
    return code


def number_element(parent: etree._Element, tag: str, requested: str | None, series: str | None,
                   f: Fields, *, check_duplicity: bool = True) -> None:
    """Append ``<X:number>`` with the number series (``typ:ids``) and/or a requested number."""
    if not requested and not series:
        return
    node = sub(parent, tag)
    f.text(node, "typ:ids", series, "numbering series", "idsType")
    f.text(node, "typ:numberRequested", requested, "numberRequested", "string32NotEmpty",
           attrib={"checkDuplicity": boolean(check_duplicity)})


def _line(parent: etree._Element, prefix: str, line: DocLine, index: int, *, foreign: bool,
          pay_vat: bool, f: Fields) -> None:
    item = sub(parent, f"{prefix}:{_ITEM_TAG[prefix]}")
    label = f"položka {index}"
    f.text(item, f"{prefix}:text", line.text, f"{label}.text", "string90")
    sub(item, f"{prefix}:quantity", num(line.quantity))
    f.text(item, f"{prefix}:unit", line.unit, f"{label}.unit", "unitType")
    sub(item, f"{prefix}:payVAT", boolean(pay_vat))
    sub(item, f"{prefix}:rateVAT", line.vat_rate)
    if line.discount_percent is not None and prefix != "pri":
        sub(item, f"{prefix}:discountPercentage", num(line.discount_percent))
    price = sub(item, f"{prefix}:foreignCurrency" if foreign else f"{prefix}:homeCurrency")
    sub(price, "typ:unitPrice", num(line.unit_price))
    f.text(item, f"{prefix}:note", line.note, f"{label}.note", "string90")
    if line.stock_code is not None:
        ref = sub(item, f"{prefix}:stockItem")
        if line.store:
            f.text(sub(ref, "typ:store"), "typ:ids", line.store, f"{label}.store", "idsType")
        sub(sub(ref, "typ:stockItem"), "typ:ids", stock_code(line.stock_code))


def doc_lines(parent: etree._Element, prefix: str, detail_tag: str, lines: Sequence[DocLine], *,
              foreign: bool, pay_vat: bool, f: Fields) -> None:
    """Append the detail element with one item per line (stock-linked or text)."""
    if not lines:
        return
    detail = sub(parent, detail_tag)
    for index, line in enumerate(lines, 1):
        _line(detail, prefix, line, index, foreign=foreign, pay_vat=pay_vat, f=f)


def foreign_summary(parent: etree._Element, tag: str, currency: str, rate: object, amount: int,
                    f: Fields) -> None:
    """Append ``<X:…Summary><X:foreignCurrency>`` with currency, rate and amount."""
    prefix = tag.split(":")[0]
    fc = sub(sub(parent, tag), f"{prefix}:foreignCurrency")
    f.text(sub(fc, "typ:currency"), "typ:ids", currency.strip().upper(), "currency", "idsType")
    if rate is not None:
        sub(fc, "typ:rate", num(rate))  # type: ignore[arg-type]
        sub(fc, "typ:amount", str(amount))


def order_item(doc: OrderDoc) -> PackItem:
    """An ``ord:order`` of type receivedOrder with inline partner and stock/text lines."""
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
    doc_lines(order, "ord", "ord:orderDetail", doc.lines, foreign=foreign,
              pay_vat=doc.prices_include_vat, f=f)
    if foreign:
        foreign_summary(order, "ord:orderSummary", doc.currency or "", doc.rate, doc.amount, f)
    return f.item(item_id("ord", doc.key), order)


def list_orders_request(*, numbers: Sequence[str] = (), ext_id: str | None = None,
                        last_changes: datetime | None = None, date_from: date | None = None,
                        date_till: date | None = None, id_from: int | None = None,
                        count: int | None = None, ext_system: str | None = None) -> PackItem:
    """A ``lst:listOrderRequest`` for received orders (numbers via ``ftr:number/typ:numberRequested``)."""
    f = Fields()
    attrs = {"version": "2.0", "orderType": "receivedOrder", "orderVersion": "2.0"}
    if ext_system:
        attrs["extSystem"] = ext_system
    req = root("lst:listOrderRequest", **attrs)
    limit(req, "lst:limit", id_from, count)
    body = sub(req, "lst:requestOrder")
    docs_filter(body, f, ext_id=ext_id, ext_system=ext_system or "", date_from=date_from,
                date_till=date_till, numbers=numbers, last_changes=last_changes)
    key = request_id("lord", n=",".join(numbers), ext=ext_id, since=last_changes and last_changes.isoformat(),
                     dfrom=date_from, dtill=date_till, idFrom=id_from, count=count)
    return f.item(key, req)


def _order(node: etree._Element) -> PohodaOrder:
    header = node.find("ord:orderHeader", NS)
    if header is None:
        header = etree.Element("empty")
    partner = parse_address(header.find("ord:partnerIdentity/typ:address", NS))
    return PohodaOrder(
        id=to_int(text_of(header, "ord:id")) or 0,
        number=text_of(header, "ord:number/typ:numberRequested"),
        number_order=text_of(header, "ord:numberOrder"),
        date=to_date(text_of(header, "ord:date")),
        ext_id=text_of(header, "ord:extId/typ:ids"),
        partner_name=partner.company or partner.name,
        total=summary_total(node.find("ord:orderSummary", NS), "ord"),
        is_executed=text_of(header, "ord:isExecuted") == "true",
    )


def parse_list_orders(xml: bytes) -> ListResult[PohodaOrder]:
    """Parse a ``lst:listOrder`` answer."""
    return parse_list(xml, "lst:listOrder", "lst:order", _order)
