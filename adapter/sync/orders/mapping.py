"""E-shop order → POHODA received order (Přijaté objednávky) / issued invoice lines — pure mapping.

Everything here is a pure function over :mod:`adapter.records`: no I/O, no
clock. The job (:mod:`adapter.sync.orders.job`) gathers the facts (pairing
codes, :func:`mapping_options` from the settings) and calls :func:`map_order`.
Issued invoices are mapped in :mod:`adapter.sync.invoices.mapping` from the
same lines; the order snapshot and its hash live in :mod:`adapter.sync.documents`.

The money rule. POHODA computes a line with ``payVAT=true`` as
``round(quantity × unit price, 2)`` (haléře, half up) and the document total
as the sum of its lines. We send every line with its unit price *including*
VAT rounded to haléře, so each POHODA line total is known exactly in
advance (:func:`pohoda_line_total`). Whatever the shop's own rounding left
over is added as one text line „Zaokrouhlení“ without VAT, so **the POHODA
document total equals the e-shop total to the haléř** — in the order's own
currency (for a foreign currency POHODA sums the foreign line totals the same
way). A difference larger than line rounding can explain means the shop total
contains something the lines do not (e.g. a refund) and the order is held.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

from adapter import czech
from adapter.records import ZERO, Address, DocLine, Order, OrderDoc, OrderLine, VatRate
from adapter.sync.vat.regime import Regime, VatPolicy, doc_vat, line_rate, policy_from, regime_for_order
from adapter.sync.warehouses import CardStores, choose_store

if TYPE_CHECKING:
    from adapter.config import Settings

CENT = Decimal("0.01")
EXT_SYSTEM = "WooCommerce"
ROUNDING_TEXT = "Zaokrouhlení"
HOME_CURRENCY = "CZK"

ProblemKind = Literal["unpaired", "vat", "rate", "total", "multi_store", "store", "empty", "unmapped"]


def money(value: Decimal) -> Decimal:
    """Round to haléře, half up (POHODA's and WooCommerce's rule)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pohoda_line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal | None = None) -> Decimal:
    """What POHODA computes for one ``payVAT=true`` line: round(q × unit × (1 − discount), 2)."""
    gross = quantity * unit_price
    if discount_percent:
        gross = gross * (1 - discount_percent / 100)
    return money(gross)


def document_total(lines: Sequence[DocLine]) -> Decimal:
    """The document total POHODA will compute for lines sent with VAT included."""
    return sum((pohoda_line_total(line.quantity, line.unit_price, line.discount_percent) for line in lines), ZERO)


# --------------------------------------------------------------------------- options and results


@dataclass(frozen=True, slots=True)
class MappingOptions:
    """What the mapping needs from ``[orders]`` (and ``[invoices]``) settings."""

    vat_rates: Mapping[str, str] = field(default_factory=lambda: {"21": "high", "12": "low", "0": "none"})
    payment_map: Mapping[str, str] = field(default_factory=dict)
    carrier_map: Mapping[str, str] = field(default_factory=dict)
    store: str = ""
    reserve_stock: bool = False
    numbering: str = "pohoda"
    numbering_series: str = ""
    currency_rates: Mapping[str, str] = field(default_factory=dict)
    rate_meta_key: str = ""
    ext_system: str = EXT_SYSTEM
    vat: VatPolicy | None = None  #: ``[vat]``; None = every order domestic (no regime decision)
    #: ``[mappings] vat_classification``: shop rate → členění DPH of a domestic invoice (issue 23)
    vat_classification: Mapping[str, str] = field(default_factory=dict)
    #: ``[currency]``: (currency, document date) → (CZK rate, amount) — ČNB or fixed; None = only the fields above
    rate_lookup: Callable[[str, date], tuple[Decimal, int] | None] | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an order cannot go to POHODA now (it is held with this reason)."""

    kind: ProblemKind
    message: str  #: Czech, for the ledger and the dashboard
    sku: str = ""


@dataclass(frozen=True, slots=True)
class LineView:
    """One shop line next to what it becomes in POHODA (for the preview page)."""

    kind: str
    name: str
    sku: str
    quantity: Decimal
    shop_total: Decimal  #: the shop's line total with VAT (before coupons for products)
    code: str | None  #: paired POHODA stock code (products)
    vat_rate: str  #: POHODA rate code or "" when unmapped
    unit_price: Decimal  #: unit price with VAT as sent
    pohoda_total: Decimal  #: what POHODA computes for the line
    vat_reason: str = ""  #: why the line got its rate (non-domestic regimes)
    store: str | None = None  #: the warehouse the line goes out of (None: the card's own / not a stock line)


@dataclass(frozen=True, slots=True)
class Mapped:
    """The result of mapping one order: a document, or the problems holding it."""

    doc: OrderDoc | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    lines: tuple[LineView, ...] = ()
    shop_total: Decimal = ZERO
    doc_total: Decimal = ZERO  #: POHODA's computed total in the order currency (incl. rounding)
    rounding: Decimal = ZERO
    currency: str = HOME_CURRENCY
    regime: Regime | None = None  #: the VAT regime decided (None = domestic without a decision)

    @property
    def ok(self) -> bool:
        """True when the order can be sent."""
        return self.doc is not None and not self.problems

    @property
    def blocking_skus(self) -> tuple[str, ...]:
        """The SKUs that hold the order: without a POHODA stock card, or in several warehouses."""
        return tuple(dict.fromkeys(p.sku for p in self.problems if p.kind in ("unpaired", "multi_store") and p.sku))

    def reason(self) -> str:
        """All problems as one Czech sentence list."""
        return " ".join(p.message for p in self.problems)


# --------------------------------------------------------------------------- small helpers


def rate_key(percent: Decimal) -> str:
    """A tax percent as the key of ``vat_rates``: ``Decimal("21.0")`` → ``"21"``."""
    value = percent.normalize()
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def vat_code(percent: Decimal, vat_rates: Mapping[str, str]) -> VatRate | None:
    """The POHODA rate code for a shop percent, or None when unmapped."""
    key = rate_key(percent)
    for k, v in vat_rates.items():
        percent_k = _dec(k)
        if percent_k is not None and rate_key(percent_k) == key and v in ("none", "low", "high", "third"):
            return v  # type: ignore[return-value]
    return None


def _dec(text: str | None) -> Decimal | None:
    try:
        value = Decimal(str(text).strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_rate(text: str | None) -> tuple[Decimal, int] | None:
    """A rate setting: ``"25.30"`` → (25.30, 1); ``"6.45/100"`` → (6.45, 100); bad/empty → None."""
    if not text or not str(text).strip():
        return None
    value, _, amount = str(text).partition("/")
    rate = _dec(value)
    try:
        units = int(amount.strip()) if amount.strip() else 1
    except ValueError:
        return None
    if rate is None or rate <= 0 or units <= 0:
        return None
    return rate, units


def currency_rate(order: Order, opts: MappingOptions, day: date | None = None) -> tuple[Decimal, int] | None:
    """The CZK rate of a foreign-currency order: order meta, ``[orders]`` fixed rate, then ``[currency]`` for ``day``."""
    if opts.rate_meta_key:
        found = parse_rate(order.meta_value(opts.rate_meta_key))
        if found is not None:
            return found
    for cur, text in opts.currency_rates.items():
        if cur.strip().upper() == order.currency.upper():
            return parse_rate(text)
    if opts.rate_lookup is not None:
        return opts.rate_lookup(order.currency.upper(), day or local_date(order.created))
    return None


def rate_problem(currency: str) -> Problem:
    """The hold reason of a foreign-currency document without a rate."""
    return Problem("rate", f"Objednávka je v měně {currency}, chybí kurz (kurz ČNB není k dispozici): zadejte "
                           "pevný kurz v Nastavení › DPH, měny a zálohy › Pevné kurzy, nebo v Nastavení › Přijaté objednávky › "
                           "Kurzy cizích měn (nebo Kurz z objednávky).")


def symbol_variable(number: str) -> str:
    """Variable symbol from an order number: its digits, at most 10 (Czech bank limit)."""
    return re.sub(r"\D", "", number)[-10:]


def local_date(moment: datetime) -> date:
    """The calendar date of a moment in its own zone: the connector gives order dates in the shop's
    time zone, so an order placed at 00:30 in Prague is dated that day even on a PC set to UTC."""
    return moment.date()


def is_foreign(currency: str) -> bool:
    """True for a currency other than CZK."""
    return bool(currency) and currency.upper() != HOME_CURRENCY


def pohoda_address(a: Address) -> Address:
    """A shop address as POHODA's partner: IČO/DIČ without spaces."""
    return Address(company=a.company.strip(), name=a.name.strip(), street=a.street.strip(), city=a.city.strip(),
                   zip=a.zip.strip(), country=a.country.strip().upper(), email=a.email.strip(),
                   phone=a.phone.strip(), ico=a.ico.replace(" ", ""), dic=a.dic.replace(" ", "").upper())


def ship_to(order: Order) -> Address | None:
    """The delivery address when it is filled in and differs from billing (contacts from billing)."""
    s = order.shipping
    if s.is_empty() or not (s.street or s.city):
        return None
    addr = pohoda_address(Address(company=s.company, name=s.name, street=s.street, city=s.city, zip=s.zip,
                                  country=s.country, email=s.email or order.billing.email,
                                  phone=s.phone or order.billing.phone))
    billing = pohoda_address(order.billing)
    same = (addr.company, addr.name, addr.street, addr.city, addr.zip) == (
        billing.company, billing.name, billing.street, billing.city, billing.zip)
    return None if same else addr


# --------------------------------------------------------------------------- lines


def _line_gross(line: OrderLine) -> Decimal:
    """The shop's gross amount of a line (products: before coupons; the rest: as charged)."""
    if line.kind == "product":
        return money(line.unit_price_incl * line.quantity)
    return money(line.total + line.total_tax)


def _unit_price(line: OrderLine) -> tuple[Decimal, Decimal]:
    """(quantity, unit price with VAT rounded to haléře) to send for a line."""
    if line.kind == "product":
        quantity = line.quantity
        unit = money(line.unit_price_incl) if quantity else ZERO
        return quantity, unit
    return Decimal(1), _line_gross(line)


def _line_text(line: OrderLine) -> str:
    name = line.name.strip()
    if line.kind == "shipping":
        return f"Doprava: {name}" if name else "Doprava"
    if line.kind == "fee":
        return name or "Poplatek"
    if line.kind == "discount":
        return name or "Sleva"
    return name or line.sku or "Položka"


def _line_vat(line: OrderLine, opts: MappingOptions, regime: Regime | None,
              problems: list[Problem]) -> tuple[VatRate | None, str]:
    """The POHODA rate code of one line and why (the VAT regime's choice outside domestic sales)."""
    vat = vat_code(line.tax_rate, opts.vat_rates)
    reason = ""
    if regime is not None and regime.kind != "domestic" and opts.vat is not None:
        chosen = line_rate(regime, line.tax_rate, vat, opts.vat)
        vat, reason = chosen.code, chosen.reason
        if chosen.problem:
            problems.append(Problem("vat", chosen.problem))
    if vat is None:
        problems.append(Problem("vat", f"Sazba DPH {rate_key(line.tax_rate)} % (řádek „{line.name}“) nemá "
                                       "v Nastavení › Přijaté objednávky › Sazby DPH přiřazenou sazbu POHODY."))
    return vat, reason


def _pairing_problem(line: OrderLine, code: str | None) -> Problem | None:
    """Why a product line cannot become a stock line of POHODA's order (None: it can; the warehouse is
    decided apart, by :func:`~adapter.sync.warehouses.choose_store`)."""
    sku = line.sku.strip()
    if not sku:
        return Problem("unpaired", f"Produkt „{line.name}“ nemá v e-shopu SKU (kód), nelze jej "
                                   "spárovat se zásobou POHODY.", sku=f"(bez SKU) {line.name}"[:80])
    if code is None:
        return Problem("unpaired", f"SKU „{sku}“ nemá v POHODĚ zásobu se stejným kódem.", sku=sku)
    return None


def build_lines(
    order: Order,
    codes: Mapping[str, str | None],
    opts: MappingOptions,
    *,
    stock_links: bool = True,
    multi_store: frozenset[str] = frozenset(),
    card_stores: Mapping[str, CardStores] | None = None,
    regime: Regime | None = None,
) -> tuple[list[DocLine], list[LineView], list[Problem]]:
    """POHODA lines for an order plus the per-line view and the problems found.

    ``codes`` maps a line's SKU to its POHODA code (None/absent = unpaired).
    With ``stock_links`` False (stand-alone invoices) every line is a text line.
    Each stock line's warehouse follows :func:`~adapter.sync.warehouses.choose_store`.
    """
    known = dict(card_stores or {})
    for several in multi_store:
        known.setdefault(several, CardStores(cards=2))
    lines: list[DocLine] = []
    views: list[LineView] = []
    problems: list[Problem] = []
    for line in order.lines:
        vat, reason = _line_vat(line, opts, regime, problems)
        code: str | None = None
        if line.kind == "product":
            sku = line.sku.strip()
            code = codes.get(sku) if sku else None
            if stock_links:
                problem = _pairing_problem(line, code)
                if problem is not None:
                    problems.append(problem)
        store, store_problem = choose_store(code, known.get(code), opts.store) if code and stock_links else (None, "")
        if store_problem:
            problems.append(Problem("multi_store", store_problem, sku=line.sku.strip()))
        quantity, unit = _unit_price(line)
        if line.kind == "product" and quantity == 0:
            continue
        doc_line = DocLine(
            text=_line_text(line),
            quantity=quantity,
            unit_price=unit,
            vat_rate=vat or "none",
            unit="" if (stock_links and line.kind == "product" and code) else "ks",  # stock lines: the card's unit
            stock_code=code if (stock_links and line.kind == "product") else None,
            store=store,
            note=f"SKU {line.sku}" if (line.kind == "product" and line.sku and not stock_links) else "",
        )
        lines.append(doc_line)
        views.append(LineView(kind=line.kind, name=line.name, sku=line.sku, quantity=quantity,
                              shop_total=_line_gross(line), code=code, vat_rate=vat or "",
                              unit_price=unit, pohoda_total=pohoda_line_total(quantity, unit), vat_reason=reason,
                              store=store))
    return lines, views, problems


def _rounding_tolerance(order: Order) -> Decimal:
    """How far line rounding can move a total: half a haléř per unit and per line, plus a crown."""
    units = sum((abs(line.quantity) for line in order.lines), ZERO)
    return Decimal(1) + CENT * len(order.lines) + units * Decimal("0.005")


def balance(order: Order, lines: list[DocLine]) -> tuple[list[DocLine], Decimal, Problem | None]:
    """Add a „Zaokrouhlení“ line so the POHODA total equals the shop total; a too big gap is a problem."""
    diff = order.total - document_total(lines)
    if diff == 0:
        return lines, ZERO, None
    if abs(diff) > _rounding_tolerance(order):
        sign = "+" if diff > 0 else ""
        return lines, diff, Problem(
            "total", f"Součet položek nesouhlasí s celkovou částkou objednávky {czech.money(order.total, order.currency)} "
                     f"(rozdíl {sign}{czech.money(diff, order.currency)}); zkontrolujte objednávku v e-shopu (vratky, ruční úpravy)."
        )
    return [*lines, DocLine(text=ROUNDING_TEXT, quantity=Decimal(1), unit_price=diff, vat_rate="none")], diff, None


def method_warnings(order: Order, opts: MappingOptions) -> tuple[str | None, str | None, list[str]]:
    warnings: list[str] = []
    payment = opts.payment_map.get(order.payment_method) if order.payment_method else None
    if order.payment_method and not payment:
        warnings.append(f"Platební metoda „{order.payment_method_title or order.payment_method}“ "
                        f"({order.payment_method}) nemá v Nastavení › Přijaté objednávky › Formy úhrady formu úhrady POHODY; "
                        "doklad odeslán bez formy úhrady.")
    carrier = opts.carrier_map.get(order.shipping_method) if order.shipping_method else None
    if order.shipping_method and not carrier and opts.carrier_map:
        warnings.append(f"Způsob dopravy „{order.shipping_method}“ nemá v Nastavení › Přijaté objednávky › Dopravci dopravce "
                        "POHODY; doklad odeslán bez dopravce.")
    return payment or None, carrier or None, warnings


# --------------------------------------------------------------------------- orders


def order_text(order: Order) -> str:
    """``ord:text`` of a transferred order."""
    return f"Objednávka z e-shopu č. {order.number}"


def map_order(
    order: Order,
    codes: Mapping[str, str | None],
    opts: MappingOptions,
    *,
    multi_store: frozenset[str] = frozenset(),
    card_stores: Mapping[str, CardStores] | None = None,
    draft: bool = False,
) -> Mapped:
    """Map one shop order to a received order, or say why it must wait.

    With ``draft`` a held order still gets the document it would send as things stand (for the preview;
    ``Mapped.ok`` stays False while there are problems).
    """
    regime = regime_for_order(order, opts.vat) if opts.vat is not None else None
    lines, views, problems = build_lines(order, codes, opts, multi_store=multi_store, card_stores=card_stores,
                                         regime=regime)
    if not any(v.kind == "product" for v in views):
        problems.append(Problem("empty", "Objednávka nemá žádné položky se zbožím."))
    rate: tuple[Decimal, int] | None = None
    if is_foreign(order.currency):
        rate = currency_rate(order, opts)
        if rate is None:
            problems.append(rate_problem(order.currency))
    lines, rounding, gap = balance(order, lines)
    if gap is not None:
        problems.append(gap)
    payment, carrier, warnings = method_warnings(order, opts)
    warnings += list(regime.warnings) if regime is not None else []
    common = {"problems": tuple(problems), "warnings": tuple(warnings), "lines": tuple(views),
              "shop_total": order.total, "doc_total": document_total(lines), "rounding": rounding,
              "currency": order.currency or HOME_CURRENCY, "regime": regime}
    if problems and not draft:
        return Mapped(doc=None, **common)  # type: ignore[arg-type]
    doc = OrderDoc(
        key=str(order.id),
        number_order=order.number,
        date=local_date(order.created),
        partner=pohoda_address(order.billing),
        lines=tuple(lines),
        ship_to=ship_to(order),
        number_requested=order.number if opts.numbering == "eshop" else None,
        text=order_text(order),
        note=order.customer_note.strip(),
        int_note=_int_note(order),
        payment_type=payment,
        carrier=carrier,
        is_reserved=opts.reserve_stock,
        prices_include_vat=True,
        currency=order.currency.upper() if rate else None,
        rate=rate[0] if rate else None,
        amount=rate[1] if rate else 1,
        ext_id=str(order.id),
        ext_system=opts.ext_system,
        numbering_series=opts.numbering_series or None,
        vat=doc_vat(regime, order, local_date(order.created), opts.vat) if regime and opts.vat else None,
    )
    return Mapped(doc=doc, **common)  # type: ignore[arg-type]


def _int_note(order: Order) -> str:
    parts = [f"{EXT_SYSTEM} #{order.id}"]
    if order.payment_method_title or order.payment_method:
        parts.append(f"platba: {order.payment_method_title or order.payment_method}")
    shipping = next((line.name for line in order.lines if line.kind == "shipping" and line.name), "")
    if shipping:
        parts.append(f"doprava: {shipping}")
    if order.currency and is_foreign(order.currency):
        parts.append(f"měna {order.currency}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- from the settings


def mapping_options(settings: Settings) -> MappingOptions:
    """The mapping options from ``[orders]``."""
    o = settings.orders
    return MappingOptions(
        vat_rates=o.vat_rates, payment_map=o.payment_map, carrier_map=o.carrier_map, store=o.store,
        reserve_stock=o.reserve_stock, numbering=o.numbering, numbering_series=o.numbering_series,
        currency_rates=o.currency_rates, rate_meta_key=o.rate_meta_key, ext_system=EXT_SYSTEM,
        vat=policy_from(settings.vat), rate_lookup=_rate_book(settings),
        vat_classification=settings.mappings.vat_classification,
    )


def _rate_book(settings: Settings) -> Callable[[str, date], tuple[Decimal, int] | None]:
    from adapter.sync.currency.book import RateBook  # the book reads the ledger and ČNB; mapping stays pure

    return RateBook(settings.currency)


def label_of(number: str) -> str:
    """The ledger label of an order."""
    return f"Objednávka {number}"
