"""E-shop order → POHODA issued invoice (Vydané faktury) — pure mapping.

Linked to the transferred received order (POHODA copies it and issues the
goods from stock), or stand-alone with the order's lines as text lines. The
lines, VAT, rate and rounding rules are those of :mod:`adapter.sync.orders.mapping`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from adapter.mappings.vat import domestic_vat
from adapter.records import ZERO, Address, InvoiceDoc, Order
from adapter.sync.orders.mapping import (
    MappingOptions,
    Problem,
    balance,
    build_lines,
    currency_rate,
    document_total,
    is_foreign,
    local_date,
    method_warnings,
    pohoda_address,
    rate_problem,
    symbol_variable,
)
from adapter.sync.vat.regime import doc_vat, regime_for_order


@dataclass(frozen=True, slots=True)
class InvoiceMapped:
    """An issued invoice for one order, or the problems holding it."""

    doc: InvoiceDoc | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    shop_total: Decimal = ZERO
    doc_total: Decimal | None = None  #: None for linked invoices (POHODA copies the order)


def map_invoice(
    order: Order,
    opts: MappingOptions,
    *,
    issued: date,
    due_days: int,
    link_number: str | None = None,
    link_id: int | None = None,
    series: str | None = None,
) -> InvoiceMapped:
    """An issued invoice: linked to the transferred received order, or stand-alone with text lines."""
    payment, _carrier, warnings = method_warnings(order, opts)
    regime = regime_for_order(order, opts.vat) if opts.vat is not None else None
    common: dict[str, Any] = {
        "key": str(order.id),
        "date": issued,
        "date_tax": issued,
        "date_due": date.fromordinal(issued.toordinal() + due_days),
        "number_order": order.number,
        "date_order": local_date(order.created),
        "symbol_variable": symbol_variable(order.number),
        "text": f"Faktura k objednávce z e-shopu č. {order.number}",
        "note": order.customer_note.strip(),
        "payment_type": payment,
        "ext_id": str(order.id),
        "ext_system": opts.ext_system,
        "numbering_series": series or None,
        "vat": (doc_vat(regime, order, issued, opts.vat) if regime is not None and opts.vat is not None else None)
        or domestic_vat(order, opts.vat_classification),
    }
    if link_number or link_id is not None:
        doc = InvoiceDoc(partner=Address(), link_order_number=link_number, link_order_id=link_id, **common)
        return InvoiceMapped(doc=doc, warnings=tuple(warnings), shop_total=order.total)
    lines, _views, problems = build_lines(order, {}, opts, stock_links=False, regime=regime)
    rate: tuple[Decimal, int] | None = None
    if is_foreign(order.currency):
        rate = currency_rate(order, opts, issued)
        if rate is None:
            problems.append(rate_problem(order.currency))
    lines, _rounding, gap = balance(order, lines)
    if gap is not None:
        problems.append(gap)
    if problems:
        return InvoiceMapped(doc=None, problems=tuple(problems), warnings=tuple(warnings), shop_total=order.total,
                             doc_total=document_total(lines))
    doc = InvoiceDoc(partner=pohoda_address(order.billing), lines=tuple(lines), prices_include_vat=True,
                     currency=order.currency.upper() if rate else None, rate=rate[0] if rate else None,
                     amount=rate[1] if rate else 1, **common)
    return InvoiceMapped(doc=doc, warnings=tuple(warnings), shop_total=order.total, doc_total=document_total(lines))
