"""What a credit note takes over from the invoice it corrects: its number, total, rate and tax date.

The rate and the tax date are read from the XML the adapter sent (kept in the
ledger): a stand-alone invoice's own ``inv:invoiceSummary/inv:foreignCurrency``
and ``inv:dateTax``; a linked invoice is built by POHODA from the received
order, so its rate is the order's (``ord:orderSummary/ord:foreignCurrency``).
Nothing found (an old row, a home-currency invoice) → None, and the mapping
falls back to the order's own rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from adapter import ledger
from adapter.pohoda.envelope import NS


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """The corrected invoice as the ledger knows it (number "" = no issued invoice yet)."""

    number: str = ""
    total: Decimal | None = None  #: the order total the invoice was issued for
    rate: tuple[Decimal, int] | None = None  #: (rate, amount) of a foreign-currency invoice
    tax_date: date | None = None


def _tree(xml: str | None) -> etree._Element | None:
    if not xml:
        return None
    try:
        return etree.fromstring(xml.encode("cp1250", errors="xmlcharrefreplace"))
    except (etree.XMLSyntaxError, ValueError):
        return None


def _rate(tree: etree._Element | None, path: str) -> tuple[Decimal, int] | None:
    node = tree.find(path, NS) if tree is not None else None
    if node is None:
        return None
    try:
        rate = Decimal(node.findtext("typ:rate", "", NS).strip())
        amount = int(node.findtext("typ:amount", "1", NS).strip() or "1")
    except (InvalidOperation, ValueError):
        return None
    return (rate, amount) if rate > 0 and amount > 0 else None


def _date(tree: etree._Element | None) -> date | None:
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


def _total(invoice: ledger.Entry) -> Decimal | None:
    if not invoice.eshop_data:
        return None
    total = json.loads(invoice.eshop_data).get("total")
    return Decimal(str(total)) if total is not None else None


def invoice_facts(invoice: ledger.Entry | None, received: ledger.Entry | None) -> InvoiceFacts:
    """The facts of an order's issued invoice (``invoice``: its invoices-ledger row; ``received``: the order's)."""
    if invoice is None or invoice.state != "ok":
        return InvoiceFacts()
    tree = _tree(invoice.sent_xml)
    rate = _rate(tree, ".//inv:invoiceSummary/inv:foreignCurrency")
    if rate is None and received is not None:
        rate = _rate(_tree(received.sent_xml), ".//ord:orderSummary/ord:foreignCurrency")
    return InvoiceFacts(number=invoice.pohoda_number, total=_total(invoice), rate=rate, tax_date=_date(tree))
