"""Issued invoices (Vydané faktury): builder, list request and list parser with payment state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from adapter.pohoda.addressbook import address_element, parse_address
from adapter.pohoda.advances import ADVANCE_TYPE, deduction_items
from adapter.pohoda.envelope import (
    NS,
    Fields,
    PackItem,
    ext_id,
    item_id,
    root,
    sub,
    text_of,
    to_date,
    to_decimal,
    to_int,
    xml_date,
)
from adapter.pohoda.lists import ListResult, docs_filter, limit, parse_list, request_id, summary_total
from adapter.pohoda.orders import doc_lines, foreign_summary, is_foreign, number_element
from adapter.pohoda.vat import vat_header, vat_note
from adapter.records import ZERO, InvoiceDoc, PohodaInvoice

__all__ = ["ListResult", "invoice_item", "list_invoices_request", "parse_list_invoices"]


def _links(invoice: etree._Element, doc: InvoiceDoc, f: Fields) -> None:
    if not doc.link_order_number and doc.link_order_id is None:
        return
    link = sub(sub(invoice, "inv:links"), "typ:link")
    sub(link, "typ:sourceAgenda", "receivedOrder")
    source = sub(link, "typ:sourceDocument")
    if doc.link_order_id is not None:
        sub(source, "typ:id", str(doc.link_order_id))
    f.text(source, "typ:number", doc.link_order_number, "link.number", "string32")


def invoice_item(doc: InvoiceDoc) -> PackItem:
    """An ``inv:invoice`` issuedInvoice, stand-alone or built from a received order (``inv:links``)."""
    f = Fields()
    invoice = root("inv:invoice", version="2.0")
    _links(invoice, doc, f)
    header = sub(invoice, "inv:invoiceHeader")
    if doc.ext_id:
        ext_id(header, "inv:extId", doc.ext_id, doc.ext_system, f)
    sub(header, "inv:invoiceType", doc.invoice_type)
    number_element(header, "inv:number", doc.number_requested, doc.numbering_series, f)
    f.text(header, "inv:symVar", doc.symbol_variable, "symVar", "symVarType")
    sub(header, "inv:date", xml_date(doc.date))
    if doc.date_tax:
        sub(header, "inv:dateTax", xml_date(doc.date_tax))
    if doc.date_due:
        sub(header, "inv:dateDue", xml_date(doc.date_due))
    f.text(header, "inv:text", doc.text, "text", "string240")
    if not doc.partner.is_empty():
        address_element(sub(header, "inv:partnerIdentity"), doc.partner, f)
    f.text(header, "inv:numberOrder", doc.number_order, "numberOrder", "documentNumberType")
    if doc.date_order:
        sub(header, "inv:dateOrder", xml_date(doc.date_order))
    if doc.payment_type:
        f.text(sub(header, "inv:paymentType"), "typ:ids", doc.payment_type, "paymentType", "string32")
    f.text(header, "inv:note", vat_note(doc.note, doc.vat), "note")
    vat_header(header, "inv", doc.vat, f)
    foreign = is_foreign(doc.currency)
    if not doc.lines and not (doc.link_order_number or doc.link_order_id is not None):
        f.warn("Faktura nemá položky ani vazbu na objednávku: POHODA vytvoří prázdný doklad.")
    doc_lines(invoice, "inv", "inv:invoiceDetail", doc.lines, foreign=foreign,
              pay_vat=doc.prices_include_vat, f=f)
    deduction_items(invoice, doc.deductions, foreign=foreign, f=f,
                    classification=doc.vat.classification if doc.vat is not None else "")
    if foreign:
        foreign_summary(invoice, "inv:invoiceSummary", doc.currency or "", doc.rate, doc.amount, f)
    return f.item(item_id("adv" if doc.invoice_type == ADVANCE_TYPE else "inv", doc.key), invoice)


def list_invoices_request(*, date_from: date | None = None, date_till: date | None = None,
                          last_changes: datetime | None = None, numbers: Sequence[str] = (),
                          liquidations: bool = False, id_from: int | None = None,
                          count: int | None = None, ext_system: str | None = None,
                          invoice_type: str = "issuedInvoice") -> PackItem:
    """A ``lst:listInvoiceRequest`` for issued (or advance, ``issuedAdvanceInvoice``) invoices; the type is required."""
    f = Fields()
    attrs = {"version": "2.0", "invoiceType": invoice_type, "invoiceVersion": "2.0"}
    if ext_system:
        attrs["extSystem"] = ext_system
    req = root("lst:listInvoiceRequest", **attrs)
    limit(req, "lst:limit", id_from, count)
    body = sub(req, "lst:requestInvoice")
    docs_filter(body, f, date_from=date_from, date_till=date_till, numbers=numbers, last_changes=last_changes)
    if liquidations:
        sub(sub(req, "lst:restrictionData"), "lst:liquidations", "true")
    key = request_id("linv" if invoice_type == "issuedInvoice" else "ladv", n=",".join(numbers), since=last_changes and last_changes.isoformat(),
                     dfrom=date_from, dtill=date_till, liq=liquidations, idFrom=id_from, count=count)
    return f.item(key, req)


def _invoice(node: etree._Element) -> PohodaInvoice:
    header = node.find("inv:invoiceHeader", NS)
    if header is None:
        header = etree.Element("empty")
    partner = parse_address(header.find("inv:partnerIdentity/typ:address", NS))
    liquidation = header.find("inv:liquidation", NS)
    return PohodaInvoice(
        id=to_int(text_of(header, "inv:id")) or 0,
        number=text_of(header, "inv:number/typ:numberRequested"),
        number_order=text_of(header, "inv:numberOrder"),
        date=to_date(text_of(header, "inv:date")),
        symbol_variable=text_of(header, "inv:symVar"),
        total=summary_total(node.find("inv:invoiceSummary", NS), "inv"),
        to_pay=to_decimal(text_of(liquidation, "typ:amountHome")) or ZERO,
        paid_date=to_date(text_of(liquidation, "typ:date")),
        ext_id=text_of(header, "inv:extId/typ:ids"),
        partner_name=partner.company or partner.name,
        liquidation_known=liquidation is not None,
    )


def parse_list_invoices(xml: bytes) -> ListResult[PohodaInvoice]:
    """Parse a ``lst:listInvoice`` answer; ``to_pay`` = ``inv:liquidation/typ:amountHome`` (absent → 0)."""
    return parse_list(xml, "lst:listInvoice", "lst:invoice", _invoice)


def _sent_tree(xml: str | None) -> etree._Element | None:
    if not xml:
        return None
    try:
        return etree.fromstring(xml.encode("cp1250", errors="xmlcharrefreplace"))
    except (etree.XMLSyntaxError, ValueError):
        return None


def _sent_rate(tree: etree._Element | None, path: str) -> tuple[Decimal, int] | None:
    node = tree.find(path, NS) if tree is not None else None
    if node is None:
        return None
    try:
        rate = Decimal(node.findtext("typ:rate", "", NS).strip())
        amount = int(node.findtext("typ:amount", "1", NS).strip() or "1")
    except (InvalidOperation, ValueError):
        return None
    return (rate, amount) if rate > 0 and amount > 0 else None


def _sent_tax_date(tree: etree._Element | None) -> date | None:
    if tree is None:
        return None
    for path in (".//inv:invoiceHeader/inv:dateTax", ".//inv:invoiceHeader/inv:date"):
        text = (tree.findtext(path, "", NS) or "").strip()
        if text:
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
    return None


def sent_invoice_rate_and_tax_date(xml: str | None) -> tuple[tuple[Decimal, int] | None, date | None]:
    """((rate, amount) of a foreign-currency invoice or None, its tax date or None) from the invoice XML sent."""
    tree = _sent_tree(xml)
    return _sent_rate(tree, ".//inv:invoiceSummary/inv:foreignCurrency"), _sent_tax_date(tree)


def sent_order_rate(xml: str | None) -> tuple[Decimal, int] | None:
    """(rate, amount) of a foreign-currency received order, or None, from the order XML sent."""
    return _sent_rate(_sent_tree(xml), ".//ord:orderSummary/ord:foreignCurrency")
