"""Which orders get an advance invoice, the advance invoice itself, and the deduction on the final one — pure.

* An order paid by one of ``[advances] payment_methods`` (bank transfer,
  ``bacs``, by default) gets an **advance invoice** once it is transferred to
  POHODA: the order's lines as text lines, ``invoiceType`` issuedAdvanceInvoice,
  extId ``adv-<order id>`` (the final invoice keeps the order id).
* Once the advance is paid (the payments agenda marked the shop order paid),
  the **final invoice** deducts it whole: one ``invoiceAdvancePaymentItem``
  naming the advance's number. With ``[advances] tax_document`` the deduction
  carries the VAT of the order's lines per rate — the same rate codes and
  percents (OSS: the customer country's) and POHODA's per-line split, so the
  final invoice nets to zero per rate (the tax document for the received
  payment already taxed it); without, it is a deduction without VAT.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

from adapter.config.eu import AdvancesSettings
from adapter.records import AdvanceDeduction, DocLine, InvoiceDoc, Order, VatRate
from adapter.sync.invoices.mapping import InvoiceMapped, map_invoice
from adapter.sync.orders.mapping import MappingOptions, money, pohoda_line_total
from adapter.sync.vat.regime import country_rates, regime_for_order

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


def rate_percents(order: Order, opts: MappingOptions) -> dict[VatRate, Decimal]:
    """Rate code → percent of the order's documents, as POHODA reads the codes.

    OSS: the customer country's standard / reduced / second reduced rates (the
    ``[vat] rates`` table, the same the lines were given); otherwise the home
    country's (21 / 12 % when the table lacks it). ``none`` is 0 %.
    """
    policy = opts.vat
    regime = regime_for_order(order, policy) if policy is not None else None
    country = regime.country if regime is not None and regime.kind == "oss" else (
        policy.home_country if policy is not None else "CZ")
    rates = (country_rates(policy, country) if policy is not None else None) or (Decimal(21), (Decimal(12),))
    standard, reduced = rates
    codes: tuple[VatRate, ...] = ("low", "third")
    return {"none": Decimal(0), "high": standard, **dict(zip(codes, reduced, strict=False))}


def _base(gross: Decimal, percent: Decimal) -> Decimal:
    """The price without VAT POHODA computes for one ``payVAT`` item of ``gross``."""
    return money(gross / (1 + percent / 100))


def deductions(advance_number: str, amount: Decimal, lines: tuple[DocLine, ...], *, tax_document: bool,
               percents: Mapping[VatRate, Decimal] | None = None) -> tuple[AdvanceDeduction, ...]:
    """The deduction of a paid advance of ``amount`` on the final invoice.

    With a tax document the amount is split by the rates of the invoice lines
    (in the order they first appear; ``percents`` of the document's regime),
    each part carrying the base and VAT of the lines it deducts — the sum of
    POHODA's per-line split, so a fully prepaid invoice nets to zero per rate.
    Fully prepaid, every rate is deducted whole, a negative one (a rounding
    line) too, as the tax document holds it; otherwise the positive rates in
    turn and whatever is left without VAT.
    """
    if not tax_document:
        return (AdvanceDeduction(number=advance_number, amount=amount),)
    table = percents if percents is not None else {"none": Decimal(0), "low": Decimal(12), "high": Decimal(21)}
    by_rate: dict[VatRate, tuple[Decimal, Decimal]] = {}
    for line in lines:
        rate: VatRate = line.vat_rate if line.vat_rate in table else "none"
        gross = pohoda_line_total(line.quantity, line.unit_price, line.discount_percent)
        total, base = by_rate.get(rate, (Decimal(0), Decimal(0)))
        by_rate[rate] = (total + gross, base + _base(gross, table[rate]))
    if amount == sum((gross for gross, _base_sum in by_rate.values()), Decimal(0)):  # fully prepaid: each rate whole
        return tuple(AdvanceDeduction(number=advance_number, amount=gross, vat_rate=rate,
                                      base=None if rate == "none" else base)
                     for rate, (gross, base) in by_rate.items() if gross)
    out: list[AdvanceDeduction] = []
    left = amount
    for rate, (gross, base) in by_rate.items():
        if rate != "none" and gross > 0 and left > 0:
            part = min(gross, left)
            out.append(AdvanceDeduction(number=advance_number, amount=part, vat_rate=rate,
                                        base=base if part == gross else _base(part, table[rate])))
            left -= part
    if left > 0:
        out.append(AdvanceDeduction(number=advance_number, amount=left))
    return tuple(out)


def with_deduction(doc: InvoiceDoc, advance_number: str, amount: Decimal, *, tax_document: bool,
                   percents: Mapping[VatRate, Decimal] | None = None) -> InvoiceDoc:
    """The final invoice ``doc`` deducting the paid advance (``percents``: :func:`rate_percents` of its order)."""
    return replace(doc, deductions=deductions(advance_number, amount, doc.lines, tax_document=tax_document,
                                              percents=percents))
