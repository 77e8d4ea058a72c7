"""What a credit note takes over from the invoice it corrects: its number, total, rate and tax date.

The rate and the tax date are read (in :mod:`adapter.pohoda.invoices`) from the XML the adapter sent (kept in
the ledger): a stand-alone invoice's own ``inv:invoiceSummary/inv:foreignCurrency``
and ``inv:dateTax``; a linked invoice is built by POHODA from the received
order, so its rate is the order's (``ord:orderSummary/ord:foreignCurrency``).
Nothing found (an old row, a home-currency invoice) → None, and the mapping
falls back to the order's own rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from adapter import ledger
from adapter.pohoda.invoices import sent_invoice_rate_and_tax_date, sent_order_rate


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """The corrected invoice as the ledger knows it (number "" = no issued invoice yet)."""

    number: str = ""
    total: Decimal | None = None  #: the order total the invoice was issued for
    rate: tuple[Decimal, int] | None = None  #: (rate, amount) of a foreign-currency invoice
    tax_date: date | None = None


def _total(invoice: ledger.Entry) -> Decimal | None:
    if not invoice.eshop_data:
        return None
    total = json.loads(invoice.eshop_data).get("total")
    return Decimal(str(total)) if total is not None else None


def invoice_facts(invoice: ledger.Entry | None, received: ledger.Entry | None) -> InvoiceFacts:
    """The facts of an order's issued invoice (``invoice``: its invoices-ledger row; ``received``: the order's)."""
    if invoice is None or invoice.state != "ok":
        return InvoiceFacts()
    rate, tax_date = sent_invoice_rate_and_tax_date(invoice.sent_xml)
    if rate is None and received is not None:
        rate = sent_order_rate(received.sent_xml)
    return InvoiceFacts(number=invoice.pohoda_number, total=_total(invoice), rate=rate, tax_date=tax_date)
