"""Stock mapping — pure: what one shop product should show, from the POHODA cards paired to it.

Quantities are summed over a code's cards (one per warehouse), prices come
from the first card that counts, converted to the shop's basis. A
:class:`Plan` is one product to push; its :class:`Desired` values hash to
the ledger's payload hash, so nothing unchanged is pushed twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from adapter.czech import money
from adapter.records import ZERO, Product, StockCard, StockUpdate
from adapter.sync.pairing.match import normalise
from adapter.sync.pairing.store import Target

if TYPE_CHECKING:
    from adapter.config import Settings, StockSettings

CENT = Decimal("0.01")
#: VAT percent per POHODA rate when ``[orders] vat_rates`` does not name it
DEFAULT_VAT = {"high": Decimal(21), "low": Decimal(12), "none": Decimal(0), "third": Decimal(10)}


@dataclass(frozen=True, slots=True)
class Desired:
    """What one shop product should show: quantity and, optionally, prices."""

    quantity: Decimal
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None
    clear_sale: bool = False

    @property
    def hash(self) -> str:
        """The payload hash stored in the ledger (stable text of every value pushed)."""
        return _desired_hash(self)

    def details(self) -> str:
        """A small JSON of the values for the ledger detail page."""
        return _desired_details(self)

    def _details(self) -> str:
        data = {"množství": _plain(self.quantity)}
        if self.regular_price is not None:
            data["cena"] = _plain(self.regular_price)
        if self.sale_price is not None:
            data["akční cena"] = _plain(self.sale_price)
        if self.clear_sale:
            data["akční cena"] = "zrušena"
        return json.dumps(data, ensure_ascii=False)

    def describe(self) -> str:
        """Czech one-liner for the run events."""
        parts = [f"množství {_plain(self.quantity)}"]
        if self.regular_price is not None:
            parts.append(f"cena {money(self.regular_price)}")
        if self.sale_price is not None:
            parts.append(f"akční {money(self.sale_price)}")
        elif self.clear_sale:
            parts.append("bez akční ceny")
        return ", ".join(parts)


# equal values give equal texts (they are normalised), so 100,000 products with a few hundred
# distinct quantities compute each text once
@functools.lru_cache(maxsize=8192)
def _desired_hash(desired: Desired) -> str:
    text = "|".join((
        _plain(desired.quantity), _plain(desired.regular_price), _plain(desired.sale_price),
        "c" if desired.clear_sale else "",
    ))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=8192)
def _desired_details(desired: Desired) -> str:
    return desired._details()


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def vat_percents(settings: Settings) -> dict[str, Decimal]:
    """POHODA VAT rate code → percent, from ``[orders] vat_rates`` (percent → code) plus defaults."""
    out = dict(DEFAULT_VAT)
    for percent, code in settings.orders.vat_rates.items():
        try:
            out[code] = Decimal(str(percent).replace(",", "."))
        except ArithmeticError:
            continue
    return out


def shop_price(price: Decimal, *, includes_vat: bool, percent: Decimal, want_vat: bool) -> Decimal:
    """A POHODA price converted to the shop's basis (with or without VAT), rounded to haléře."""
    factor = 1 + percent / 100
    if includes_vat and not want_vat:
        price = price / factor
    elif want_vat and not includes_vat:
        price = price * factor
    return price.quantize(CENT, rounding=ROUND_HALF_UP)


def card_quantity(card: StockCard, mode: str) -> Decimal:
    """The quantity one card contributes: physical count or available (count − reservation)."""
    return card.count if mode == "physical" else card.count - card.reservation


def counts(card: StockCard, opts: StockSettings, store: str | None = None) -> bool:
    """True when the card counts: in a chosen warehouse (when known) and an Internet card if asked.

    ``store``: the warehouse the card was listed in, when the card itself does not say it.
    """
    if opts.internet_only and not card.is_internet:
        return False
    store = card.store if store is None else store
    return not (opts.stores and store and store not in opts.stores)


@dataclass(slots=True)
class CodeStock:
    """The cards of one code that count, folded one by one (so a listing need not be kept)."""

    total: Decimal | int = ZERO  #: their quantities summed (an int when whole: less memory per 100,000 codes)
    counted: int = 0
    first: StockCard | None = None  #: the first card that counts (its prices), kept when prices are pushed

    def add(self, card: StockCard, opts: StockSettings) -> None:
        """Fold in one card of the code (a card that does not count changes nothing)."""
        if not counts(card, opts):
            return
        self.total += card_quantity(card, opts.quantity)
        if not self.counted and opts.push_prices:
            self.first = card
        self.counted += 1


def desired_for(cards: Sequence[StockCard], opts: StockSettings, percents: dict[str, Decimal]) -> Desired | None:
    """The values a product paired to these cards (one per warehouse) should show; None = none counts.

    Quantities are summed over the cards, a negative sum becomes 0 and a
    fraction is rounded down (the shop counts whole pieces). Prices come
    from the first card: the selling price or the named price level (which
    follows the card's with/without VAT flag), converted to the shop's
    basis; an action price becomes the sale price, no action price clears it.
    """
    folded = CodeStock()
    for card in cards:
        folded.add(card, opts)
    return desired_from(folded, opts, percents)


def desired_from(folded: CodeStock, opts: StockSettings, percents: dict[str, Decimal]) -> Desired | None:
    """:func:`desired_for` of cards already folded into a :class:`CodeStock`."""
    if not folded.counted:
        return None
    total = folded.total if isinstance(folded.total, Decimal) else Decimal(folded.total)
    quantity = max(total, ZERO).to_integral_value(rounding=ROUND_FLOOR)
    if not opts.push_prices or folded.first is None:
        return Desired(quantity)
    first = folded.first
    percent = percents.get(first.vat_rate, DEFAULT_VAT["high"])
    base = first.selling_price
    if opts.price_level:
        wanted = opts.price_level.strip().casefold()
        level = next((lv for lv in first.price_levels if lv.name.strip().casefold() == wanted), None)
        if level is not None:
            base = level.price
    regular = None
    if base is not None:
        regular = shop_price(base, includes_vat=first.selling_price_includes_vat, percent=percent,
                             want_vat=opts.price_includes_vat)
    sale = None
    clear = False
    if opts.action_prices:
        if first.action_price is not None and first.action_price > 0:
            sale = shop_price(first.action_price, includes_vat=first.selling_price_includes_vat, percent=percent,
                              want_vat=opts.price_includes_vat)
        else:
            clear = True
    return Desired(quantity, regular, sale, clear)


def shop_matches(product: Product, desired: Desired) -> bool:
    """True when the shop already shows exactly these values (nothing to push)."""
    if not product.manage_stock or product.stock_quantity is None or product.stock_quantity != desired.quantity:
        return False
    if desired.regular_price is not None and product.regular_price != desired.regular_price:
        return False
    if desired.sale_price is not None and product.sale_price != desired.sale_price:
        return False
    return not (desired.clear_sale and product.sale_price is not None)


def shown_desired(product: Product, opts: StockSettings) -> tuple[Desired, ...]:
    """The values the shop shows, as each :class:`Desired` a run with these settings could have pushed.

    With prices pushed, a card without a selling price pushes no regular price, so a product showing
    one yields two (with and without it). Every one of them :func:`shop_matches` the product, so a
    ledger hash equal to one of theirs means the shop shows exactly what was pushed. None when the
    shop shows no count the adapter could have pushed (stock not managed, negative, a fraction).
    """
    quantity = product.stock_quantity
    if (not product.manage_stock or quantity is None or not quantity.is_finite() or quantity < 0
            or quantity != quantity.to_integral_value()):
        return ()
    if not opts.push_prices:
        return (Desired(quantity),)
    sale, clear = None, False
    if opts.action_prices:
        sale, clear = product.sale_price, product.sale_price is None
    regulars = (None,) if product.regular_price is None else (product.regular_price, None)
    return tuple(Desired(quantity, regular, sale, clear) for regular in regulars)


def group_by_code(cards: Iterable[StockCard], *, case_sensitive: bool) -> dict[str, list[StockCard]]:
    """Cards per normalised code (a code may sit in several warehouses)."""
    out: dict[str, list[StockCard]] = defaultdict(list)
    for card in cards:
        key = normalise(card.code, case_sensitive=case_sensitive)
        if key:
            out[key].append(card)
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    """One product to push: the update, its hash and what to say about it."""

    target: Target
    desired: Desired
    warning: str = ""
    state: str = "ok"  #: ledger state after a successful push ("skipped" for a vanished card)

    @property
    def key(self) -> str:
        """The ledger key (shop product id)."""
        return str(self.target.product_id)

    @property
    def label(self) -> str:
        """The ledger label."""
        return f"SKU {self.target.sku or self.target.code}"

    def update(self) -> StockUpdate:
        """The record the shop connector takes."""
        d = self.desired
        return StockUpdate(product_id=self.target.product_id, parent_id=self.target.parent_id, quantity=d.quantity,
                           regular_price=d.regular_price, sale_price=d.sale_price, clear_sale=d.clear_sale,
                           sku=self.target.sku)


def order_for_batches(plans: list[Plan]) -> list[Plan]:
    """Simple products first, variations grouped by parent, so each batch needs as few calls as possible."""
    return sorted(plans, key=lambda p: (p.target.parent_id or 0, p.target.product_id))
