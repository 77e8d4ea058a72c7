"""Přijaté objednávky: e-shop orders marked for transfer → POHODA received orders, exactly once.

The job (:class:`OrdersJob`):

1. **Reconcile** ledger rows left in ``sending`` (a crash between the POST
   and its answer, or orders POHODA fetched itself): each is looked up in
   POHODA by extId / numberOrder before anything is sent again — found → ok
   with POHODA's id and number; not found → sent again in this run.
2. **Collect** the orders: the shop's orders marked for transfer changed
   since the watermark (a full check looks back ``[orders] recheck_days``),
   plus every held/pending row (and on a full check every error row), or
   only ``options["keys"]``.
3. **Gate**: every product line must pair to a POHODA stock code (Pairing
   table, then POHODA itself); VAT rates, currency rate and the total must
   map. Otherwise the order is ``held`` with the reason; held orders are
   re-evaluated every run and go through by themselves once fixed.
4. **Send** in batches: every row is committed as ``sending`` with its XML
   and payload hash *before* the POST; dataPackItem ids are deterministic
   under one constant pack id and ``STW-Check-Duplicity`` is on, so a repeat
   is answered with the earlier record (counted as success).
5. **Record** each result (ok + POHODA id/number, or POHODA's error with
   every detail), then mark the shop order transferred (retried next run if
   the shop call fails). An order changed in the shop after its transfer is
   flagged for a person — POHODA cannot update received orders.

``ctx.dry_run`` does everything up to the POST and stores the XML and its
schema validation in the run report and the run's events (state ``preview``).

The decision per order is in :mod:`~adapter.sync.orders.evaluate`, the send in
:mod:`~adapter.sync.orders.send`, the shop marking in
:mod:`~adapter.sync.orders.marks`; every ledger write of an order goes through
:mod:`adapter.ledger.orders`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Event
from typing import Any, ClassVar

from adapter import ledger
from adapter.config import Settings
from adapter.eshop.base import Eshop, EshopObjectNotFound
from adapter.ledger import orders as rows
from adapter.mappings.statuses import note_shop_statuses
from adapter.records import Order
from adapter.sync.base import TO_POHODA, AgendaJob
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of
from adapter.sync.lookups import CodeResolver
from adapter.sync.orders.evaluate import (
    PreparedOrder,
    evaluate,
    feedback_in_background,
    product_skus,
    resolver_for,
)
from adapter.sync.orders.mapping import MappingOptions, mapping_options
from adapter.sync.orders.marks import NotePolicy, ShopMarker, retry_marks
from adapter.sync.orders.queries import summary
from adapter.sync.orders.send import Sender, reconcile_sending
from adapter.sync.orders.spool import spooled
from adapter.sync.refunds import cancels
from adapter.sync.state import next_shop_cursor, parse_utc

AGENDA = rows.AGENDA


class OrdersJob(AgendaJob):
    """Transfer the orders marked for transfer (see the module docstring)."""

    agenda: ClassVar[str] = AGENDA
    direction: ClassVar[str] = TO_POHODA
    actions: ClassVar[tuple[str, ...]] = ("sync", "preview", "full")
    watermark: ClassVar[str | None] = AGENDA
    batch_size: ClassVar[int] = 50

    def run(self, ctx: JobContext) -> None:
        """One run: reconcile, then the pipeline; the watermark moves only after a whole run.

        A pipeline: the shop's order pages are read ahead in a thread, the job's
        thread pairs, maps, builds and commits each batch as ``sending``, a
        :class:`~adapter.sync.pipeline.SendLane` posts it to POHODA while the next
        batch is being built, and the answers are recorded here; shop marking
        runs in :class:`~adapter.sync.orders.marks.ShopMarker` threads. POHODA,
        the shop and this process all work at once.
        """
        signpost = ctx.now()
        shop = ctx.eshop()
        keys = [str(k) for k in ctx.options.get("keys") or []]
        notes = NotePolicy(ctx, shop)
        if not ctx.dry_run:
            ctx.progress(phase="Ověřuji nedokončené přenosy v POHODĚ", force=True)
            reconcile_sending(ctx, shop)
            retry_marks(ctx, shop, keys=keys, notes=notes)
        ctx.check_cancel()
        ctx.progress(phase="Načítám a odesílám objednávky" if not ctx.dry_run else "Připravuji náhled", force=True)
        checkpoint = ledger.get_checkpoint(AGENDA)
        previous = checkpoint.cursor if checkpoint else ""
        resolver = resolver_for(ctx)
        seen = Seen()
        with feedback_in_background(ctx):
            transfer(ctx, shop, resolver, keys=keys, previous=previous, seen=seen, notes=notes)
        if not ctx.dry_run and not keys:
            note_shop_statuses(ctx.settings, shop, ctx.now())  # a plugin's status is a nová hodnota (issue 23)
        cancelled = cancels.notice(ctx, shop, since=parse_utc(previous)) if not keys else []  # issue 19
        if not ctx.dry_run and not keys:
            ledger.set_checkpoint(AGENDA, next_shop_cursor(previous, seen.max_modified, signpost))
        ctx.report = {**report(ctx, resolver), **ctx.report}
        if cancelled:
            ctx.message = cancels.notice_message(ctx, cancelled)
        ctx.progress(force=True)

    def card(self, settings: Settings) -> dict[str, Any]:
        """Held orders, their blocking SKUs, changed and pulled orders (the orders card)."""
        return {"summary": summary()}


def transfer(ctx: JobContext, shop: Eshop, resolver: CodeResolver, *, keys: Sequence[str], previous: str,
             seen: Seen, notes: NotePolicy | None = None) -> None:
    """Collect, pair, map and send in overlapping stages (see :meth:`OrdersJob.run`)."""
    opts = mapping_options(ctx.settings)
    size = max(1, ctx.settings.orders.batch_size)
    marker = ShopMarker(ctx, notes=notes)
    sender = Sender(ctx, marker)
    ready: list[PreparedOrder] = []
    resolver.load_table()
    # pairing look-ups run one chunk ahead in their own thread, so the job never waits for them
    lookups = ThreadPoolExecutor(1, thread_name_prefix="orders-pairing")
    try:
        waiting: Looked | None = None
        for chunk in collect(ctx, shop, keys=keys, previous=previous, seen=seen, listed=marker.gate):
            ctx.check_cancel()
            ctx.progress(total=seen.count)
            looked = look_up(lookups, chunk, resolver)
            if waiting is not None:
                ready.extend(prepare_chunk(ctx, waiting, resolver, opts))
            waiting = looked
            # full batches; a smaller one only when POHODA would otherwise wait
            while len(ready) >= size or (ready and sender.idle):
                sender.dispatch(ready[:size])
                del ready[:size]
            sender.collect()
        if waiting is not None:
            ready.extend(prepare_chunk(ctx, waiting, resolver, opts))
        for start in range(0, len(ready), size):
            ctx.check_cancel()
            sender.dispatch(ready[start : start + size])
        sender.finish()
    except BaseException:
        sender.abort()
        raise
    finally:
        lookups.shutdown(wait=True, cancel_futures=True)
        ctx.progress(phase="Označuji objednávky v e-shopu")
        marker.close()


@dataclass
class Seen:
    """What :func:`collect` has handed out so far: order ids, the newest shop change."""

    ids: set[int] = field(default_factory=set)
    max_modified: datetime | None = None

    @property
    def count(self) -> int:
        """Orders handed out."""
        return len(self.ids)


#: orders per chunk handed from the shop reader to pairing and mapping (one pairing look-up each)
CHUNK = 100
#: the first chunks are smaller, so the first pack goes to POHODA after a short look-up, not a long one
FIRST_CHUNKS = (20, 40)


def collect(ctx: JobContext, shop: Eshop, *, keys: Sequence[str], previous: str, seen: Seen,
            listed: Event | None = None) -> Iterator[list[Order]]:
    """The orders this run looks at, in chunks, each order once.

    First the shop's orders marked for transfer changed since the watermark
    (a full check looks back ``[orders] recheck_days``), read ahead in a
    thread, oldest change first; then the held/pending ledger rows (and on a
    full check the error rows) the shop list did not bring. With
    ``options["keys"]`` only those orders. ``listed`` is set once the shop's
    list has been read to its end (shop marking waits for it).
    """
    if keys:
        if listed is not None:
            listed.set()
        chunk = []
        for key in keys:
            order = _get_order(ctx, shop, key)
            if order is not None and order.id not in seen.ids:
                seen.ids.add(order.id)
                chunk.append(order)
        if chunk:
            yield chunk
        return
    recheck = ctx.now() - timedelta(days=max(1, ctx.settings.orders.recheck_days))
    mark = parse_utc(previous)
    since = recheck if mark is None else (min(mark, recheck) if ctx.full else mark)
    ctx.count_request("eshop")
    chunk = []
    sizes = iter(FIRST_CHUNKS)
    limit = next(sizes, CHUNK)
    # read the whole list before any order is marked: marking changes an order's modification time (and maybe
    # its status), which would move orders between the pages still to be read; the orders read ahead wait in a
    # temporary file (POHODA takes them more slowly than the shop lists them), so memory stays flat
    orders = spooled(shop.iter_orders_for_transfer(since=since), name="orders-reader",
                     on_done=listed.set if listed is not None else None)
    for order in orders:
        if seen.max_modified is None or order.modified > seen.max_modified:
            seen.max_modified = order.modified
        if order.id in seen.ids:
            continue
        seen.ids.add(order.id)
        chunk.append(order)
        if len(chunk) >= min(limit, CHUNK):
            yield chunk
            chunk = []
            limit = next(sizes, CHUNK)
    if chunk:
        yield chunk
    yield from _waiting(ctx, shop, seen)


def _waiting(ctx: JobContext, shop: Eshop, seen: Seen) -> Iterator[list[Order]]:
    """The held/pending ledger rows (on a full check also the error rows) the shop's list did not bring."""
    states = ["held", "pending"] + (["error"] if ctx.full else [])
    again = [e for e in rows.in_states(states) if e.key.isdigit() and int(e.key) not in seen.ids]
    if not again:
        return
    numbers = {details_of(e).get("number") or e.key: e for e in again}
    ctx.count_request("eshop")
    by_number = shop.find_orders(list(numbers))
    chunk = []
    for number, entry in numbers.items():
        order = by_number.get(number)
        if order is None or str(order.id) != entry.key:
            order = _get_order(ctx, shop, entry.key)
        if order is not None and order.id not in seen.ids:
            seen.ids.add(order.id)
            chunk.append(order)
    chunk.sort(key=lambda o: (o.modified, o.id))
    for start in range(0, len(chunk), CHUNK):
        yield chunk[start : start + CHUNK]


@dataclass
class Looked:
    """A chunk of orders, their ledger rows and the pairing look-up started for their new SKUs."""

    orders: Sequence[Order]
    entries: dict[str, ledger.Entry]
    fetched: Future[None]


def look_up(pool: ThreadPoolExecutor, chunk: Sequence[Order], resolver: CodeResolver) -> Looked:
    """Start the pairing look-up of a chunk's open orders (one POHODA request for its SKUs not yet known)."""
    entries = rows.rows_for([str(o.id) for o in chunk])
    open_orders = [o for o in chunk if getattr(entries.get(str(o.id)), "state", "") not in ("ok", "sending")]
    return Looked(chunk, entries, pool.submit(resolver.fetch, product_skus(open_orders)))


def prepare_chunk(ctx: JobContext, looked: Looked, resolver: CodeResolver, opts: MappingOptions
                  ) -> list[PreparedOrder]:
    """Wait for the chunk's pairing look-up (its error is raised here), map and build; the orders ready to send."""
    looked.fetched.result()
    entries = looked.entries
    ready: list[PreparedOrder] = []
    for order in looked.orders:
        prepared = evaluate(ctx, order, entries.get(str(order.id)), resolver, opts)
        if prepared is not None:
            ready.append(prepared)
        else:
            ctx.advance()
    return ready


def _get_order(ctx: JobContext, shop: Eshop, key: str) -> Order | None:
    """One order by id; a missing one is noted (and its held/pending row set aside)."""
    if not key.isdigit():
        ctx.error(key, f"„{key}“ není číslo objednávky v e-shopu.")
        return None
    try:
        ctx.count_request("eshop")
        return shop.get_order(int(key))
    except EshopObjectNotFound:
        entry = rows.row(key)
        if entry is not None and entry.state in ("held", "pending", "error") and not ctx.dry_run:
            rows.set_aside(key, "Objednávka v e-shopu už neexistuje.", ctx.run_id)
        ctx.skipped(key, "Objednávka v e-shopu neexistuje.", label=entry.label if entry else "", record=True)
        return None


def report(ctx: JobContext, resolver: CodeResolver) -> dict[str, Any]:
    """The run report (shown on the run detail page)."""
    tally = ctx.tally
    out: dict[str, Any] = {
        "přeneseno": ctx.counts["ok"], "čeká (nespárováno aj.)": ctx.counts["held"], "chyby": ctx.counts["error"],
        "beze změny": tally["unchanged"], "změněno po přenosu": tally["changed"],
        "duplicita (již v POHODĚ)": tally["duplicate"], "dohledáno po přerušení": tally["reconciled"],
        "neoznačeno v e-shopu": tally["marked_pending"], "SKU ověřeno v POHODĚ": resolver.looked_up,
    }
    if ctx.blocking:
        out["blokující SKU"] = [{"SKU": sku, "objednávek": n} for sku, n in ctx.blocking.most_common(50)]
    if ctx.dry_run:
        out["režim"] = "náhled — nic nebylo odesláno"
        out["náhled"] = ctx.preview_rows
        out["dávky"] = ctx.preview_packs
    return out
