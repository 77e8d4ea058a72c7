"""Issued credit notes (opravné daňové doklady / dobropisy) and received-order deletes.

What is verified against Stormware's XSD (``invoice.xsd``, ``type.xsd``,
``order.xsd``, ``filter.xsd``) and what is our best reading — the same
grades as ``PROTOCOL.md``:

* ``inv:invoiceHeader/inv:invoiceType`` = ``issuedCreditNotice`` exists and is
  POHODA's "Dobropis" (opravný daňový doklad in the CZ version).
  **[DOC: XSD invoice.xsd invoiceTypeType]**
* The link to the original issued invoice is ``inv:correctiveDocument/
  typ:sourceDocument`` (``typ:number`` of the issued invoice): "POHODA looks up
  the document and creates the corrective tax document for it".
  **[DOC: XSD invoice.xsd, type.xsd correctiveDocumentType]**
  With ``itemTransfer="false"`` the original's items are *not* copied, so our
  own ``inv:invoiceDetail`` carries what was refunded. That POHODA then takes
  the items of the import (the annotation says other elements than the header
  are "ignored") is **[INFERRED]** — hence :data:`LINK_MODES`: ``corrective``
  (default) or ``text`` (no ``correctiveDocument``; the original number only in
  ``inv:text``/``inv:symPar``), switchable per document.
* Signs: POHODA's credit notes carry **negative quantities** with positive unit
  prices, so the document total is negative. **[INFERRED: POHODA's own UI
  shows credit-note items as negative quantities; no real export in the
  samples]** — switchable with :data:`SIGN_MODES` (``quantity`` default,
  ``price``: negative unit price, positive quantity).
* A stock-linked credit-note item (``inv:stockItem``) returns the goods to
  that warehouse when the quantity is negative (an issued invoice with a
  negative stock line is a return). **[INFERRED]** — used only when
  ``[refunds] return_store`` is set; otherwise the lines are text lines and
  the stock does not move.
* Received-order delete: ``ord:actionType/ord:delete/ftr:filter`` with
  ``agenda="prijate_objednavky"`` and ``ftr:id`` or ``ftr:number``.
  **[DOC: XSD order.xsd actionTypeType, filter.xsd deleteOrderType /
  filterDocsDeleteType]** That POHODA refuses to delete an order already
  transferred into an invoice or marked executed (*Vyřízeno*) with an item
  error is **[INFERRED]**; the refunds job never asks for such a delete.
* VAT regime (issue 21): the header carries the corrected invoice's
  ``classificationVAT``, ``MOSS``, ``evidentiaryResourcesMOSS``,
  ``accountingPeriodMOSS`` (:func:`adapter.pohoda.vat.vat_header`) and the
  lines its rate codes. For OSS, ``dateTaxOriginalDocumentMOSS`` names the
  original invoice's tax date and ``correctionMOSS`` is true when that date
  lies in an earlier OSS period than the credit note's. **[DOC: XSD
  invoice.xsd, "pouze pro opravné daňové doklady, dobropisy"]**; that POHODA
  then reports the credit note in the OSS return's corrections of the
  earlier period is **[INFERRED]**.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from lxml import etree

from adapter.pohoda.envelope import Fields, PackItem, boolean, ext_id, item_id, num, root, sub, xml_date
from adapter.pohoda.lists import docs_filter, request_id
from adapter.pohoda.orders import foreign_summary, is_foreign, number_element, stock_code
from adapter.pohoda.vat import vat_header, vat_note
from adapter.records import DocLine, DocVat

__all__ = ["LINK_MODES", "SIGN_MODES", "CreditNoteDoc", "credit_note_item", "credit_total", "list_credit_notes_request",
           "order_delete_item"]

Day = date  #: ``CreditNoteDoc.date`` shadows the type inside the class body
LinkMode = Literal["corrective", "text"]
SignMode = Literal["quantity", "price"]
#: how the credit note names the original invoice (see the module docstring)
LINK_MODES: tuple[LinkMode, ...] = ("corrective", "text")
#: which figure carries the minus sign (see the module docstring)
SIGN_MODES: tuple[SignMode, ...] = ("quantity", "price")


@dataclass(frozen=True, slots=True)
class CreditNoteDoc:
    """An issued credit note for one shop refund.

    ``lines`` hold *positive* quantities and unit prices (what was refunded);
    the builder applies POHODA's sign (``sign``). ``invoice_number`` is the
    original issued invoice's number in POHODA.
    """

    key: str  #: the shop refund id
    date: date
    invoice_number: str
    lines: tuple[DocLine, ...]
    text: str = ""
    number_order: str = ""
    symbol_variable: str = ""
    numbering_series: str | None = None
    accounting: str | None = None  #: předkontace (typ:ids)
    note: str = ""
    prices_include_vat: bool = True
    currency: str | None = None
    rate: Decimal | None = None
    amount: int = 1
    ext_id: str = ""
    ext_system: str = ""
    link: LinkMode = "corrective"
    sign: SignMode = "quantity"
    vat: DocVat | None = None  #: the corrected invoice's VAT regime elements (None: domestic)
    original_tax_date: Day | None = None  #: the corrected invoice's tax date (OSS: dateTaxOriginalDocumentMOSS)
    oss_correction: bool = False  #: OSS: the original lies in an earlier period (correctionMOSS)


def _signed(line: DocLine, sign: SignMode) -> tuple[Decimal, Decimal]:
    """(quantity, unit price) with POHODA's minus sign."""
    if sign == "price":
        return line.quantity, -line.unit_price
    return -line.quantity, line.unit_price


def _item(detail: etree._Element, line: DocLine, index: int, doc: CreditNoteDoc, foreign: bool, f: Fields) -> None:
    item = sub(detail, "inv:invoiceItem")
    label = f"položka {index}"
    quantity, unit_price = _signed(line, doc.sign)
    f.text(item, "inv:text", line.text, f"{label}.text", "string90")
    sub(item, "inv:quantity", num(quantity))
    f.text(item, "inv:unit", line.unit, f"{label}.unit", "unitType")
    sub(item, "inv:payVAT", boolean(doc.prices_include_vat))
    sub(item, "inv:rateVAT", line.vat_rate)
    price = sub(item, "inv:foreignCurrency" if foreign else "inv:homeCurrency")
    sub(price, "typ:unitPrice", num(unit_price))
    f.text(item, "inv:note", line.note, f"{label}.note", "string90")
    if line.stock_code is not None:
        ref = sub(item, "inv:stockItem")
        if line.store:
            f.text(sub(ref, "typ:store"), "typ:ids", line.store, f"{label}.store", "idsType")
        sub(sub(ref, "typ:stockItem"), "typ:ids", stock_code(line.stock_code))


def credit_note_item(doc: CreditNoteDoc) -> PackItem:
    """An ``inv:invoice`` of type ``issuedCreditNotice`` linked to the original issued invoice."""
    if not doc.lines:
        raise ValueError("Dobropis nemá žádnou položku.")
    if not doc.invoice_number.strip():
        raise ValueError("Dobropis nemá číslo původní faktury.")
    f = Fields()
    invoice = root("inv:invoice", version="2.0")
    if doc.link == "corrective":
        corrective = sub(invoice, "inv:correctiveDocument", attrib={"itemTransfer": "false"})
        f.text(sub(corrective, "typ:sourceDocument"), "typ:number", doc.invoice_number, "sourceDocument.number",
               "string32")
    header = sub(invoice, "inv:invoiceHeader")
    if doc.ext_id:
        ext_id(header, "inv:extId", doc.ext_id, doc.ext_system, f)
    sub(header, "inv:invoiceType", "issuedCreditNotice")
    number_element(header, "inv:number", None, doc.numbering_series, f)
    f.text(header, "inv:symVar", doc.symbol_variable, "symVar", "symVarType")
    f.text(header, "inv:symPar", doc.invoice_number if doc.link == "text" else None, "symPar", "symVarType")
    sub(header, "inv:date", xml_date(doc.date))
    sub(header, "inv:dateTax", xml_date(doc.date))
    if doc.accounting:
        f.text(sub(header, "inv:accounting"), "typ:ids", doc.accounting, "accounting", "idsType")
    f.text(header, "inv:text", doc.text, "text", "string240")
    f.text(header, "inv:numberOrder", doc.number_order, "numberOrder", "documentNumberType")
    f.text(header, "inv:note", vat_note(doc.note, doc.vat), "note")
    vat_header(header, "inv", doc.vat, f)
    if doc.vat is not None and doc.vat.moss_country:
        if doc.original_tax_date is not None:
            sub(header, "inv:dateTaxOriginalDocumentMOSS", xml_date(doc.original_tax_date))
        if doc.oss_correction:
            sub(header, "inv:correctionMOSS", "true")
    foreign = is_foreign(doc.currency)
    detail = sub(invoice, "inv:invoiceDetail")
    for index, line in enumerate(doc.lines, 1):
        _item(detail, line, index, doc, foreign, f)
    if foreign:
        foreign_summary(invoice, "inv:invoiceSummary", doc.currency or "", doc.rate, doc.amount, f)
    return f.item(item_id("dbp", doc.key), invoice)


def order_delete_item(key: str, *, pohoda_id: int | None = None, number: str | None = None) -> PackItem:
    """An ``ord:order`` whose ``ord:actionType/ord:delete`` removes one received order (by id, else number)."""
    if pohoda_id is None and not number:
        raise ValueError("Ke smazání objednávky v POHODĚ chybí její ID i číslo.")
    f = Fields()
    order = root("ord:order", version="2.0")
    flt = sub(sub(sub(order, "ord:actionType"), "ord:delete"), "ftr:filter",
              attrib={"agenda": "prijate_objednavky"})
    if pohoda_id is not None:
        sub(flt, "ftr:id", str(pohoda_id))
    else:
        f.text(flt, "ftr:number", number, "filter.number", "string10")
    return f.item(item_id("ord-del", key), order)


def credit_total(lines: Sequence[DocLine]) -> Decimal:
    """The positive total (VAT included) of credit-note lines: Σ quantity × unit price."""
    return sum((line.quantity * line.unit_price for line in lines), Decimal(0))


def list_credit_notes_request(*, date_from: date, ext_system: str | None = None) -> PackItem:
    """A ``lst:listInvoiceRequest`` for issued credit notes from ``date_from`` (the crash reconciliation's look-up).

    ``invoiceType="issuedCreditNotice"`` on the request is **[DOC: XSD list.xsd
    invoiceTypeType]**; that POHODA lists credit notes only with it is **[INFERRED]**.
    """
    f = Fields()
    attrs = {"version": "2.0", "invoiceType": "issuedCreditNotice", "invoiceVersion": "2.0"}
    if ext_system:
        attrs["extSystem"] = ext_system
    req = root("lst:listInvoiceRequest", **attrs)
    body = sub(req, "lst:requestInvoice")
    docs_filter(body, f, date_from=date_from)
    return f.item(request_id("ldbp", dfrom=date_from), req)
