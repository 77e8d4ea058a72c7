"""Zásoby a ceny do e-shopu: POHODA is the master of stock; quantities (and prices) go to the shop.

Three ways in, one logic:

* **incremental** (the *Synchronizovat* button, the schedule): only cards POHODA
  lists as changed since the watermark (``lastChanges``, minus an overlap);
  the shop product ids come from the stored pairing (the ledger ``Pairing``
  table), so a large catalogue is never re-listed;
* **full** (*Úplná kontrola*, the nightly run): every card and every shop
  product; the pairing is refreshed, every paired product is compared with
  what the shop shows now (drift from shop orders is put right), and a
  product whose card disappeared from POHODA gets quantity 0 (a warning);
* **POHODA pushes** its stock export (*Odeslat na internet*) to
  ``/pohoda/stock``; the body is kept in a file and applied by a run with
  trigger ``pohoda`` (``options["push_file"]``).

Every product has a ledger row (agenda ``stock``, key = shop product id)
holding the hash of the values last pushed, so nothing unchanged is pushed
twice. Updates go out in batches of at most 100; the ledger is committed
after each successful batch, so an interrupted run resumes with what was not
committed. The watermark advances only at the end, after the rows it covers
are committed. Options: ``pairing_only`` (just refresh the pairing),
``keys`` (only these shop product ids, the retry button).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from adapter import ledger
from adapter.errors import AdapterError, EshopError, PackError, ResponseParseError
from adapter.pohoda.envelope import ENCODING, NS, XML_DECLARATION, q
from adapter.pohoda.stock import iter_stock
from adapter.records import ZERO, Product, StockCard, StockUpdate, UpdateResult
from adapter.sync import pairing_store as ps
from adapter.sync.pairing import normalise
from adapter.sync.state import format_pohoda_time, next_pohoda_cursor, pohoda_since

if TYPE_CHECKING:
    from adapter.config import Settings, StockSettings
    from adapter.eshop.base import Eshop
    from adapter.sync.context import JobContext

log = logging.getLogger(__name__)

AGENDA = "stock"
BATCH = 100  #: items per shop batch call (WooCommerce's limit)
CENT = Decimal("0.01")
#: VAT percent per POHODA rate when ``[orders] vat_rates`` does not name it
DEFAULT_VAT = {"high": Decimal(21), "low": Decimal(12), "none": Decimal(0), "third": Decimal(10)}
PUSH_DIR = "pohoda_push"
#: successful pushes listed one by one on the run detail page (errors and warnings always are)
EVENT_CAP = 2000


# =========================================================================== pure logic


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
            parts.append(f"cena {_plain(self.regular_price)}")
        if self.sale_price is not None:
            parts.append(f"akční {_plain(self.sale_price)}")
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


def counts(card: StockCard, opts: StockSettings) -> bool:
    """True when the card counts: in a chosen warehouse (when known) and an Internet card if asked."""
    if opts.internet_only and not card.is_internet:
        return False
    return not (opts.stores and card.store and card.store not in opts.stores)


def eligible(cards: Iterable[StockCard], opts: StockSettings) -> list[StockCard]:
    """The cards that count: only chosen warehouses (when known) and only Internet cards if asked."""
    return [card for card in cards if counts(card, opts)]


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

    target: ps.Target
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


# =========================================================================== the job


@dataclass
class _Run:
    """State of one run of the stock job."""

    ctx: JobContext
    settings: Settings
    percents: dict[str, Decimal]
    listing: ps.Listing = field(default_factory=ps.Listing)
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)  #: key → (hash, state)
    pushed: int = 0
    unchanged: int = 0
    failed: int = 0
    warnings: int = 0

    @property
    def opts(self) -> StockSettings:
        return self.settings.stock

    @property
    def case_sensitive(self) -> bool:
        return self.settings.pairing.case_sensitive


def run(ctx: JobContext) -> None:
    """The stock job: see the module docstring."""
    job = _Run(ctx, ctx.settings, vat_percents(ctx.settings))
    options = ctx.options
    if options.get("push_file"):
        _run_push(job, Path(str(options["push_file"])))
    elif options.get("pairing_only"):
        _run_pairing_only(job)
    elif options.get("keys"):
        _run_keys(job, [str(k) for k in options["keys"]])
    elif ctx.full or not ps.has_pairing():
        _run_full(job)
    else:
        _run_incremental(job)


def _on_page(job: _Run, phase: str) -> Callable[[int], None]:
    def note(cards: int) -> None:
        job.ctx.check_cancel()
        job.ctx.progress(phase=f"{phase} ({cards} zásob)")

    return note


def _count_pohoda(job: _Run, before: int) -> None:
    if job.listing.requests > before:
        job.ctx.count_request("pohoda", job.listing.requests - before)


def _list_products(shop: Eshop, stop: threading.Event, *, prices: bool) -> list[Product]:
    """Every shop product that can carry stock, lean (:func:`_lean`); variable parents are left out."""
    shared: dict[Decimal, Decimal] = {}
    out = []
    for product in shop.iter_products():
        if stop.is_set():
            break
        if product.kind != "variable":  # no stock of their own and they pair with nothing
            out.append(_lean(product, shared, prices=prices))
    return out


def _lean(product: Product, shared: dict[Decimal, Decimal], *, prices: bool) -> Product:
    """The product without what pairing and stock never read (date, status, tax class; prices unless pushed).

    Stock only compares the shop's quantities and prices by value, so one
    Decimal object per distinct value serves every product (less memory
    per 100,000 products).
    """
    def one(value: Decimal | None) -> Decimal | None:
        return None if value is None else shared.setdefault(value, value)

    return replace(product, modified=None, status="", tax_class="", stock_quantity=one(product.stock_quantity),
                   regular_price=one(product.regular_price) if prices else None,
                   sale_price=one(product.sale_price) if prices else None)


def _compact(value: Decimal) -> Decimal | int:
    """A whole quantity as an int (small ones are shared objects), anything else as it is."""
    if value == value.to_integral_value() and abs(value) < 1_000_000_000:
        return int(value)
    return value


def _signpost(ctx: JobContext) -> datetime:
    """The run's start in POHODA's local wall-clock time."""
    return ctx.now().astimezone().replace(tzinfo=None)


# --------------------------------------------------------------------------- pairing only


def _run_pairing_only(job: _Run) -> None:
    ctx = job.ctx
    ctx.progress(0, 0, "Načítám zásoby z POHODY")
    cards = ps.fold_cards(ps.iter_cards(ctx.pohoda(), stores=job.opts.stores, page_size=job.opts.page_size,
                                        listing=job.listing, on_page=_on_page(job, "Načítám zásoby z POHODY")),
                          case_sensitive=job.case_sensitive)
    _count_pohoda(job, 0)
    ctx.progress(phase="Načítám produkty z e-shopu")
    products = list(ctx.eshop().iter_products())
    ctx.progress(phase="Páruji")
    refreshed = ps.compute_pairing(cards, products, job.settings)
    counts = refreshed.counts
    if not ctx.dry_run:
        ps.store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=ctx.now())
    ctx.report = {"zásob v POHODĚ": cards.count, "produktů v e-shopu": len(products), **_count_titles(counts)}
    ctx.message = (
        f"Párování obnoveno: spárováno {counts['paired']}, jen v e-shopu {counts['eshop_only']}, "
        f"jen v POHODĚ {counts['pohoda_only']}, konflikty {counts['conflict']}."
    )


def _count_titles(counts: dict[str, int]) -> dict[str, int]:
    from adapter.sync.pairing import STATUS_TITLES

    return {STATUS_TITLES[k]: v for k, v in counts.items()}


# --------------------------------------------------------------------------- full


def _run_full(job: _Run) -> None:
    ctx = job.ctx
    signpost = _signpost(ctx)
    previously_paired = ps.paired_product_ids() | _ledger_keys_ok()
    ctx.progress(0, 0, "Načítám zásoby z POHODY")
    # the listing is folded as it streams: per code what pairing needs and the quantity of the
    # cards that count (an int when whole), plus the first such card when prices are pushed
    totals: dict[str, Decimal | int] = {}
    firsts: dict[str, StockCard] = {}
    opts = job.opts

    def fold(key: str, card: StockCard) -> None:
        if not key or not counts(card, opts):
            return
        quantity = card_quantity(card, opts.quantity)
        before = totals.get(key)
        if before is None:
            totals[key] = _compact(quantity)
            if opts.push_prices:
                firsts[key] = card
        else:
            totals[key] = before + quantity

    # the shop's products are listed at the same time, in a second thread (each side waits for its own server)
    stop = threading.Event()
    reader = ThreadPoolExecutor(1, thread_name_prefix="stock-products")
    listed = reader.submit(_list_products, ctx.eshop(), stop, prices=opts.push_prices)
    try:
        cards = ps.fold_cards(ps.iter_cards(ctx.pohoda(), stores=opts.stores, page_size=opts.page_size,
                                            listing=job.listing, on_page=_on_page(job, "Načítám zásoby z POHODY")),
                              case_sensitive=job.case_sensitive, each=fold)
        _count_pohoda(job, 0)
        ctx.check_cancel()
        ctx.progress(phase="Načítám produkty z e-shopu")
        products = listed.result()
    except BaseException:
        stop.set()  # the listing thread stops after the request it is in; nobody waits for it
        reader.shutdown(wait=False, cancel_futures=True)
        raise
    reader.shutdown(wait=True)
    ctx.check_cancel()
    ctx.progress(phase="Páruji")
    refreshed = ps.compute_pairing(cards, products, job.settings)
    del cards
    if not ctx.dry_run:
        ps.store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=ctx.now())
    by_product = refreshed.result.by_product
    del refreshed  # the report rows and card details; only product id → code is needed from here
    shop = {p.id: p for p in products if p.kind != "variable"}
    del products
    job.hashes = _ledger_hashes()

    plans: list[Plan] = []
    remember: list[Plan] = []  #: already right in the shop; only the ledger needs the hash
    skipped_cards = 0
    nothing = CodeStock()
    for product_id, code in by_product.items():
        product = shop.get(product_id)
        if product is None:
            continue
        key = normalise(code, case_sensitive=job.case_sensitive)
        target = ps.Target(product_id, product.parent_id, product.sku.strip(), code)
        desired = desired_from(CodeStock(totals[key], 1, firsts.get(key)) if key in totals else nothing, opts,
                               job.percents)
        if desired is None:
            skipped_cards += 1
            ctx.skipped(str(product_id), "zásoba se nepočítá (není označena Internet nebo je v jiném skladu)",
                        label=f"SKU {target.sku}", record=True)
            continue
        plan = Plan(target, desired)
        if shop_matches(product, desired):
            job.unchanged += 1
            ctx.skipped(plan.key)
            if job.hashes.get(plan.key) != (desired.hash, "ok"):
                remember.append(plan)
        else:
            plans.append(plan)

    paired_now = set(by_product)
    vanished = sorted(pid for pid in previously_paired - paired_now if pid in shop)
    for pid in vanished:
        product = shop[pid]
        target = ps.Target(pid, product.parent_id, product.sku.strip(), "")
        desired = Desired(ZERO)
        plan = Plan(target, desired, state="skipped",
                    warning=f"Zásoba „{product.sku.strip()}“ v POHODĚ už není; do e-shopu odeslán stav 0. "
                            "Zkontrolujte kartu v POHODĚ nebo SKU v e-shopu.")
        ctx.event(plan.key, "warning", plan.warning, label=plan.label)
        job.warnings += 1
        if shop_matches(product, desired):
            job.unchanged += 1
            if job.hashes.get(plan.key) != (desired.hash, "skipped"):
                remember.append(plan)
        else:
            plans.append(plan)
    del shop, by_product
    totals.clear()
    firsts.clear()

    if not ctx.dry_run:
        _remember(remember, ctx.run_id)
    _push(job, plans)
    _finish_cursor(job, signpost)
    ctx.report = {
        "režim": "úplná kontrola",
        "zásob v POHODĚ": job.listing.cards,
        "odesláno do e-shopu": job.pushed,
        "beze změny": job.unchanged,
        "chyb": job.failed,
        "zmizelé zásoby (stav 0)": len(vanished),
        "nepočítané zásoby": skipped_cards,
        "požadavků na POHODU": job.listing.requests,
    }


def _remember(plans: list[Plan], run_id: int) -> None:
    rows = [_ok_row(p, run_id) for p in plans]
    for i in range(0, len(rows), 2000):
        _save_rows(rows[i : i + 2000])


def _save_rows(rows: Sequence[dict[str, Any]]) -> None:
    """Upsert stock ledger rows (one prepared ``executemany`` per chunk, see ``ledger.save_entries``)."""
    ledger.save_entries(AGENDA, rows)


# --------------------------------------------------------------------------- incremental


def _run_incremental(job: _Run) -> None:
    ctx = job.ctx
    signpost = _signpost(ctx)
    checkpoint = ledger.get_checkpoint(AGENDA)
    since = pohoda_since(checkpoint.cursor if checkpoint else "", timedelta(minutes=job.opts.overlap_minutes))
    if since is None:
        _run_full(job)
        return
    ctx.progress(0, 0, "Zjišťuji změny zásob v POHODĚ")
    changed = list(ps.iter_cards(ctx.pohoda(), stores=job.opts.stores, page_size=job.opts.page_size,
                                 last_changes=since, listing=job.listing,
                                 on_page=_on_page(job, "Zjišťuji změny zásob v POHODĚ")))
    retry_keys = _error_keys()
    drift = _shop_drift(job, since)
    if not changed and not retry_keys and not drift:
        _count_pohoda(job, 0)
        _finish_cursor(job, signpost)
        ctx.report = {"režim": "přírůstkově", "změněných zásob v POHODĚ": 0, "odesláno do e-shopu": 0,
                      "od": format_pohoda_time(since)}
        ctx.message = "Žádné změny zásob od posledního běhu."
        return
    targets = ps.pairing_targets()
    by_code = group_by_code(changed, case_sensitive=job.case_sensitive)
    codes_for_retry = _codes_of(retry_keys, targets)
    drift_codes = _codes_of([str(pid) for pid in drift], targets)
    plans = _plans_for_codes(job, targets, by_code, extra_codes=codes_for_retry | drift_codes, shop_now=drift)
    _count_pohoda(job, 0)
    _push(job, plans)
    _finish_cursor(job, signpost)
    ctx.report = {
        "režim": "přírůstkově",
        "od": format_pohoda_time(since),
        "změněných zásob v POHODĚ": len(changed),
        "odesláno do e-shopu": job.pushed,
        "beze změny": job.unchanged,
        "chyb": job.failed,
        "znovu zkoušeno po chybě": len(retry_keys),
        "změněných produktů v e-shopu": len(drift),
    }


def _shop_drift(job: _Run, since: datetime) -> dict[int, Product]:
    """Products the shop changed itself since the last run (orders lower stock): id → its values now.

    They are compared with POHODA in this run, so the shop never shows a count POHODA does not
    have for longer than one run. ``since`` is POHODA's (the PC's) local time; a connector
    without ``iter_products_changed`` reports nothing.
    """
    reader = getattr(job.ctx.eshop(), "iter_products_changed", None)
    if reader is None:
        return {}
    job.ctx.progress(phase="Zjišťuji produkty změněné v e-shopu")
    job.ctx.count_request("eshop")
    return {p.id: p for p in reader(since=since.astimezone(UTC)) if p.kind != "variable"}


def _plans_for_codes(job: _Run, targets: dict[str, list[ps.Target]], by_code: dict[str, list[StockCard]],
                     *, extra_codes: set[str] = frozenset(), only: set[int] | None = None,  # type: ignore[assignment]
                     reread_all: bool = False, shop_now: dict[int, Product] | None = None) -> list[Plan]:
    """Plans for the products paired to the changed codes, re-reading codes whose other cards matter.

    A product in ``shop_now`` (the shop changed it itself) goes again when the shop no longer
    shows what POHODA has, even if the ledger says these values were pushed last.
    """
    shop_now = shop_now or {}
    ctx = job.ctx
    info = ps.pairing_info()
    multi = set(info.get("multi") or ())
    codes = {k for k in by_code if k in targets} | {k for k in extra_codes if k in targets}
    reread = set(codes) if reread_all else set()
    for key in codes:
        found = by_code.get(key, [])
        known_ids = {t.card_id for t in targets[key] if t.card_id is not None}
        if key in multi or key in extra_codes or any(c.id not in known_ids for c in found) or not found:
            reread.add(key)
    if reread:
        ctx.progress(phase=f"Načítám aktuální stav {len(reread)} zásob ve všech skladech")
        fresh = ps.read_codes(ctx.pohoda(), [targets[k][0].code for k in reread], stores=job.opts.stores,
                              listing=job.listing)
        fresh_by = group_by_code(fresh, case_sensitive=job.case_sensitive)
        for key in reread:
            by_code[key] = fresh_by.get(key, [])
    job.hashes = _ledger_hashes(str(t.product_id) for k in codes for t in targets[k])
    plans = []
    for key in sorted(codes):
        cards = by_code.get(key, [])
        for target in targets[key]:
            if only is not None and target.product_id not in only:
                continue
            plan_key = str(target.product_id)
            if not cards:
                ctx.skipped(plan_key, "zásoba v POHODĚ nebyla nalezena; rozhodne úplná kontrola",
                            label=f"SKU {target.sku}", record=True)
                continue
            desired = desired_for(cards, job.opts, job.percents)
            if desired is None:
                ctx.skipped(plan_key, "zásoba se nepočítá (není označena Internet nebo je v jiném skladu)",
                            label=f"SKU {target.sku}", record=True)
                continue
            current = shop_now.get(target.product_id)
            if job.hashes.get(plan_key) == (desired.hash, "ok") and (current is None or shop_matches(current, desired)):
                job.unchanged += 1
                ctx.skipped(plan_key)
                continue
            plans.append(Plan(target, desired))
    return plans


def _codes_of(keys: Iterable[str], targets: dict[str, list[ps.Target]]) -> set[str]:
    wanted = {int(k) for k in keys if str(k).isdigit()}
    return {code for code, ts in targets.items() if any(t.product_id in wanted for t in ts)}


# --------------------------------------------------------------------------- only some products (retry)


def _run_keys(job: _Run, keys: list[str]) -> None:
    ctx = job.ctx
    if not ps.has_pairing():
        raise AdapterError("Párování ještě neproběhlo. Spusťte nejdřív Úplnou kontrolu zásob.")
    targets = ps.pairing_targets()
    wanted = {int(k) for k in keys if k.isdigit()}
    codes = _codes_of(keys, targets)
    missing = wanted - {t.product_id for c in codes for t in targets[c]}
    for pid in sorted(missing):
        ctx.skipped(str(pid), "produkt není spárovaný se zásobou v POHODĚ", record=True)
    plans = _plans_for_codes(job, targets, {}, extra_codes=codes, only=wanted, reread_all=True)
    _count_pohoda(job, 0)
    _push(job, plans)
    ctx.report = {"režim": "vybrané produkty", "vybráno": len(wanted), "odesláno do e-shopu": job.pushed,
                  "beze změny": job.unchanged, "chyb": job.failed}


# --------------------------------------------------------------------------- POHODA pushed its export


def _run_push(job: _Run, path: Path) -> None:
    ctx = job.ctx
    if not path.is_file():
        raise AdapterError(f"Soubor se zásobami odeslanými z POHODY ({path.name}) už neexistuje; "
                           "odešlete zásoby z POHODY znovu (Odeslat na internet).")
    ctx.progress(0, 0, "Čtu zásoby odeslané z POHODY")
    with path.open("rb") as fh:
        cards = list(iter_stock(fh))
    if job.opts.stores:
        ctx.event("push", "warning", "Export z POHODY neuvádí sklad: sečtou se všechny karty se stejným kódem "
                                      "(nastavení Sklady se při odeslání z POHODY neuplatní).")
    if not ps.has_pairing() and not ctx.dry_run:
        ctx.progress(phase="Páruji se zásobami z exportu POHODY")
        refreshed = ps.compute_pairing(cards, ctx.eshop().iter_products(), job.settings)
        ps.store_pairing(refreshed.result, multi_codes=refreshed.multi_codes, now=ctx.now())
    targets = ps.pairing_targets()
    by_code = group_by_code(cards, case_sensitive=job.case_sensitive)
    unknown = sum(1 for k in by_code if k not in targets)
    plans = _plans_push(job, targets, by_code)
    _push(job, plans)
    ctx.report = {"režim": "odesláno z POHODY", "zásob v exportu": len(cards), "odesláno do e-shopu": job.pushed,
                  "beze změny": job.unchanged, "chyb": job.failed, "kódů bez produktu v e-shopu": unknown}
    if not job.failed and not ctx.dry_run:
        path.unlink(missing_ok=True)


def _plans_push(job: _Run, targets: dict[str, list[ps.Target]], by_code: dict[str, list[StockCard]]) -> list[Plan]:
    codes = [k for k in by_code if k in targets]
    job.hashes = _ledger_hashes(str(t.product_id) for k in codes for t in targets[k])
    opts = job.opts
    # the export cannot say the warehouse, so every card of a code counts
    from dataclasses import replace

    push_opts = replace(opts, stores=())
    plans = []
    for key in sorted(codes):
        desired = desired_for(by_code[key], push_opts, job.percents)
        for target in targets[key]:
            plan_key = str(target.product_id)
            if desired is None:
                job.ctx.skipped(plan_key, "zásoba není označena Internet", label=f"SKU {target.sku}", record=True)
                continue
            if job.hashes.get(plan_key) == (desired.hash, "ok"):
                job.unchanged += 1
                job.ctx.skipped(plan_key)
                continue
            plans.append(Plan(target, desired))
    return plans


# --------------------------------------------------------------------------- pushing and the ledger


def _ledger_hashes(keys: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """key → (payload hash, state) of the stock ledger rows (all, or the given keys)."""
    E = ledger.Entry
    out: dict[str, tuple[str, str]] = {}
    if keys is None:
        query = E.select(E.key, E.payload_hash, E.state).where(E.agenda == AGENDA).tuples()
        return {k: (h, s) for k, h, s in query}
    key_list = list(dict.fromkeys(keys))
    for i in range(0, len(key_list), 500):
        query = E.select(E.key, E.payload_hash, E.state).where(
            (E.agenda == AGENDA) & E.key.in_(key_list[i : i + 500])).tuples()
        out.update({k: (h, s) for k, h, s in query})
    return out


def _ledger_keys_ok() -> set[int]:
    E = ledger.Entry
    query = E.select(E.key).where((E.agenda == AGENDA) & (E.state == "ok")).tuples()
    return {int(k) for (k,) in query if k.isdigit()}


def _error_keys() -> list[str]:
    E = ledger.Entry
    return [k for (k,) in E.select(E.key).where((E.agenda == AGENDA) & (E.state == "error")).tuples()]


def _ok_row(plan: Plan, run_id: int) -> dict[str, Any]:
    return {"key": plan.key, "label": plan.label, "state": plan.state, "payload_hash": plan.desired.hash,
            "pohoda_number": plan.target.code, "shop_id": plan.key, "error": plan.warning,
            "details": plan.desired.details(), "run_id": run_id}


def _push(job: _Run, plans: list[Plan]) -> None:
    """Send the plans in batches of :data:`BATCH`, committing the ledger after each batch.

    Up to the connector's ``parallel_requests`` batches are in flight at
    once (sent from worker threads); their outcomes are settled — events,
    counters, ledger rows committed — in this thread, in batch order, each
    as soon as it and the batches before it are answered. When a batch
    fails as a whole (connection, auth …) or the run is cancelled, nothing
    more is sent, the batches already sent are still settled (what the shop
    confirmed is recorded) and then the error is raised.
    """
    ctx = job.ctx
    plans = order_for_batches(plans)
    ctx.progress(0, len(plans), "Odesílám do e-shopu" if not ctx.dry_run else "Náhled změn")
    if ctx.dry_run:
        for plan in plans[:5000]:
            ctx.event(plan.key, "preview", plan.desired.describe(), label=plan.label)
        ctx.counts["ok"] += len(plans)
        job.pushed = len(plans)
        ctx.progress(len(plans), force=True)
        return
    if not plans:
        return
    shop = ctx.eshop()
    parallel = max(1, int(getattr(shop, "parallel_requests", 1) or 1))
    batches = [plans[i : i + BATCH] for i in range(0, len(plans), BATCH)]
    done = 0
    if parallel == 1:
        for batch in batches:
            ctx.check_cancel()
            try:
                results = shop.update_stock([p.update() for p in batch])
            except EshopError:
                ctx.progress(done, force=True)
                raise
            done += _settle(job, batch, results)
        ctx.progress(done, force=True)
        return
    pool = ThreadPoolExecutor(parallel, thread_name_prefix="stock-push")
    inflight: deque[tuple[list[Plan], Future[list[UpdateResult]]]] = deque()
    try:
        for batch in batches:
            ctx.check_cancel()
            inflight.append((batch, pool.submit(shop.update_stock, [p.update() for p in batch])))
            if len(inflight) >= parallel:
                batch, future = inflight.popleft()
                done += _settle(job, batch, future.result())
        while inflight:
            batch, future = inflight.popleft()
            done += _settle(job, batch, future.result())
    except BaseException:
        done += _settle_sent(job, inflight)
        ctx.progress(done, force=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ctx.progress(done, force=True)


def _settle_sent(job: _Run, inflight: deque[tuple[list[Plan], Future[list[UpdateResult]]]]) -> int:
    """After a failure: record the outcome of batches already sent (a batch that failed too is left out)."""
    done = 0
    while inflight:
        batch, future = inflight.popleft()
        try:
            results = future.result()
        except Exception as exc:  # the first failure is the one the run reports
            log.info("stock: another batch in flight failed too: %s", exc)
            continue
        done += _settle(job, batch, results)
    return done


def _settle(job: _Run, batch: list[Plan], results: list[UpdateResult]) -> int:
    """Events, counters and ledger rows (committed) for one answered batch; returns its size."""
    ctx = job.ctx
    ctx.count_request("eshop", len({p.target.parent_id for p in batch}))
    outcome = {r.product_id: r for r in results}
    ok_rows = []
    error_rows = []
    for plan in batch:
        result = outcome.get(plan.target.product_id)
        if result is not None and result.ok:
            ok_rows.append(_ok_row(plan, ctx.run_id))
            if job.pushed < EVENT_CAP:
                ctx.ok(plan.key, plan.desired.describe(), label=plan.label)
            else:  # every product keeps its ledger row; the run detail lists the first ones
                ctx.counts["ok"] += 1
            job.pushed += 1
        else:
            reason = (result.error if result is not None else "") or "e-shop položku nepotvrdil"
            message = f"E-shop odmítl změnu: {reason}"
            error_rows.append({"key": plan.key, "label": plan.label, "state": "error", "payload_hash": "",
                               "pohoda_number": plan.target.code, "shop_id": plan.key, "error": message,
                               "details": plan.desired.details(), "run_id": ctx.run_id})
            ctx.error(plan.key, message, label=plan.label)
            job.failed += 1
    with ledger.database.atomic():
        _save_rows(ok_rows)
        _save_rows(error_rows)
    ctx.progress(ctx.done + len(batch))
    return len(batch)


def _finish_cursor(job: _Run, signpost: datetime) -> None:
    """Advance the watermark once everything it covers is committed (not in a preview)."""
    if job.ctx.dry_run:
        return
    previous = ledger.get_checkpoint(AGENDA)
    cursor = next_pohoda_cursor(previous.cursor if previous else "", job.listing.stamp, signpost)
    ledger.set_checkpoint(AGENDA, cursor, {"run": job.ctx.run_id}, now=job.ctx.now())


# =========================================================================== POHODA's push endpoint


@dataclass(frozen=True)
class PushOutcome:
    """What the push endpoint answers POHODA."""

    ok: bool
    note: str
    run_id: int | None = None
    cards: int = 0


def receive_push(
    body: bytes,
    *,
    data_dir: Path,
    start: Callable[..., tuple[int, bool]],
    running: Callable[[], Any] | None = None,
) -> PushOutcome:
    """Check POHODA's stock export, keep it in a file and start a run (trigger ``pohoda``) to apply it.

    ``start(agenda, trigger, options=…)`` is the job runner's start; the
    answer says how many cards came and which run applies them, or — in
    Czech — why nothing was done.
    """
    if not body.strip():
        return PushOutcome(False, "Požadavek neobsahuje žádná data. V POHODĚ odešlete zásoby znovu.")
    try:
        count = sum(1 for _ in iter_stock(body))
    except PackError as exc:
        return PushOutcome(False, f"Export zásob z POHODY hlásí chybu: {exc.note or 'bez udání důvodu'}.")
    except ResponseParseError as exc:
        return PushOutcome(False, f"Data nelze přečíst jako export zásob POHODY ({exc.detail or exc.message}). "
                                  "Zkontrolujte v POHODĚ adresu exportu Zásoby (má končit /pohoda/stock).")
    if count == 0 and b"listStock" not in body[:65536]:
        return PushOutcome(False, "Data neobsahují seznam zásob (lStk:listStock). Zkontrolujte v POHODĚ, že adresa "
                                  "/pohoda/stock je nastavená u exportu Zásoby.")
    if running is not None and running() is not None:
        return PushOutcome(False, "Adaptér právě synchronizuje zásoby. Odešlete zásoby z POHODY znovu za několik minut.")
    folder = data_dir / PUSH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"zasoby-{stamp}-{uuid.uuid4().hex[:8]}.xml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(body)
    os.replace(tmp, path)
    run_id, created = start(AGENDA, "pohoda", options={"push_file": str(path)})
    if not created:
        path.unlink(missing_ok=True)
        return PushOutcome(False, "Adaptér právě synchronizuje zásoby. Odešlete zásoby z POHODY znovu za několik minut.",
                           run_id)
    return PushOutcome(True, f"Přijato {count} zásob; adaptér je zapisuje do e-shopu (běh #{run_id}).", run_id, count)


def push_answer(outcome: PushOutcome, *, pack_id: str = "") -> bytes:
    """The responsePack POHODA gets back (Windows-1250, valid against response.xsd)."""
    pack = etree.Element(q("rsp:responsePack"), nsmap={"rsp": NS["rsp"]})
    pack.attrib.update({
        "version": "2.0",
        "id": (pack_id or (f"run-{outcome.run_id}" if outcome.run_id else "adapter"))[:64],
        "state": "ok" if outcome.ok else "error",
        "note": outcome.note,
        "programVersion": "POHODA adaptér",
    })
    return XML_DECLARATION + etree.tostring(pack, encoding=ENCODING, xml_declaration=False)
