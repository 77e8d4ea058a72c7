"""Advance invoices (zálohové faktury) and the deduction of a paid advance on the final invoice — pure XML.

An advance invoice is an ``inv:invoice`` of ``invoiceType`` ``issuedAdvanceInvoice``
(built by :func:`adapter.pohoda.invoices.invoice_item` from an
:class:`~adapter.records.InvoiceDoc` with that type). The final invoice deducts
each paid advance with one ``inv:invoiceAdvancePaymentItem`` whose
``sourceDocument/number`` names the advance (see the Stormware sample
"advance deduction manual and sourceDocument"): quantity 1, the amount
negative, ``homeCurrency`` (or ``foreignCurrency``) with unitPrice, price,
priceVAT and priceSum, as the XSD's ``typeCurrency…Item2`` requires.

Reading chosen (confidence: medium): a deduction without VAT (``rateVAT``
none) when no tax document was issued for the payment; with the rate code of
the lines it deducts (OSS: a code of the MOSS country's table), ``payVAT``
true and the base the mapping computed (:attr:`AdvanceDeduction.base`, POHODA's
per-line split of those lines) when one was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree

from adapter.pohoda import text as pohoda_text
from adapter.pohoda.addressbook import address_element
from adapter.pohoda.envelope import NS, Fields, PackItem, boolean, item_id, num, sub, xml_date
from adapter.records import Address, AdvanceDeduction, DocVat, VatRate

ADVANCE_TYPE = "issuedAdvanceInvoice"


def deduction_items(invoice: etree._Element, deductions: tuple[AdvanceDeduction, ...], *, foreign: bool,
                    f: Fields, classification: str = "") -> None:
    """Append one ``inv:invoiceAdvancePaymentItem`` per deducted advance to ``inv:invoiceDetail``.

    ``classification``: the document's členění DPH, repeated on each item (the deducted advance has none).
    """
    if not deductions:
        return
    detail = invoice.find("inv:invoiceDetail", NS)
    if detail is None:
        detail = sub(invoice, "inv:invoiceDetail")
        summary = invoice.find("inv:invoiceSummary", NS)
        if summary is not None:  # the detail precedes the summary in the sequence
            summary.addprevious(detail)
    for index, deduction in enumerate(deductions, 1):
        item = sub(detail, "inv:invoiceAdvancePaymentItem")
        source = sub(item, "inv:sourceDocument")
        f.text(source, "typ:number", deduction.number, f"odpočet {index}.number", "string32")
        sub(item, "inv:quantity", "1")
        pay_vat = deduction.vat_rate != "none"
        if pay_vat and deduction.base is None:
            raise ValueError(f"Odpočet zálohy v sazbě {deduction.vat_rate} nemá základ daně.")
        sub(item, "inv:payVAT", boolean(pay_vat))
        sub(item, "inv:rateVAT", deduction.vat_rate)
        gross = -deduction.amount
        base = -deduction.base if pay_vat and deduction.base is not None else gross
        price = sub(item, "inv:foreignCurrency" if foreign else "inv:homeCurrency")
        sub(price, "typ:unitPrice", num(gross if pay_vat else base))
        sub(price, "typ:price", num(base))
        sub(price, "typ:priceVAT", num(gross - base))
        sub(price, "typ:priceSum", num(gross))
        f.text(item, "inv:note", deduction.text, f"odpočet {index}.note", "string90")
        if classification:
            f.text(sub(item, "inv:classificationVAT"), "typ:ids", classification, "classificationVAT", "idsType")


# --------------------------------------------------------------------------- tax document for a received payment

#: ``intDoc.xsd`` — the tax document is an internal document (Interní doklady)
INT_NS = "http://www.stormware.cz/schema/version_2/intDoc.xsd"
TAX_DOCUMENT_PREFIX = "tdd"  #: dataPackItem id prefix of tax documents


@dataclass(frozen=True, slots=True)
class TaxDocumentDoc:
    """A tax document for a received advance payment (daňový doklad k přijaté platbě).

    Reading chosen (see :func:`tax_document_item`): POHODA keeps these in
    *Interní doklady*, created from the liquidation (the payment) of the
    advance invoice. ``amounts`` are the gross amounts received, one per line of the order with its rate code.
    """

    key: str  #: the shop order id
    date: date  #: the day the payment was received (the tax point)
    advance_number: str
    liquidation_id: int | None  #: POHODA's id of the payment (liquidation) of the advance invoice
    amounts: tuple[tuple[VatRate, Decimal], ...]
    partner: Address = field(default_factory=Address)
    text: str = ""
    symbol_variable: str = ""
    vat: DocVat | None = None
    currency: str | None = None
    rate: Decimal | None = None
    amount: int = 1
    ext_id: str = ""
    ext_system: str = ""


def _int(parent: etree._Element, local: str, value: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{INT_NS}}}{local}")
    if value is not None:
        child.text = value
    return child


def _int_text(parent: etree._Element, local: str, value: str | None, xsd_type: str, f: Fields) -> None:
    if value:
        fitted, warnings = pohoda_text.fit(value, local, xsd_type)
        f.warnings.extend(warnings)
        _int(parent, local, fitted)


def _tax_header(node: etree._Element, doc: TaxDocumentDoc, f: Fields) -> None:
    header = _int(node, "intDocHeader")
    if doc.ext_id:
        ext = _int(header, "extId")
        f.text(ext, "typ:ids", doc.ext_id, "extId", "string64")
        f.text(ext, "typ:exSystemName", doc.ext_system or "e-shop", "exSystemName", "string64")
    _int_text(header, "symVar", doc.symbol_variable, "symVarType", f)
    _int_text(header, "symPar", doc.advance_number, "symVarType", f)
    for local in ("date", "dateTax", "dateAccounting"):
        _int(header, local, xml_date(doc.date))
    if doc.vat is not None and doc.vat.classification:
        f.text(_int(header, "classificationVAT"), "typ:ids", doc.vat.classification, "classificationVAT", "idsType")
    _int_text(header, "text", doc.text, "string240", f)
    if not doc.partner.is_empty():
        address_element(_int(header, "partnerIdentity"), doc.partner, f)
    if doc.vat is not None and doc.vat.moss_country:
        f.text(_int(header, "MOSS"), "typ:ids", doc.vat.moss_country, "MOSS", "string2")
        if doc.vat.evidence:
            evidence = _int(header, "evidentiaryResourcesMOSS")
            for code in doc.vat.evidence:
                sub(evidence, "typ:ids", code)
        _int_text(header, "accountingPeriodMOSS", doc.vat.accounting_period, "string7", f)
    _int_text(header, "note", doc.vat.note if doc.vat is not None else "", "string240", f)


def tax_document_item(doc: TaxDocumentDoc) -> PackItem:
    """An ``int:intDoc`` — the tax document for the received payment of an advance invoice.

    Reading chosen (confidence: medium; the XSD documents the elements, the
    Stormware samples show none): ``int:taxDocument/int:sourceLiquidation/
    typ:sourceItemId`` ("Vazba likvidace na daňový doklad", intDoc.xsd) names
    the liquidation of the advance invoice, which is how POHODA itself links a
    tax document to the payment (``automaticLiquidation.xsd`` reports the
    "Daňový doklad" a liquidation created). The items carry the received amount
    per VAT rate with ``payVAT`` (prices with VAT, POHODA splits base and VAT);
    ``symPar`` pairs the document with the advance invoice. The final invoice
    then deducts the tax document (``invoiceAdvancePaymentItem/sourceDocument``
    = its number), not the advance invoice.
    """
    if not doc.amounts:
        raise ValueError("Daňový doklad k přijaté platbě nemá žádnou částku.")
    f = Fields()
    node = etree.Element(f"{{{INT_NS}}}intDoc", {"version": "2.0"}, nsmap={"int": INT_NS, "typ": NS["typ"]})
    if doc.liquidation_id is not None:
        link = _int(_int(node, "taxDocument"), "sourceLiquidation")
        sub(link, "typ:sourceItemId", str(doc.liquidation_id))
    _tax_header(node, doc, f)
    foreign = bool(doc.currency) and doc.currency != "CZK"
    detail = _int(node, "intDocDetail")
    for rate, gross in doc.amounts:
        item = _int(detail, "intDocItem")
        _int_text(item, "text", f"Přijatá platba zálohy {doc.advance_number}", "string90", f)
        _int(item, "quantity", "1")
        _int(item, "payVAT", boolean(True))
        _int(item, "rateVAT", rate)
        sub(_int(item, "foreignCurrency" if foreign else "homeCurrency"), "typ:unitPrice", num(gross))
    if foreign:
        fc = _int(_int(node, "intDocSummary"), "foreignCurrency")
        f.text(sub(fc, "typ:currency"), "typ:ids", (doc.currency or "").upper(), "currency", "idsType")
        if doc.rate is not None:
            sub(fc, "typ:rate", num(doc.rate))
            sub(fc, "typ:amount", str(doc.amount))
    return f.item(item_id(TAX_DOCUMENT_PREFIX, doc.key), node)


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A payment of an advance invoice as POHODA lists it."""

    id: int
    day: date
    amount: Decimal


def parse_liquidations(xml: bytes) -> dict[str, Liquidation]:
    """Advance invoice number → its latest liquidation, from a ``lst:listInvoice`` answer with liquidations."""
    out: dict[str, Liquidation] = {}
    for invoice in etree.fromstring(xml).iterfind(".//lst:invoice", NS):
        number = invoice.findtext("inv:invoiceHeader/inv:number/typ:numberRequested", "", NS)
        for node in invoice.iterfind("inv:liquidations/typ:liquidation", NS):
            try:
                found = Liquidation(int(node.findtext("typ:id", "", NS)), date.fromisoformat(
                    node.findtext("typ:date", "", NS)), Decimal(node.findtext("typ:amount", "0", NS)))
            except (ValueError, ArithmeticError):
                continue
            if number not in out or found.id > out[number].id:
                out[number] = found
    return out
