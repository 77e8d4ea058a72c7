"""The členění DPH of a domestic invoice, from ``[mappings] vat_classification`` (the VAT screen).

POHODA takes one ``classificationVAT`` per invoice header and splits the VAT by rate itself,
so a document whose lines (products, shipping, fees) carry several rates gets the classification
mapped for the highest of them that has one. Nothing mapped → None, and the document goes as before (POHODA's own default).
Foreign regimes (OSS, reverse charge, export) keep their own classification
(:func:`adapter.sync.vat.regime.doc_vat`); this applies only when that gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from adapter.records import DocVat, Order
from adapter.sync.orders.mapping import rate_key


def domestic_vat(order: Order, classification: Mapping[str, str]) -> DocVat | None:
    """``DocVat`` with the mapped členění DPH of the highest rate among the order's lines, or None."""
    if not classification:
        return None
    rates = sorted({line.tax_rate for line in order.lines}, reverse=True) or [Decimal(0)]
    code = next((classification[rate_key(r)] for r in rates if classification.get(rate_key(r))), "")
    return DocVat(classification=code) if code else None
