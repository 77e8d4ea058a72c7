"""The full stock run and the pairing refresh, with memory flat in the catalogue's size.

POHODA's listing (streamed, in the job's thread) and the shop's products (a
second thread, handed over through a small bounded queue) are written to
temporary tables as they arrive (:class:`~adapter.sync.pairing.stream.ScratchPairing`);
the pairing is one pass over a join. Each row of the pass is stored in the
ledger's Pairing table and, for a product linked to a code, compared with
what the shop shows now: what differs becomes a plan in a temporary table
too, and the plans are read back in chunks, in batch order, for the push.
Only chunks of rows are held in Python at any time. The temporary tables
and their statements are the ledger's (:mod:`adapter.ledger.pairing_scratch`,
:mod:`adapter.ledger.stock_plan`); this module is the flow.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from adapter.ledger.scratch import InTempTables
from adapter.ledger.stock_plan import PlanRow, StockPlanTables, StoredPlan, UnlinkedRow
from adapter.records import PriceLevel, Product, StockCard
from adapter.sync.pairing.store import Target
from adapter.sync.pairing.stream import CardStock, CodeTotal, ScratchPairing
from adapter.sync.stock.mapping import CodeStock, Desired, Plan, card_quantity, counts, desired_from

if TYPE_CHECKING:
    from adapter.config import StockSettings
    from adapter.eshop.base import Eshop

#: products per hand-over from the shop's listing thread, and how many hand-overs may wait
PRODUCT_BATCH = 500
QUEUE_BATCHES = 8
#: cards read between two looks at the shop's queue
DRAIN_EVERY = 1000
#: plans per read-back chunk and per buffered insert
PLAN_CHUNK = 1000


def card_stock(opts: StockSettings) -> CardStock:
    """What one card adds to its code: the quantity when it counts, and its prices as text (when pushed)."""
    wanted = opts.price_level.strip().casefold() if opts.price_level else ""

    def one(card: StockCard, store: str) -> tuple[Decimal | None, str]:
        if not counts(card, opts, store):
            return None, ""
        quantity = card_quantity(card, opts.quantity)
        if not opts.push_prices:
            return quantity, ""
        level = next((lv.price for lv in card.price_levels if wanted and lv.name.strip().casefold() == wanted), None)
        return quantity, "|".join((_t(card.selling_price), "1" if card.selling_price_includes_vat else "",
                                   card.vat_rate, _t(level), _t(card.action_price)))

    return one


def _t(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _d(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def desired_of(total: CodeTotal, opts: StockSettings, percents: tuple[tuple[str, Decimal], ...]) -> Desired | None:
    """:func:`~adapter.sync.stock.mapping.desired_from` of a code folded on disk (``percents`` as sorted items)."""
    return _desired(total.counted, total.quantity, total.extra, opts, percents)


@functools.lru_cache(maxsize=4096)
def _desired(counted: int, quantity: Decimal, extra: str, opts: StockSettings,
             percents: tuple[tuple[str, Decimal], ...]) -> Desired | None:
    first = None
    if extra:
        price, with_vat, vat, level, action = extra.split("|")
        levels = (PriceLevel(name=opts.price_level, price=Decimal(level)),) if level else ()
        first = StockCard(id=0, code="", name="", selling_price=_d(price), selling_price_includes_vat=bool(with_vat),
                          vat_rate=vat, price_levels=levels, action_price=_d(action))  # type: ignore[arg-type]
    return desired_from(CodeStock(quantity, counted, first), opts, dict(percents))


# --------------------------------------------------------------------------- reading both sides


def _list_products(shop: Eshop, out: queue.Queue[Any], stop: threading.Event) -> None:
    """The shop's products in batches into ``out``, then None (or the exception that stopped the listing)."""
    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    try:
        batch: list[Product] = []
        for product in shop.iter_products():
            batch.append(product)
            if len(batch) >= PRODUCT_BATCH:
                if not put(batch):
                    return
                batch = []
        if put(batch):
            put(None)
    except BaseException as exc:  # handed to the job's thread, which raises it
        put(exc)


def read_both(scratch: ScratchPairing, shop: Eshop, cards: Iterable[tuple[str, StockCard]],
              after_cards: Callable[[], None] = lambda: None) -> None:
    """POHODA's cards (read here, as (warehouse listed, card)) and the shop's products (read by a second
    thread) into ``scratch``.

    Each side waits for its own server; what arrives is written to disk
    at once, so neither catalogue is held.
    """
    handed: queue.Queue[Any] = queue.Queue(QUEUE_BATCHES)
    stop = threading.Event()
    reader = threading.Thread(target=_list_products, args=(shop, handed, stop), name="stock-products", daemon=True)
    reader.start()
    finished = False

    def drain(block: bool) -> None:
        """Write what the shop's thread handed over: everything (``block``), or what waits now."""
        nonlocal finished
        waiting = QUEUE_BATCHES
        while not finished and (block or waiting > 0):
            waiting -= 1
            try:
                item = handed.get(block=block, timeout=None)
            except queue.Empty:
                return
            if item is None:
                finished = True
            elif isinstance(item, BaseException):
                raise item
            else:
                scratch.add_products(item)

    def cards_draining() -> Iterator[tuple[str, StockCard]]:
        for n, listed in enumerate(cards, start=1):
            yield listed
            if n % DRAIN_EVERY == 0:
                drain(False)

    try:
        scratch.add_listed(cards_draining())
        after_cards()
        drain(True)
    except BaseException:
        stop.set()  # the listing thread stops at its next hand-over; nobody waits for it
        raise
    reader.join()


# --------------------------------------------------------------------------- plans on disk


class PlanTable(InTempTables[StockPlanTables]):
    """The full run's plans (and the products left unlinked) on disk; see the module docstring.

    A context manager: the tables (:class:`~adapter.ledger.stock_plan.StockPlanTables`) exist between enter
    and exit. Plans and unlinked products are buffered and written :data:`PLAN_CHUNK` at a time.
    """

    def __init__(self, opts: StockSettings, percents: dict[str, Decimal]) -> None:
        self.opts = opts
        self.percents = tuple(sorted(percents.items()))
        self._tables = StockPlanTables()
        self._plans: list[PlanRow] = []
        self._unlinked: list[UnlinkedRow] = []

    def note_previous(self) -> None:
        """Remember the products linked before this run: the stored pairing's and those last pushed."""
        self._tables.note_previous()

    def desired(self, total: CodeTotal) -> Desired | None:
        """What a product paired to this code should show (None: no card of the code counts)."""
        return desired_of(total, self.opts, self.percents)

    def add(self, plan: Plan, *, known: bool) -> None:
        """Buffer one plan (``known``: the shop shows it already, only the ledger may need its hash)."""
        t, d = plan.target, plan.desired
        self._plans.append((known, t.parent_id or 0, t.product_id, t.parent_id, t.sku, t.code, str(d.quantity),
                            _t(d.regular_price), _t(d.sale_price), d.clear_sale, d.hash, plan.state, plan.warning))
        if len(self._plans) >= PLAN_CHUNK:
            self.flush()

    def unlinked(self, product: Product) -> None:
        """Buffer a product this pairing links to no code (it may have been linked before)."""
        self._unlinked.append((product.id, product.parent_id, product.sku.strip(), product.manage_stock,
                               _t(product.stock_quantity), _t(product.regular_price), _t(product.sale_price)))
        if len(self._unlinked) >= PLAN_CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered."""
        if self._plans:
            self._tables.add_plans(self._plans)
            self._plans = []
        if self._unlinked:
            self._tables.add_unlinked(self._unlinked)
            self._unlinked = []

    def vanished(self) -> Iterator[Product]:
        """Products linked before and to no code now, by id (their card disappeared from POHODA)."""
        self.flush()
        for pid, parent, sku, manage, qty, regular, sale in self._tables.vanished(PLAN_CHUNK):
            yield Product(id=pid, name="", sku=sku, parent_id=parent, manage_stock=bool(manage),
                          stock_quantity=_d(qty), regular_price=_d(regular), sale_price=_d(sale))

    def forget_known_in_ledger(self) -> None:
        """Drop the known plans whose ledger row already has their hash and state."""
        self.flush()
        self._tables.forget_known_in_ledger()

    def count(self, *, known: bool) -> int:
        """How many plans of the kind are stored."""
        self.flush()
        return self._tables.count(known=known)

    def chunks(self, *, known: bool) -> Iterator[list[Plan]]:
        """The stored plans in batch order (simple products first, variations by parent), a chunk at a time."""
        self.flush()
        for rows in self._tables.plans(known=known, chunk=PLAN_CHUNK):
            yield [self._plan(r) for r in rows]

    @staticmethod
    def _plan(r: StoredPlan) -> Plan:
        _parent0, pid, parent, sku, code, qty, regular, sale, clear, _hash, state, warning = r
        desired = Desired(Decimal(qty), _d(regular), _d(sale), bool(clear))
        return Plan(Target(pid, parent, sku, code), desired, warning=warning, state=state)
