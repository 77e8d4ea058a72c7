"""Shop refund → POHODA credit note (Dobropis) — pure mapping, no I/O.

The rules (issue 19):

* every refunded line becomes a credit-note line at **its order line's VAT
  rate** (``[orders] vat_rates``), prices with VAT, quantities and prices
  positive here (the builder applies POHODA's sign);
* a line whose refund does not divide into whole haléře per piece is split
  into ``(n − 1)`` pieces and one last piece carrying the rest;
* what the refund's ``amount`` holds beyond its lines (or an amount-only
  refund) is split over the order's VAT rates in proportion to the order's
  gross per rate, the last rate taking the rest — so **the credit note's total
  equals the refund's amount to the haléř**, always (checked before building);
* the VAT regime is the invoice's (issue 21): :func:`~adapter.sync.vat.regime.regime_for_order`
  decides domestic / OSS / reverse charge / export exactly as for the order
  and its invoice, each line's rate comes from
  :func:`~adapter.sync.vat.regime.line_rate` (OSS: the customer country's
  rates), and the header carries the same ``classificationVAT``, ``MOSS``,
  evidence and reverse-charge note (:func:`~adapter.sync.vat.regime.doc_vat`);
* a foreign-currency credit note is written in the order's currency at **the
  rate of the invoice it corrects** (``invoice_rate``; Czech VAT law converts
  a correction at the original supply's rate), the total equal to the refund
  in that currency;
* held, never half-built: no issued invoice yet, a refund larger than the
  invoice (with the earlier refunds), a refunded line the invoice does not
  have, a currency other than the order's, a missing rate, an unpaired
  product when goods go back to a warehouse.

Reading chosen for OSS (confidence: medium): ``accountingPeriodMOSS`` of a
credit note is the period of the credit note's own date — the period whose OSS
return carries the correction — not the invoice's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from adapter.czech import money
from adapter.eshop.refunds import RefundLine, ShopRefund
from adapter.pohoda.credit_notes import CreditNoteDoc, LinkMode, SignMode
from adapter.records import DocLine, DocVat, Order, OrderLine, VatRate
from adapter.sync.orders.mapping import (
    EXT_SYSTEM,
    MappingOptions,
    currency_rate,
    is_foreign,
    rate_key,
    symbol_variable,
    vat_code,
)
from adapter.sync.vat.regime import Regime, accounting_period, doc_vat, line_rate, regime_for_order

ZERO = Decimal(0)
CENT = Decimal("0.01")
NO_INVOICE = "čeká na fakturu"
#: POHODA's rate codes in the preview's words
RATE_NAMES: dict[str, str] = {"high": "základní", "low": "snížená", "third": "druhá snížená", "none": "bez DPH"}


@dataclass(frozen=True, slots=True)
class CreditOptions:
    """What ``[refunds]`` (and ``[orders]``) say about credit notes."""

    number_series: str = ""
    accounting: str = ""
    text: str = "Dobropis k objednávce z e-shopu č. {number}"
    return_store: str = ""
    link_mode: LinkMode = "corrective"
    sign_mode: SignMode = "quantity"


@dataclass(frozen=True, slots=True)
class CreditMapped:
    """A credit note for one refund, or the Czech reasons holding it."""

    doc: CreditNoteDoc | None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    regime: str = ""  #: the VAT regime and why, for the preview (Czech)
    rates: tuple[str, ...] = ()  #: per line: the rate it got and why, for the preview (Czech)


def regime_of(order: Order, opts: MappingOptions) -> Regime | None:
    """The order's VAT regime, as its received order and invoice got it (None: no ``[vat]`` decision)."""
    return regime_for_order(order, opts.vat) if opts.vat is not None else None


def line_vat(percent: Decimal, opts: MappingOptions, regime: Regime | None) -> tuple[VatRate | None, str, str]:
    """(POHODA rate code, why, problem) of a line the shop taxed at ``percent``, in the order's regime."""
    domestic = vat_code(percent, opts.vat_rates)
    if regime is not None and regime.kind != "domestic" and opts.vat is not None:
        chosen = line_rate(regime, percent, domestic, opts.vat)
        return (None if chosen.problem else chosen.code), chosen.reason, chosen.problem
    if domestic is None:
        return None, "", (f"Sazbu DPH {rate_key(percent)} % nelze převést na sazbu POHODY: doplňte "
                          "[orders] vat_rates.")
    return domestic, "", ""


def match_line(line: RefundLine, order: Order) -> OrderLine | None:
    """The order line a refunded line gives back (by product, shipping method or fee name)."""
    for candidate in order.lines:
        if line.kind == "product" and candidate.kind == "product":
            if line.variation_id and candidate.variation_id == line.variation_id:
                return candidate
            if not line.variation_id and line.product_id and candidate.product_id == line.product_id:
                return candidate
            if line.sku and candidate.sku == line.sku and not (line.product_id or line.variation_id):
                return candidate
        elif line.kind == "shipping" and candidate.kind == "shipping":
            if not line.method_id or candidate.method_id == line.method_id:
                return candidate
        elif line.kind == "fee" and candidate.kind == "fee" and candidate.name == line.name:
            return candidate
    return None


def pieces(text: str, quantity: Decimal, gross: Decimal, rate: VatRate, *, code: str | None,
           store: str | None) -> list[DocLine]:
    """``quantity`` pieces worth ``gross`` together, in whole haléře per piece (split when it does not divide)."""
    if quantity <= 0 or quantity != quantity.to_integral_value():
        return [DocLine(text, Decimal(1), gross, rate, stock_code=None)]
    unit = (gross / quantity).quantize(CENT, rounding=ROUND_DOWN)
    if unit * quantity == gross:
        return [DocLine(text, quantity, unit, rate, stock_code=code, store=store)]
    rest = gross - unit * (quantity - 1)
    out = [DocLine(text, quantity - 1, unit, rate, stock_code=code, store=store)] if quantity > 1 else []
    return [*out, DocLine(text, Decimal(1), rest, rate, stock_code=code, store=store)]


def spread(amount: Decimal, order: Order, opts: MappingOptions, text: str,
           regime: Regime | None = None) -> list[DocLine] | None:
    """``amount`` split over the order's VAT rates by the order's gross per rate (None: a rate does not map)."""
    by_rate: dict[VatRate, Decimal] = {}
    for line in order.lines:
        rate = line_vat(line.tax_rate, opts, regime)[0]
        if rate is None:
            return None
        by_rate[rate] = by_rate.get(rate, ZERO) + line.total + line.total_tax
    positive = {r: g for r, g in by_rate.items() if g > 0}
    if not positive:
        return [DocLine(text, Decimal(1), amount, "none")]
    whole = sum(positive.values(), ZERO)
    rates = sorted(positive, key=lambda r: positive[r])
    out: list[DocLine] = []
    left = amount
    for rate in rates[:-1]:
        part = (amount * positive[rate] / whole).quantize(CENT)
        if part:
            out.append(DocLine(text, Decimal(1), part, rate))
            left -= part
    if left:
        out.append(DocLine(text, Decimal(1), left, rates[-1]))
    return out


def problems_of(refund: ShopRefund, order: Order, *, invoice_number: str, invoice_total: Decimal | None,
                refunded_before: Decimal) -> list[str]:
    """The Czech reasons a refund cannot become a credit note now (empty: it can)."""
    if not invoice_number:
        return [f"Dobropis {NO_INVOICE}: objednávka {order.number} ještě nemá v POHODĚ vydanou fakturu (agenda "
                "Vydané faktury je vypnutá nebo faktura ještě nebyla odeslána). Odešle se sám, až faktura vznikne."]
    found: list[str] = []
    if refund.currency and order.currency and refund.currency != order.currency.upper():
        found.append(f"Vrácení je v měně {refund.currency}, objednávka a faktura {invoice_number} v měně "
                     f"{order.currency}. Dobropis v jiné měně POHODA k faktuře nepřijme; vystavte jej ručně.")
    total = invoice_total if invoice_total is not None else order.total
    if refunded_before + refund.amount > total:
        found.append(f"Vrácená částka {money(refund.amount, order.currency)} (s dřívějšími vráceními "
                     f"{money(refunded_before + refund.amount, order.currency)}) převyšuje fakturu {invoice_number} "
                     f"({money(total, order.currency)}). Opravte vrácení v e-shopu.")
    for line in refund.lines:
        matched = match_line(line, order)
        if matched is None:
            found.append(f"Vrácená položka „{line.name}“ na faktuře {invoice_number} není. Opravte vrácení v e-shopu "
                         "nebo vystavte dobropis ručně.")
        elif line.kind == "product" and line.quantity > matched.quantity:
            found.append(f"Vráceno {line.quantity} ks položky „{line.name}“, na faktuře {invoice_number} je jen "
                         f"{matched.quantity} ks.")
    return found


def credit_rate(order: Order, opts: MappingOptions, invoice_rate: tuple[Decimal, int] | None,
                problems: list[str]) -> tuple[Decimal, int] | None:
    """The rate of a foreign-currency credit note: the corrected invoice's, else the order's (None: home currency)."""
    if problems or not is_foreign(order.currency):
        return None
    rate = invoice_rate or currency_rate(order, opts)
    if rate is None:
        problems.append(f"Objednávka je v měně {order.currency}, chybí kurz: zadejte jej v nastavení "
                        "[orders] currency_rates.")
    return rate


def map_credit_note(refund: ShopRefund, order: Order, opts: MappingOptions, credit: CreditOptions, *,
                    issued: date, invoice_number: str, invoice_total: Decimal | None = None,
                    refunded_before: Decimal = ZERO, codes: Mapping[str, str | None] | None = None,
                    invoice_rate: tuple[Decimal, int] | None = None, invoice_date: date | None = None) -> CreditMapped:
    """The credit note of one refund (see the module docstring)."""
    problems = problems_of(refund, order, invoice_number=invoice_number, invoice_total=invoice_total,
                           refunded_before=refunded_before)
    regime = regime_of(order, opts)
    rate = credit_rate(order, opts, invoice_rate, problems)
    lines: list[DocLine] = []
    notes: list[str] = []
    for line in refund.lines if not problems else ():
        lines += _credit_lines(line, order, opts, credit, codes or {}, problems, regime, notes)
    if problems:
        return CreditMapped(doc=None, problems=tuple(dict.fromkeys(problems)))
    rest = refund.amount - sum((ln.quantity * ln.unit_price for ln in lines), ZERO)
    if rest:
        text = "Vrácení částky" if not lines else "Vrácení částky nad rámec položek"
        extra = spread(rest, order, opts, text, regime)
        if extra is None:
            return CreditMapped(doc=None, problems=("Sazbu DPH objednávky nelze převést na sazbu POHODY: doplňte "
                                                    "[orders] vat_rates (nebo [vat] rates pro zemi zákazníka).",))
        lines += extra
        notes += [f"{ln.text}: sazba {RATE_NAMES[ln.vat_rate]} (podle podílu sazeb objednávky)" for ln in extra]
    if sum((ln.quantity * ln.unit_price for ln in lines), ZERO) != refund.amount:
        return CreditMapped(doc=None, problems=("Součet dobropisu nesouhlasí s vrácenou částkou (chyba výpočtu).",))
    vat = doc_vat(regime, order, issued, opts.vat) if regime is not None and opts.vat is not None else None
    doc = CreditNoteDoc(
        key=str(refund.id), date=issued, invoice_number=invoice_number, lines=tuple(lines),
        text=credit.text.replace("{number}", order.number), number_order=order.number,
        symbol_variable=symbol_variable(order.number), numbering_series=credit.number_series or None,
        accounting=credit.accounting or None, note=refund.reason.strip(),
        currency=order.currency.upper() if rate else None, rate=rate[0] if rate else None,
        amount=rate[1] if rate else 1, ext_id=f"refund-{refund.id}", ext_system=EXT_SYSTEM,
        link=credit.link_mode, sign=credit.sign_mode, vat=vat, original_tax_date=invoice_date,
        oss_correction=oss_correction(vat, invoice_date, issued, opts),
    )
    return CreditMapped(doc=doc, warnings=regime.warnings if regime is not None else (), rates=tuple(notes),
                        regime=f"{regime.label}: {regime.reason}" if regime is not None else "tuzemsko")


def oss_correction(vat: DocVat | None, invoice_date: date | None, issued: date, opts: MappingOptions) -> bool:
    """True for an OSS credit note correcting an invoice of an earlier OSS period (``correctionMOSS``)."""
    if vat is None or not vat.moss_country or invoice_date is None or opts.vat is None:
        return False
    style = opts.vat.period_style
    return accounting_period(invoice_date, style) != accounting_period(issued, style)


def _credit_lines(line: RefundLine, order: Order, opts: MappingOptions, credit: CreditOptions,
                  codes: Mapping[str, str | None], problems: list[str], regime: Regime | None,
                  notes: list[str]) -> Sequence[DocLine]:
    matched = match_line(line, order)
    assert matched is not None  # problems_of checked it
    rate, reason, problem = line_vat(matched.tax_rate, opts, regime)
    if rate is None:
        problems.append(f"Položka „{line.name}“: {problem}")
        return []
    code: str | None = None
    if credit.return_store and line.kind == "product" and line.quantity > 0:
        code = codes.get(matched.sku)
        if not code:
            problems.append(f"Vrácené zboží „{line.name}“ (SKU {matched.sku or '—'}) nemá párovanou zásobu v POHODĚ, "
                            f"nelze jej naskladnit do skladu {credit.return_store}. Spárujte produkt.")
            return []
    store = credit.return_store if code else None
    notes.append(f"{line.name or matched.name}: sazba {RATE_NAMES[rate]}" + (f" — {reason}" if reason else ""))
    return pieces(matched.name if line.kind == "product" else (line.name or matched.name), line.quantity, line.gross,
                  rate, code=code, store=store)
