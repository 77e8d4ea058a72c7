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
none) when no tax document was issued for the payment; with the rate code
and ``payVAT`` true when one was, so POHODA splits base and VAT itself.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from adapter.pohoda.envelope import NS, Fields, boolean, num, sub
from adapter.records import AdvanceDeduction

ADVANCE_TYPE = "issuedAdvanceInvoice"
_PERCENT = {"low": Decimal(12), "high": Decimal(21)}  #: the home rates a VAT-carrying deduction can have


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def deduction_items(invoice: etree._Element, deductions: tuple[AdvanceDeduction, ...], *, foreign: bool,
                    f: Fields) -> None:
    """Append one ``inv:invoiceAdvancePaymentItem`` per deducted advance to ``inv:invoiceDetail``."""
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
        pay_vat = deduction.vat_rate in _PERCENT
        sub(item, "inv:payVAT", boolean(pay_vat))
        sub(item, "inv:rateVAT", deduction.vat_rate)
        gross = -deduction.amount
        base = _money(gross / (1 + _PERCENT[deduction.vat_rate] / 100)) if pay_vat else gross
        price = sub(item, "inv:foreignCurrency" if foreign else "inv:homeCurrency")
        sub(price, "typ:unitPrice", num(gross if pay_vat else base))
        sub(price, "typ:price", num(base))
        sub(price, "typ:priceVAT", num(gross - base))
        sub(price, "typ:priceSum", num(gross))
        f.text(item, "inv:note", deduction.text, f"odpočet {index}.note", "string90")
