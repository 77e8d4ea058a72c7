"""The full stock run and the pairing refresh, with memory flat in the catalogue's size.

POHODA's listing (streamed, in the job's thread) and the shop's products (a
second thread, handed over through a small bounded queue) are written to
temporary tables as they arrive (:class:`~adapter.sync.pairing.stream.ScratchPairing`);
the pairing is one pass over a join. Each row of the pass is stored in the
ledger's Pairing table and, for a product linked to a code, compared with
what the shop shows now: what differs becomes a plan in a temporary table
too, and the plans are read back in chunks, in batch order, for the push.
Only chunks of rows are held in Python at any time.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from adapter.ledger import database
from adapter.ledger.scratch import TempTables
from adapter.ledger.stock import AGENDA
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

_PLAN_COLUMNS = ("known", "parent0", "pid", "parent", "sku", "code", "qty", "regular", "sale", "clear", "hash", "state",
                 "warning")
_SCHEMA = (
    "CREATE TEMP TABLE stock_plan (seq INTEGER PRIMARY KEY, known INTEGER, parent0 INTEGER, pid INTEGER, parent INTEGER,"
    " sku TEXT, code TEXT, qty TEXT, regular TEXT, sale TEXT, clear INTEGER, hash TEXT, state TEXT, warning TEXT)",
    "CREATE TEMP TABLE stock_unlinked (id INTEGER PRIMARY KEY, parent INTEGER, sku TEXT, manage INTEGER, qty TEXT,"
    " regular TEXT, sale TEXT)",
    "CREATE TEMP TABLE stock_prev (id INTEGER PRIMARY KEY)",
)
_TABLES = ("stock_plan", "stock_unlinked", "stock_prev")


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


class PlanTable(TempTables):
    """The full run's plans (and the products left unlinked) in temporary tables; see the module docstring."""

    TABLES, SCHEMA = _TABLES, _SCHEMA

    def __init__(self, opts: StockSettings, percents: dict[str, Decimal]) -> None:
        self.opts = opts
        self.percents = tuple(sorted(percents.items()))
        self._plans: list[tuple[Any, ...]] = []
        self._unlinked: list[tuple[Any, ...]] = []

    def note_previous(self) -> None:
        """Remember the products linked before this run: the stored pairing's and those last pushed."""
        database.execute_sql(
            "INSERT OR IGNORE INTO temp.stock_prev SELECT product_id FROM pairing WHERE product_id IS NOT NULL"
            " AND pohoda_code != '' AND status IN ('paired', 'conflict')")
        database.execute_sql(
            "INSERT OR IGNORE INTO temp.stock_prev SELECT CAST(key AS INTEGER) FROM entry WHERE agenda = ?"
            " AND state = 'ok' AND key != '' AND key NOT GLOB '*[^0-9]*'", (AGENDA,))

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
        cursor = database.cursor()  # type: ignore[no-untyped-call,unused-ignore]
        if self._plans:
            cursor.executemany(f"INSERT INTO temp.stock_plan ({', '.join(_PLAN_COLUMNS)}) VALUES "  # noqa: S608
                               f"({', '.join('?' for _ in _PLAN_COLUMNS)})", self._plans)
            self._plans = []
        if self._unlinked:
            cursor.executemany("INSERT OR IGNORE INTO temp.stock_unlinked VALUES (?, ?, ?, ?, ?, ?, ?)", self._unlinked)
            self._unlinked = []

    def vanished(self) -> Iterator[Product]:
        """Products linked before and to no code now, by id (their card disappeared from POHODA)."""
        self.flush()
        cursor = database.execute_sql(
            "SELECT u.id, u.parent, u.sku, u.manage, u.qty, u.regular, u.sale FROM temp.stock_unlinked u"
            " JOIN temp.stock_prev v ON v.id = u.id ORDER BY u.id")
        while chunk := cursor.fetchmany(PLAN_CHUNK):
            for pid, parent, sku, manage, qty, regular, sale in chunk:
                yield Product(id=pid, name="", sku=sku, parent_id=parent, manage_stock=bool(manage),
                              stock_quantity=_d(qty), regular_price=_d(regular), sale_price=_d(sale))

    def forget_known_in_ledger(self) -> None:
        """Drop the known plans whose ledger row already has their hash and state."""
        self.flush()
        database.execute_sql(
            "DELETE FROM temp.stock_plan WHERE known = 1 AND EXISTS (SELECT 1 FROM entry e WHERE e.agenda = ?"
            " AND e.key = CAST(stock_plan.pid AS TEXT) AND e.payload_hash = stock_plan.hash"
            " AND e.state = stock_plan.state)", (AGENDA,))

    def count(self, *, known: bool) -> int:
        """How many plans of the kind are stored."""
        self.flush()
        return int(database.execute_sql("SELECT COUNT(*) FROM temp.stock_plan WHERE known = ?", (known,)).fetchone()[0])

    def chunks(self, *, known: bool) -> Iterator[list[Plan]]:
        """The stored plans in batch order (simple products first, variations by parent), a chunk at a time.

        Each chunk is one range read of an index (a scan per chunk would make the push quadratic).
        """
        self.flush()
        database.execute_sql("CREATE INDEX IF NOT EXISTS temp.stock_plan_order ON stock_plan (known, parent0, pid)")
        after: tuple[int, int] = (-1, -1)
        columns = ", ".join(_PLAN_COLUMNS[1:])
        while True:
            rows = database.execute_sql(
                f"SELECT {columns} FROM temp.stock_plan WHERE known = ? AND (parent0, pid) > (?, ?)"  # noqa: S608
                " ORDER BY parent0, pid LIMIT ?", (known, *after, PLAN_CHUNK)).fetchall()
            if not rows:
                return
            after = (rows[-1][0], rows[-1][1])
            yield [self._plan(r) for r in rows]

    @staticmethod
    def _plan(r: tuple[Any, ...]) -> Plan:
        _parent0, pid, parent, sku, code, qty, regular, sale, clear, _hash, state, warning = r
        desired = Desired(Decimal(qty), _d(regular), _d(sale), bool(clear))
        return Plan(Target(pid, parent, sku, code), desired, warning=warning, state=state)
