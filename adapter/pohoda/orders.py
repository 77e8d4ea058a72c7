"""Received orders (Přijaté objednávky): builder, list request and list parser; shared line helpers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from lxml import etree

from adapter.pohoda.addressbook import address_element, parse_address, ship_to_element
from adapter.pohoda.envelope import (
    DEFAULT_EXT_SYSTEM,
    NS,
    Fields,
    PackItem,
    boolean,
    item_id,
    num,
    q,
    root,
    sub,
    text_of,
    to_date,
    to_int,
    xml_date,
)
from adapter.pohoda.lists import ListResult, docs_filter, limit, parse_list, request_id, summary_total
from adapter.pohoda.vat import vat_header, vat_note
from adapter.pohoda.xmltext import leaf
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


def ext_id_xml(tag: str, ids: str, system: str, f: Fields) -> str:
    """:func:`~adapter.pohoda.envelope.ext_id` written as text."""
    return (f"<{tag}>{f.xml('typ:ids', ids, 'extId', 'string64')}"
            f"{f.xml('typ:exSystemName', system or DEFAULT_EXT_SYSTEM, 'exSystemName', 'string64')}</{tag}>")


def _line_xml(prefix: str, line: DocLine, index: int, *, foreign: bool, pay_vat: bool, f: Fields) -> str:
    """One document line written as text (the shape :func:`doc_lines` builds as a tree)."""
    tag, label = f"{prefix}:{_ITEM_TAG[prefix]}", f"položka {index}"
    out = [f"<{tag}>", f.xml(f"{prefix}:text", line.text, f"{label}.text", "string90"),
           leaf(f"{prefix}:quantity", num(line.quantity)),
           f.xml(f"{prefix}:unit", line.unit, f"{label}.unit", "unitType"),
           leaf(f"{prefix}:payVAT", boolean(pay_vat)), leaf(f"{prefix}:rateVAT", line.vat_rate)]
    if line.discount_percent is not None and prefix != "pri":
        out.append(leaf(f"{prefix}:discountPercentage", num(line.discount_percent)))
    price = f"{prefix}:foreignCurrency" if foreign else f"{prefix}:homeCurrency"
    out += (f"<{price}>{leaf('typ:unitPrice', num(line.unit_price))}</{price}>",
            f.xml(f"{prefix}:note", line.note, f"{label}.note", "string90"))
    if line.stock_code is not None:
        store = f.xml("typ:ids", line.store, f"{label}.store", "idsType") if line.store else None
        out += (f"<{prefix}:stockItem>", "" if store is None else f"<typ:store>{store}</typ:store>",
                f"<typ:stockItem>{leaf('typ:ids', stock_code(line.stock_code))}</typ:stockItem></{prefix}:stockItem>")
    out.append(f"</{tag}>")
    return "".join(out)


_SCRATCH_NS = {"ord": NS["ord"], "typ": NS["typ"]}
_XMLNS = re.compile(r' xmlns:[A-Za-z]+="[^"]*"')


def _tree_parts(scratch: etree._Element, start: int) -> str:
    """The children of a scratch element from ``start`` on, as text without namespace declarations."""
    out = []
    for child in list(scratch)[start:]:
        text = etree.tostring(child, encoding="unicode")
        end = text.index(">")
        out.append(_XMLNS.sub("", text[:end]) + text[end:])
    return "".join(out)


def _order_header(doc: OrderDoc, f: Fields) -> str:
    """``ord:orderHeader`` as text; the partner and the VAT regime come from their tree builders."""
    scratch = etree.Element(q("ord:orderHeader"), nsmap=_SCRATCH_NS)
    out = ["<ord:orderHeader>", ext_id_xml("ord:extId", doc.ext_id, doc.ext_system, f) if doc.ext_id else "",
           "<ord:orderType>receivedOrder</ord:orderType>"]
    if doc.number_requested or doc.numbering_series:
        out += ("<ord:number>", f.xml("typ:ids", doc.numbering_series, "numbering series", "idsType"),
                f.xml("typ:numberRequested", doc.number_requested, "numberRequested", "string32NotEmpty",
                      ' checkDuplicity="true"'), "</ord:number>")
    out += (f.xml("ord:numberOrder", doc.number_order, "numberOrder", "documentNumberType"),
            leaf("ord:date", xml_date(doc.date)), f.xml("ord:text", doc.text, "text", "string240"))
    partner = sub(scratch, "ord:partnerIdentity")
    address_element(partner, doc.partner, f)
    if doc.ship_to is not None and not doc.ship_to.is_empty():
        ship_to_element(partner, doc.ship_to, f)
    out.append(_tree_parts(scratch, 0))
    if doc.payment_type:
        out.append(f"<ord:paymentType>{f.xml('typ:ids', doc.payment_type, 'paymentType', 'string32')}"
                   "</ord:paymentType>")
    out += (leaf("ord:isReserved", boolean(doc.is_reserved)), f.xml("ord:note", vat_note(doc.note, doc.vat), "note"))
    vat_header(scratch, "ord", doc.vat, f)
    out.append(_tree_parts(scratch, 1))
    if doc.carrier:
        out.append(f"<ord:carrier>{f.xml('typ:ids', doc.carrier, 'carrier', 'string20')}</ord:carrier>")
    out += (f.xml("ord:intNote", doc.int_note, "intNote"), "</ord:orderHeader>")
    return "".join(out)


def order_item(doc: OrderDoc) -> PackItem:
    """An ``ord:order`` of type receivedOrder with inline partner and stock/text lines.

    Written as text (:mod:`~adapter.pohoda.xmltext`): the orders run sends a thousand at a time.
    """
    f = Fields()
    out = ['<ord:order version="2.0">', _order_header(doc, f)]
    foreign = is_foreign(doc.currency)
    if doc.lines:
        out += ("<ord:orderDetail>", *(_line_xml("ord", line, index, foreign=foreign, pay_vat=doc.prices_include_vat,
                                                 f=f) for index, line in enumerate(doc.lines, 1)), "</ord:orderDetail>")
    if foreign:
        out.append("<ord:orderSummary><ord:foreignCurrency><typ:currency>"
                   f"{f.xml('typ:ids', (doc.currency or '').strip().upper(), 'currency', 'idsType')}</typ:currency>")
        if doc.rate is not None:
            out += (leaf("typ:rate", num(doc.rate)), leaf("typ:amount", str(doc.amount)))
        out.append("</ord:foreignCurrency></ord:orderSummary>")
    out.append("</ord:order>")
    return f.text_item(item_id("ord", doc.key), "".join(out))


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
