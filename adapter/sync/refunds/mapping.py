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
* held, never half-built: no issued invoice yet, a refund larger than the
  invoice (with the earlier refunds), a refunded line the invoice does not
  have, a currency other than the order's, a missing rate, an unpaired
  product when goods go back to a warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from adapter.czech import money
from adapter.eshop.refunds import RefundLine, ShopRefund
from adapter.pohoda.credit_notes import CreditNoteDoc, LinkMode, SignMode
from adapter.records import DocLine, Order, OrderLine, VatRate
from adapter.sync.orders.mapping import EXT_SYSTEM, MappingOptions, currency_rate, is_foreign, symbol_variable

ZERO = Decimal(0)
CENT = Decimal("0.01")
NO_INVOICE = "čeká na fakturu"


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


def _vat(percent: Decimal, opts: MappingOptions) -> VatRate | None:
    key = format(percent.normalize(), "f")
    code = opts.vat_rates.get(key) or opts.vat_rates.get(str(int(percent)) if percent == int(percent) else key)
    return code if code in ("none", "low", "high", "third") else None  # type: ignore[return-value]


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


def spread(amount: Decimal, order: Order, opts: MappingOptions, text: str) -> list[DocLine] | None:
    """``amount`` split over the order's VAT rates by the order's gross per rate (None: a rate does not map)."""
    by_rate: dict[VatRate, Decimal] = {}
    for line in order.lines:
        rate = _vat(line.tax_rate, opts)
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


def map_credit_note(refund: ShopRefund, order: Order, opts: MappingOptions, credit: CreditOptions, *,
                    issued: date, invoice_number: str, invoice_total: Decimal | None = None,
                    refunded_before: Decimal = ZERO, codes: Mapping[str, str | None] | None = None) -> CreditMapped:
    """The credit note of one refund (see the module docstring)."""
    problems = problems_of(refund, order, invoice_number=invoice_number, invoice_total=invoice_total,
                           refunded_before=refunded_before)
    rate: tuple[Decimal, int] | None = None
    if not problems and is_foreign(order.currency):
        rate = currency_rate(order, opts)
        if rate is None:
            problems.append(f"Objednávka je v měně {order.currency}, chybí kurz: zadejte jej v nastavení "
                            "[orders] currency_rates.")
    lines: list[DocLine] = []
    for line in refund.lines if not problems else ():
        lines += _credit_lines(line, order, opts, credit, codes or {}, problems)
    if problems:
        return CreditMapped(doc=None, problems=tuple(dict.fromkeys(problems)))
    rest = refund.amount - sum((ln.quantity * ln.unit_price for ln in lines), ZERO)
    if rest:
        text = "Vrácení částky" if not lines else "Vrácení částky nad rámec položek"
        extra = spread(rest, order, opts, text)
        if extra is None:
            return CreditMapped(doc=None, problems=("Sazbu DPH objednávky nelze převést na sazbu POHODY: doplňte "
                                                    "[orders] vat_rates.",))
        lines += extra
    if sum((ln.quantity * ln.unit_price for ln in lines), ZERO) != refund.amount:
        return CreditMapped(doc=None, problems=("Součet dobropisu nesouhlasí s vrácenou částkou (chyba výpočtu).",))
    doc = CreditNoteDoc(
        key=str(refund.id), date=issued, invoice_number=invoice_number, lines=tuple(lines),
        text=credit.text.replace("{number}", order.number), number_order=order.number,
        symbol_variable=symbol_variable(order.number), numbering_series=credit.number_series or None,
        accounting=credit.accounting or None, note=refund.reason.strip(),
        currency=order.currency.upper() if rate else None, rate=rate[0] if rate else None,
        amount=rate[1] if rate else 1, ext_id=f"refund-{refund.id}", ext_system=EXT_SYSTEM,
        link=credit.link_mode, sign=credit.sign_mode,
    )
    return CreditMapped(doc=doc)


def _credit_lines(line: RefundLine, order: Order, opts: MappingOptions, credit: CreditOptions,
                  codes: Mapping[str, str | None], problems: list[str]) -> Sequence[DocLine]:
    matched = match_line(line, order)
    assert matched is not None  # problems_of checked it
    rate = _vat(matched.tax_rate, opts)
    if rate is None:
        problems.append(f"Sazbu DPH {matched.tax_rate} % položky „{line.name}“ nelze převést na sazbu POHODY: "
                        "doplňte [orders] vat_rates.")
        return []
    code: str | None = None
    if credit.return_store and line.kind == "product" and line.quantity > 0:
        code = codes.get(matched.sku)
        if not code:
            problems.append(f"Vrácené zboží „{line.name}“ (SKU {matched.sku or '—'}) nemá párovanou zásobu v POHODĚ, "
                            f"nelze jej naskladnit do skladu {credit.return_store}. Spárujte produkt.")
            return []
    store = credit.return_store if code else None
    return pieces(matched.name if line.kind == "product" else (line.name or matched.name), line.quantity, line.gross,
                  rate, code=code, store=store)
