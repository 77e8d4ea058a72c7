"""Which orders get an advance invoice, the advance invoice itself, and the deduction on the final one — pure.

* An order paid by one of ``[advances] payment_methods`` (bank transfer,
  ``bacs``, by default) gets an **advance invoice** once it is transferred to
  POHODA: the order's lines as text lines, ``invoiceType`` issuedAdvanceInvoice,
  extId ``adv-<order id>`` (the final invoice keeps the order id).
* Once the advance is paid (the payments agenda marked the shop order paid),
  the **final invoice** deducts it whole: one ``invoiceAdvancePaymentItem``
  naming the advance's number. With ``[advances] tax_document`` the deduction
  carries the VAT of the order's lines per rate (the tax document for the
  received payment already taxed it); without, it is a deduction without VAT.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from adapter.config.eu import AdvancesSettings
from adapter.records import AdvanceDeduction, DocLine, InvoiceDoc, Order
from adapter.sync.invoices.mapping import InvoiceMapped, map_invoice
from adapter.sync.orders.mapping import MappingOptions, pohoda_line_total

ADVANCE_PREFIX = "adv-"


def advance_key(order_id: int | str) -> str:
    """The ledger key (and extId) of an order's advance invoice."""
    return f"{ADVANCE_PREFIX}{order_id}"


def wants_advance(order: Order, settings: AdvancesSettings) -> bool:
    """True when the order is paid in advance by a method chosen in ``[advances] payment_methods``."""
    return settings.enabled and bool(order.payment_method) and order.payment_method in settings.payment_methods


def map_advance(order: Order, opts: MappingOptions, *, issued: date, due_days: int,
                series: str | None = None) -> InvoiceMapped:
    """The advance invoice of an order (text lines, the order's regime, no členění DPH: not a tax document)."""
    mapped = map_invoice(order, opts, issued=issued, due_days=due_days, series=series)
    if mapped.doc is None:
        return mapped
    vat = replace(mapped.doc.vat, classification="") if mapped.doc.vat is not None else None
    doc = replace(mapped.doc, invoice_type="issuedAdvanceInvoice", ext_id=advance_key(order.id), vat=vat,
                  text=f"Zálohová faktura k objednávce z e-shopu č. {order.number}", date_tax=None)
    return replace(mapped, doc=doc)


def deductions(advance_number: str, amount: Decimal, lines: tuple[DocLine, ...], *,
               tax_document: bool) -> tuple[AdvanceDeduction, ...]:
    """The deduction of a paid advance of ``amount`` on the final invoice.

    With a tax document the amount is split by the rates of the invoice lines
    (in the order they first appear); whatever is left goes without VAT.
    """
    if not tax_document:
        return (AdvanceDeduction(number=advance_number, amount=amount),)
    by_rate: dict[str, Decimal] = {}
    for line in lines:
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + pohoda_line_total(
            line.quantity, line.unit_price, line.discount_percent)
    out: list[AdvanceDeduction] = []
    left = amount
    for rate, gross in by_rate.items():
        if rate in ("high", "low") and gross > 0 and left > 0:
            part = min(gross, left)
            out.append(AdvanceDeduction(number=advance_number, amount=part, vat_rate=rate))  # type: ignore[arg-type]
            left -= part
    if left > 0:
        out.append(AdvanceDeduction(number=advance_number, amount=left))
    return tuple(out)


def with_deduction(doc: InvoiceDoc, advance_number: str, amount: Decimal, *, tax_document: bool) -> InvoiceDoc:
    """The final invoice ``doc`` deducting the paid advance."""
    return replace(doc, deductions=deductions(advance_number, amount, doc.lines, tax_document=tax_document))
