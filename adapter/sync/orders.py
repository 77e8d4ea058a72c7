"""Objednávky přijaté: e-shop orders marked for transfer → POHODA received orders, exactly once.

The job (:func:`run`):

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
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from adapter import ledger
from adapter.config import Settings
from adapter.errors import AdapterError, EshopError, IcoMismatch, PackError
from adapter.eshop.base import Eshop, EshopObjectNotFound, TransferMark
from adapter.pohoda import schema
from adapter.pohoda.envelope import BuiltPack, PackItem, build_pack, parse_response
from adapter.pohoda.orders import order_item
from adapter.records import ItemResult, Order, PohodaOrder
from adapter.sync.context import JobContext
from adapter.sync.order_mapping import (
    EXT_SYSTEM,
    Mapped,
    MappingOptions,
    local_date,
    map_order,
    snapshot,
    snapshot_hash,
)
from adapter.sync.orders_pohoda import CodeResolver, SentRow, find_orders, item_answers
from adapter.sync.pipeline import Outcome, SendLane, read_ahead
from adapter.sync.state import next_shop_cursor, parse_utc

log = logging.getLogger(__name__)

AGENDA = "orders"
#: one constant pack id: with deterministic item ids, (pack id, item id) names one order forever,
#: so POHODA's batch duplicity check recognises a repeat whatever batch it travels in
PACK_ID = "eshop-objednavky"
ITEM_PREFIX = "ord"
DEFAULT_NOTE = "Přeneseno do POHODY jako objednávka {number}."


# --------------------------------------------------------------------------- settings → options


def mapping_options(settings: Settings) -> MappingOptions:
    """The mapping options from ``[orders]``."""
    o = settings.orders
    return MappingOptions(
        vat_rates=o.vat_rates, payment_map=o.payment_map, carrier_map=o.carrier_map, store=o.store,
        reserve_stock=o.reserve_stock, numbering=o.numbering, numbering_series=o.numbering_series,
        currency_rates=o.currency_rates, rate_meta_key=o.rate_meta_key, ext_system=EXT_SYSTEM,
    )


def truthy(value: str | None) -> bool:
    """Whether an order meta value means "yes"."""
    return value is not None and value.strip().lower() not in ("", "0", "no", "false", "off", "ne", "n", "null")


def ready_for_transfer(order: Order, settings: Settings) -> bool:
    """True when the shop marks the order for transfer (meta flag, else status)."""
    key = settings.orders.transfer_meta_key
    if key:
        return truthy(order.meta_value(key))
    return order.status in settings.orders.transfer_statuses


def label_of(number: str) -> str:
    """The ledger label of an order."""
    return f"Objednávka {number}"


def details_of(entry: ledger.Entry | None) -> dict[str, Any]:
    """An entry's details as a dict (never None)."""
    value = entry.details_value() if entry is not None else None
    return dict(value) if isinstance(value, dict) else {}


def resolver_for(ctx: JobContext) -> CodeResolver:
    """A pairing resolver that asks POHODA through the job's client (counting requests)."""
    settings = ctx.settings

    def post(xml: bytes) -> bytes:
        ctx.count_request("pohoda")
        return ctx.pohoda().post(xml, write=False)

    return CodeResolver(ico=settings.pohoda.ico, post=post, case_sensitive=settings.pairing.case_sensitive,
                        ean_fallback=settings.pairing.ean_fallback, store=settings.orders.store,
                        application=settings.pohoda.application)


def product_skus(orders: Iterable[Order]) -> list[str]:
    """Every product SKU of the orders (for one pairing look-up)."""
    return [line.sku for order in orders for line in order.lines if line.kind == "product" and line.sku.strip()]


def map_with(resolver: CodeResolver, order: Order, opts: MappingOptions) -> Mapped:
    """Map one order with the codes the resolver knows (``resolver.fetch`` its SKUs first)."""
    codes = resolver.known(line.sku for line in order.lines if line.kind == "product")
    return map_order(order, codes, opts, multi_store=frozenset(resolver.multi_store), elsewhere=resolver.elsewhere)


# --------------------------------------------------------------------------- the plan of one run


@dataclass
class Prepared:
    """An order ready to send: its document item, the one-item XML for the ledger, facts."""

    order: Order
    mapped: Mapped
    item: PackItem
    hash: str
    entry: ledger.Entry | None
    snap: dict[str, Any] = field(default_factory=dict)  #: :func:`snapshot` of the order (the ledger's eshop_data)
    details: dict[str, Any] = field(default_factory=dict)  #: the ledger details written with ``sending``

    @property
    def key(self) -> str:
        """The natural key (shop order id)."""
        return str(self.order.id)

    @property
    def warnings(self) -> list[str]:
        """Mapping warnings plus text-fitting warnings of the XML builder."""
        return list(dict.fromkeys([*self.mapped.warnings, *self.item.warnings]))


@dataclass
class RunStats:
    """What the run did, for the report."""

    ok: int = 0
    held: int = 0
    error: int = 0
    unchanged: int = 0
    changed: int = 0
    duplicate: int = 0
    reconciled: int = 0
    marked_pending: int = 0
    blocking: Counter[str] = field(default_factory=Counter)
    preview: list[dict[str, Any]] = field(default_factory=list)
    packs: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- the job


def run(ctx: JobContext) -> None:
    """Transfer the orders marked for transfer (see the module docstring).

    A pipeline: the shop's order pages are read ahead in a thread, the job's
    thread pairs, maps, builds and commits each batch as ``sending``, a
    :class:`~adapter.sync.pipeline.SendLane` posts it to POHODA while the next
    batch is being built, and the answers are recorded here; shop marking
    runs in :class:`ShopMarker` threads. POHODA, the shop and this process
    all work at once.
    """
    settings = ctx.settings
    opts = mapping_options(settings)
    signpost = ctx.now()
    stats = RunStats()
    shop = ctx.eshop()
    keys = [str(k) for k in ctx.options.get("keys") or []]
    if not ctx.dry_run:
        ctx.progress(phase="Ověřuji nedokončené přenosy v POHODĚ", force=True)
        reconcile_sending(ctx, shop, stats)
        retry_marks(ctx, shop, stats, keys=keys)
    ctx.check_cancel()
    ctx.progress(phase="Načítám a odesílám objednávky" if not ctx.dry_run else "Připravuji náhled", force=True)
    checkpoint = ledger.get_checkpoint(AGENDA)
    previous = checkpoint.cursor if checkpoint else ""
    resolver = resolver_for(ctx)
    seen = Seen()
    size = max(1, settings.orders.batch_size)
    marker = ShopMarker(ctx, stats)
    sender = Sender(ctx, marker, stats)
    ready: list[Prepared] = []
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
                ready.extend(prepare_chunk(ctx, waiting, resolver, opts, stats))
            waiting = looked
            # full batches; a smaller one only when POHODA would otherwise wait
            while len(ready) >= size or (ready and sender.idle):
                sender.dispatch(ready[:size])
                del ready[:size]
            sender.collect()
        if waiting is not None:
            ready.extend(prepare_chunk(ctx, waiting, resolver, opts, stats))
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
    if not ctx.dry_run and not keys:
        ledger.set_checkpoint(AGENDA, next_shop_cursor(previous, seen.max_modified, signpost))
    ctx.report = report(stats, ctx.dry_run, resolver)
    ctx.progress(force=True)


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
            listed: threading.Event | None = None) -> Iterator[list[Order]]:
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
    # its status), which would move orders between the pages still to be read
    orders = read_ahead(shop.iter_orders_for_transfer(since=since), ahead=0, name="orders-reader",
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
    states = ["held", "pending"] + (["error"] if ctx.full else [])
    again = [e for e in ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state.in_(states)))
             if e.key.isdigit() and int(e.key) not in seen.ids]
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
    entries = ledger.entries_for(AGENDA, [str(o.id) for o in chunk])
    open_orders = [o for o in chunk if getattr(entries.get(str(o.id)), "state", "") not in ("ok", "sending")]
    return Looked(chunk, entries, pool.submit(resolver.fetch, product_skus(open_orders)))


def prepare_chunk(ctx: JobContext, looked: Looked, resolver: CodeResolver, opts: MappingOptions,
                  stats: RunStats) -> list[Prepared]:
    """Wait for the chunk's pairing look-up (its error is raised here), map and build; the orders ready to send."""
    looked.fetched.result()
    entries = looked.entries
    ready: list[Prepared] = []
    for order in looked.orders:
        prepared = evaluate(ctx, order, entries.get(str(order.id)), resolver, opts, stats)
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
        entry = ledger.get_entry(AGENDA, key)
        if entry is not None and entry.state in ("held", "pending", "error") and not ctx.dry_run:
            ledger.save_entry(AGENDA, key, state="skipped", error="Objednávka v e-shopu už neexistuje.", run=ctx.run_id)
        ctx.skipped(key, "Objednávka v e-shopu neexistuje.", label=entry.label if entry else "", record=True)
        return None


def evaluate(ctx: JobContext, order: Order, entry: ledger.Entry | None, resolver: CodeResolver,
             opts: MappingOptions, stats: RunStats) -> Prepared | None:
    """Decide what happens to one order; returns it prepared for sending, or None when it is done with."""
    key, label = str(order.id), label_of(order.number)
    snap = snapshot(order)
    digest = snapshot_hash(snap)
    state = entry.state if entry is not None else ""
    if state == "ok":
        if entry is not None and entry.payload_hash and entry.payload_hash != digest:
            flag_changed(ctx, order, entry, digest, stats)
        else:
            stats.unchanged += 1
            ctx.skipped(key, label=label)
        return None
    if state == "sending":
        ctx.skipped(key, "Objednávku si stáhla POHODA; čeká na potvrzení přenosu.", label=label, record=True)
        return None
    if not ready_for_transfer(order, ctx.settings):
        if state in ("held", "pending", "error") and not ctx.dry_run:
            ledger.save_entry(AGENDA, key, state="skipped", run=ctx.run_id,
                              error=f"Objednávka už není označena k přenosu (stav „{order.status}“).")
        ctx.skipped(key, f"Není označena k přenosu (stav „{order.status}“).", label=label, record=True)
        return None
    mapped = map_with(resolver, order, opts)
    if not mapped.ok or mapped.doc is None:
        hold(ctx, order, entry, mapped, digest, stats)
        return None
    try:
        item = order_item(mapped.doc)
    except ValueError as exc:
        record_error(ctx, order, digest, f"Doklad nelze sestavit: {exc}", stats)
        return None
    return Prepared(order=order, mapped=mapped, item=item, hash=digest, entry=entry, snap=snap)


def hold(ctx: JobContext, order: Order, entry: ledger.Entry | None, mapped: Mapped, digest: str,
         stats: RunStats) -> None:
    """Record an order that must wait (unpaired product, unmapped VAT, missing rate …)."""
    key, reason = str(order.id), mapped.reason()
    stats.held += 1
    stats.blocking.update(mapped.blocking_skus)
    ctx.held(key, reason, label=label_of(order.number))
    if ctx.dry_run:
        stats.preview.append(_preview_row(order, mapped, "čeká", reason))
        return
    details = details_of(entry)
    details.update(number=order.number, date=local_date(order.created).isoformat(),
                   reasons=sorted({p.kind for p in mapped.problems}), skus=list(mapped.blocking_skus),
                   problems=[p.message for p in mapped.problems])
    ledger.save_entry(AGENDA, key, state="held", label=label_of(order.number), shop_id=key, error=reason,
                      payload_hash=digest, details=details, warnings=list(mapped.warnings),
                      eshop_data=snapshot(order), run=ctx.run_id)


def record_error(ctx: JobContext, order: Order, digest: str, message: str, stats: RunStats) -> None:
    """An order that failed before it could be sent."""
    key = str(order.id)
    stats.error += 1
    ctx.error(key, message, label=label_of(order.number))
    if not ctx.dry_run:
        ledger.save_entry(AGENDA, key, state="error", label=label_of(order.number), shop_id=key, error=message,
                          payload_hash=digest, details={"number": order.number}, eshop_data=snapshot(order),
                          run=ctx.run_id)


def flag_changed(ctx: JobContext, order: Order, entry: ledger.Entry, digest: str, stats: RunStats) -> None:
    """A transferred order changed in the shop: POHODA cannot update it — tell a person, never re-send."""
    key, label = str(order.id), label_of(order.number)
    details = details_of(entry)
    already = (details.get("changed") or {}).get("hash") == digest
    stats.changed += 1
    ctx.skipped(key, label=label)
    if already:
        return
    message = (f"Objednávka {order.number} se v e-shopu změnila po přenosu do POHODY (doklad {entry.pohoda_number}). "
               "POHODA neumí přijatou objednávku přes XML upravit — opravte ji v POHODĚ ručně, pak změnu potvrďte "
               "na stránce Objednávky.")
    ctx.event(key, "changed", message, label=label)
    if ctx.dry_run:
        return
    details["changed"] = {"hash": digest, "at": ctx.now().isoformat(), "total": str(order.total)}
    warnings = [w for w in entry.warnings_list() if not w.startswith("Objednávka se v e-shopu změnila")]
    warnings.append(f"Objednávka se v e-shopu změnila po přenosu ({ctx.now():%d. %m. %Y %H:%M}); POHODA ji "
                    "neumí aktualizovat, zkontrolujte doklad ručně.")
    ledger.save_entry(AGENDA, key, details=details, warnings=warnings, eshop_data=snapshot(order))


# --------------------------------------------------------------------------- sending


def single_xml(settings: Settings, item: PackItem) -> str:
    """The dataPack of one document exactly as it travels (same pack id and item id), as text."""
    pack = build_pack([item], ico=settings.pohoda.ico, pack_id=PACK_ID, application=settings.pohoda.application)
    return pack.xml.decode("cp1250")


_ITEM_OPEN = "<dat:dataPackItem "
_ITEM_CLOSE = "</dat:dataPackItem>"


def single_packs(pack: BuiltPack) -> dict[str, str]:
    """item id → a dataPack holding only that item, cut from the bytes actually sent (no rebuilding)."""
    text = pack.xml.decode("cp1250")
    first = text.find(_ITEM_OPEN)
    last = text.rfind(_ITEM_CLOSE)
    if first < 0 or last < 0:
        return {}
    head, tail = text[:first], text[last + len(_ITEM_CLOSE):]
    out: dict[str, str] = {}
    pos = first
    for item_id_ in pack.item_ids:
        end = text.find(_ITEM_CLOSE, pos) + len(_ITEM_CLOSE)
        chunk = text[pos:end]
        if f'id="{item_id_}"' not in chunk[: chunk.find(">")]:
            return {}  # unexpected layout: the caller builds each one instead
        out[item_id_] = head + chunk + tail
        pos = end
    return out


def validate_items(settings: Settings, batch: Sequence[Prepared]) -> tuple[list[Prepared], dict[str, list[str]], BuiltPack]:
    """Drop documents whose XML breaks the schema (never send a pack POHODA would refuse whole).

    Returns the good documents, the schema errors of the bad ones, and the
    pack of the good ones (the one built for validation when all are good).
    """
    pack = build_pack([p.item for p in batch], ico=settings.pohoda.ico, pack_id=PACK_ID,
                      application=settings.pohoda.application)
    errors = schema.validate(pack.xml, "data")
    if not errors:
        return list(batch), {}, pack
    good: list[Prepared] = []
    bad: dict[str, list[str]] = {}
    for p in batch:
        own = schema.validate(single_xml(settings, p.item).encode("cp1250"), "data") or []
        if own:
            bad[p.key] = own
        else:
            good.append(p)
    pack = build_pack([p.item for p in good], ico=settings.pohoda.ico, pack_id=PACK_ID,
                      application=settings.pohoda.application)
    return good, bad, pack


#: what the send lane carries per pack: the documents and the pack
Batch = tuple[list[Prepared], BuiltPack]


class Sender:
    """Sends the run's batches through one :class:`SendLane` and records every answer in the job's thread.

    :meth:`dispatch` validates a batch, commits its rows as ``sending`` and
    queues the POST; :meth:`collect` records the answers that came back so
    far, :meth:`finish` waits for the rest. :meth:`abort` (on cancel or a
    failure) lets the pack in flight finish and be recorded, and sets the
    rows of packs that never left back to ``pending``. In a dry run nothing
    is queued: each batch becomes a preview.
    """

    def __init__(self, ctx: JobContext, marker: ShopMarker, stats: RunStats) -> None:
        self.ctx, self.marker, self.stats = ctx, marker, stats
        self._lane: SendLane[Batch] | None = None

    def _lane_now(self) -> SendLane[Batch]:
        if self._lane is None:
            client = self.ctx.pohoda()

            def send(body: bytes) -> bytes | PackError:  # only the request here: the answer is read in the job's thread
                try:
                    return client.post(body, write=True)
                except PackError as exc:  # POHODA refused this pack whole: an answer, not a failure of the lane
                    return exc

            self._lane = SendLane(send, ahead=2, name="orders-to-pohoda")
        return self._lane

    def dispatch(self, batch: Sequence[Prepared]) -> None:
        """Validate, commit ``sending`` and queue one batch (or preview it in a dry run)."""
        ctx, stats = self.ctx, self.stats
        good, bad, pack = validate_items(ctx.settings, batch)
        for p in batch:
            if p.key in bad:
                record_error(ctx, p.order, p.hash, "XML dokladu neodpovídá schématu POHODY: "
                             + "; ".join(bad[p.key][:3]), stats)
                ctx.advance()
        if not good:
            return
        if ctx.dry_run:
            preview_batch(ctx, pack, good, stats)
            return
        lane = self._lane_now()
        begin_sending(ctx, pack, good)
        lane.submit((good, pack), pack.xml)

    def collect(self, *, wait: bool = False) -> None:
        """Record the answers that are back (every outstanding one with ``wait``)."""
        if self._lane is not None:
            for outcome in self._lane.results(wait=wait):
                record_outcome(self.ctx, self.marker, outcome, self.stats)

    @property
    def idle(self) -> bool:
        """True when no pack is queued or in flight (POHODA would wait for the next one); never in a dry run,
        whose preview shows full batches."""
        if self.ctx.dry_run:
            return False
        return self._lane is None or self._lane.pending == 0

    def finish(self) -> None:
        """Wait for every queued pack and record its answer; end the lane."""
        self.collect(wait=True)
        if self._lane is not None:
            self._lane.close()
            self._lane = None

    def abort(self) -> None:
        """Stop sending: the pack in flight is recorded, the queued ones go back to ``pending``. Never raises."""
        lane, self._lane = self._lane, None
        if lane is None:
            return
        lane.stop()
        try:
            for outcome in lane.results(wait=True):
                try:
                    record_outcome(self.ctx, self.marker, outcome, self.stats)
                except Exception as exc:  # already failing: the rows stay "sending", the next run looks them up
                    log.warning("the answer to a pack in flight was lost while the run stopped: %s", exc)
                    for p in outcome.tag[0]:
                        self.ctx.event(p.key, "sending", "Odpověď POHODY na dávku se ztratila; objednávka se při "
                                       "příštím běhu nejdřív dohledá v POHODĚ.", label=label_of(p.order.number))
        finally:
            lane.close()


def record_outcome(ctx: JobContext, marker: ShopMarker, outcome: Outcome[Batch], stats: RunStats) -> None:
    """Record one pack's answer: per item ok/error in the ledger, then queue the shop marking.

    A pack that never left goes back to ``pending``; a pack POHODA refused
    whole becomes errors; a lost answer (connection, timeout, garbage)
    re-raises and its rows stay ``sending`` for the next run to look up.
    """
    good, _pack = outcome.tag
    if not outcome.sent:
        reason = "Dávka nebyla odeslána, protože se přenos zastavil; odešle se při příštím běhu."
        ledger.set_state(AGENDA, [p.key for p in good], "pending", error=reason)
        for p in good:
            ctx.event(p.key, "pending", reason, label=label_of(p.order.number))
        ctx.advance(len(good))
        return
    ctx.count_request("pohoda")
    if isinstance(outcome.value, PackError):
        exc = outcome.value
        rows = [finish_error(ctx, p, f"POHODA odmítla celou dávku: {exc.note or exc.message}", [], None, stats)
                for p in good]
        ledger.save_entries(AGENDA, rows)
        return
    if outcome.error is not None:
        exc = outcome.error
        if isinstance(exc, IcoMismatch):
            ledger.set_state(AGENDA, [p.key for p in good], "pending", error="")
        # PohodaError / ResponseParseError: the answer is lost — the rows stay "sending" and the next run
        # looks them up in POHODA first
        raise exc
    # an unreadable answer raises ResponseParseError: the rows stay "sending" and the next run looks them up
    result = parse_response(outcome.value)
    answers = item_answers(outcome.value)
    by_id = {r.item_id: r for r in result.items}
    rows: list[dict[str, Any]] = []
    ok_rows: list[tuple[Prepared, str]] = []
    for p in good:
        res = by_id.get(p.item.id)
        if res is None:
            ctx.event(p.key, "sending", "POHODA na doklad neodpověděla; ověří se při příštím běhu.",
                      label=label_of(p.order.number))
            continue
        row, number = finish_item(ctx, p, res, answers.get(p.item.id), stats)
        rows.append(row)
        if number is not None:
            ok_rows.append((p, number))
        ctx.advance()
    ledger.save_entries(AGENDA, rows)
    if ok_rows:
        marker.submit([(p.key, p.order, number, p.details) for p, number in ok_rows])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def begin_sending(ctx: JobContext, pack: BuiltPack, batch: Sequence[Prepared]) -> None:
    """Commit every row of the batch as ``sending`` (XML + hash) in one transaction, before the POST."""
    singles = single_packs(pack)
    rows = []
    for p in batch:
        details = details_of(p.entry)
        for stale in ("reasons", "skus", "problems", "details", "changed"):
            details.pop(stale, None)
        details.update(number=p.order.number, date=local_date(p.order.created).isoformat(), route="mserver",
                       total=str(p.mapped.shop_total), currency=p.mapped.currency)
        p.details = details
        rows.append({
            "key": p.key, "state": "sending", "label": label_of(p.order.number), "shop_id": p.key,
            "payload_hash": p.hash, "pack_id": pack.pack_id, "item_id": p.item.id, "error": "",
            "warnings": _json(p.warnings) if p.warnings else "", "details": _json(details),
            "sent_xml": singles.get(p.item.id) or single_xml(ctx.settings, p.item), "answer_xml": None,
            "eshop_data": _json(p.snap or snapshot(p.order)),
            "attempts": (p.entry.attempts if p.entry is not None else 0) + 1, "run_id": ctx.run_id,
        })
    ledger.save_entries(AGENDA, rows)


def detail_dicts(result: ItemResult) -> list[dict[str, Any]]:
    """POHODA's rdc:details as JSON-ready dicts."""
    return [{"state": d.state, "errno": d.errno, "note": d.note, "xpath": d.xpath,
             "value_requested": d.value_requested, "value_produced": d.value_produced} for d in result.details]


def error_text(result: ItemResult) -> str:
    """POHODA's error for one item: the note and every error detail with errno and XPath."""
    parts = [result.note] if result.note else []
    for d in result.errors:
        bits = [d.note]
        if d.errno is not None:
            bits.append(f"errno {d.errno}")
        if d.xpath:
            bits.append(f"XPath {d.xpath}")
        if d.value_requested:
            bits.append(f"hodnota „{d.value_requested}“")
        text = " · ".join(b for b in bits if b)
        if text and text not in parts:
            parts.append(text)
    return "; ".join(parts) or "POHODA doklad odmítla bez udání důvodu."


def finish_item(ctx: JobContext, p: Prepared, res: ItemResult, answer: str | None,
                stats: RunStats) -> tuple[dict[str, Any], str | None]:
    """One item's ledger row from its answer, plus POHODA's number when the order is (now or already) in POHODA."""
    warnings = p.warnings + [d.note for d in res.warnings if d.note]
    label = label_of(p.order.number)
    if res.is_duplicate:
        dup = res.duplicities[0]
        stats.ok += 1
        stats.duplicate += 1
        ctx.ok(p.key, f"Už v POHODĚ jako {dup.number} (kontrola duplicity).", label=label)
        ctx.event(p.key, "duplicate", f"POHODA ohlásila dříve importovaný doklad {dup.number}.", label=label)
        return finish_ok(ctx, p, dup.id, dup.number, warnings, detail_dicts(res), answer), dup.number
    if res.state == "error":
        return finish_error(ctx, p, error_text(res), detail_dicts(res), answer, stats, warnings, advance=False), None
    produced = res.produced
    number = produced.number if produced else ""
    stats.ok += 1
    ctx.ok(p.key, f"Objednávka přijatá {number}", label=label)
    if warnings:
        ctx.event(p.key, "warning", "; ".join(warnings), label=label)
    return finish_ok(ctx, p, produced.id if produced else None, number, warnings, detail_dicts(res), answer), number


def finish_ok(ctx: JobContext, p: Prepared, pohoda_id: int | None, number: str, warnings: list[str],
              details: list[dict[str, Any]], answer: str | None) -> dict[str, Any]:
    """The ledger row of an order now in POHODA."""
    info = dict(p.details)
    info["details"] = details
    info["mark_pending"] = True  # cleared once the shop order is marked; a crash before that → retried next run
    p.details = info
    return {"key": p.key, "state": "ok", "pohoda_id": pohoda_id, "pohoda_number": number, "error": "",
            "warnings": _json(warnings) if warnings else "", "details": _json(info), "answer_xml": answer,
            "run_id": ctx.run_id}


def finish_error(ctx: JobContext, p: Prepared, message: str, details: list[dict[str, Any]], answer: str | None,
                 stats: RunStats, warnings: list[str] | None = None, *, advance: bool = True) -> dict[str, Any]:
    """The ledger row of an order POHODA refused; everything it said is kept."""
    info = dict(p.details)
    info["details"] = details
    stats.error += 1
    ctx.error(p.key, message, label=label_of(p.order.number))
    if advance:
        ctx.advance()
    kept = warnings or p.warnings
    return {"key": p.key, "state": "error", "pohoda_id": None, "pohoda_number": "", "error": message,
            "warnings": _json(kept) if kept else "", "details": _json(info), "answer_xml": answer,
            "run_id": ctx.run_id}


def transfer_note(number: str) -> str:
    """The private note added to a shop order marked transferred."""
    return DEFAULT_NOTE.format(number=number) if number else "Přeneseno do POHODY (doklad si stáhla POHODA)."


def mark_order(shop: Eshop, settings: Settings, key: str, order_id: int, number: str,
               details: dict[str, Any] | None = None) -> str:
    """Mark one shop order transferred and keep the ledger flag in step; returns "" or the Czech failure."""
    problem = ""
    try:
        shop.mark_transferred(order_id, pohoda_number=number or "POHODA", note=transfer_note(number),
                              status=settings.orders.transferred_status or None)
    except EshopError as exc:
        problem = exc.message
    except Exception as exc:  # a worker must never die silently: the flag makes the next run retry
        log.exception("marking order %s in the shop failed", key)
        problem = f"neočekávaná chyba ({type(exc).__name__})"
    settle_mark(key, problem, details)
    return problem


def settle_mark(key: str, problem: str, details: dict[str, Any] | None = None) -> None:
    """The ledger side of one marking: clear the ``mark_pending`` flag, or keep it with the reason.

    ``details`` (the row's details as just written) lets a success clear the
    flag with one UPDATE. Safe in a worker thread (it touches only the row of ``key``).
    """
    if not problem and details is not None:
        clean = {k: v for k, v in details.items() if k != "mark_pending"}
        ledger.Entry.update(details=_json(clean), updated_at=ledger.utcnow()).where(
            (ledger.Entry.agenda == AGENDA) & (ledger.Entry.key == key)).execute()
        return
    entry = ledger.get_entry(AGENDA, key)
    info = details_of(entry)
    warnings = [w for w in (entry.warnings_list() if entry else []) if not w.startswith("Označení v e-shopu")]
    if problem:
        info["mark_pending"] = True
        warnings.append(f"Označení v e-shopu selhalo ({problem}); zkusí se znovu při příštím běhu.")
        ledger.save_entry(AGENDA, key, details=info, warnings=warnings)
    elif info.pop("mark_pending", None):
        ledger.save_entry(AGENDA, key, details=info, warnings=warnings)


def mark_orders(shop: Eshop, settings: Settings, jobs: Sequence[MarkJob]) -> list[tuple[str, str]]:
    """Mark a batch of shop orders transferred with few shop calls; (key, "" or the Czech failure) per order."""
    status = settings.orders.transferred_status or None
    marks = [TransferMark(order_id=order.id, pohoda_number=number or "POHODA", note=transfer_note(number),
                          status=status, current=order) for _key, order, number, _details in jobs]
    try:
        answers = shop.mark_transferred_many(marks)
    except EshopError as exc:  # the contract says per order; stay safe if a connector raises anyway
        answers = {m.order_id: exc.message for m in marks}
    except Exception as exc:
        log.exception("marking %d orders in the shop failed", len(marks))
        answers = {m.order_id: f"neočekávaná chyba ({type(exc).__name__})" for m in marks}
    out: list[tuple[str, str]] = []
    cleared: list[dict[str, Any]] = []  # successes: the details without the flag, one prepared UPDATE for all
    for key, order, _number, details in jobs:
        problem = answers.get(order.id, "e-shop na označení neodpověděl")
        if not problem and details is not None:
            cleared.append({"key": key, "details": _json({k: v for k, v in details.items() if k != "mark_pending"})})
        else:
            settle_mark(key, problem, details)
        out.append((key, problem))
    ledger.save_entries(AGENDA, cleared)
    return out


def note_mark(ctx: JobContext, key: str, problem: str, stats: RunStats) -> None:
    """Note a failed marking on the run (the request itself is counted by the caller)."""
    if problem:
        stats.marked_pending += 1
        entry = ledger.get_entry(AGENDA, key)
        ctx.event(key, "warning", f"Objednávku se nepodařilo označit v e-shopu: {problem}",
                  label=entry.label if entry else "")


def mark_in_shop(ctx: JobContext, shop: Eshop, key: str, order_id: int, number: str, stats: RunStats) -> bool:
    """Mark the shop order transferred now (in this thread); a failure leaves a flag for the next run."""
    problem = mark_order(shop, ctx.settings, key, order_id, number)
    ctx.count_request("eshop")
    note_mark(ctx, key, problem, stats)
    return not problem


#: one order to mark: ledger key, the order as read this run, POHODA's number, the row's details
MarkJob = tuple[str, Order, str, "dict[str, Any] | None"]


class ShopMarker:
    """Marks shop orders transferred in worker threads while the next batch goes to POHODA.

    POHODA serves one request at a time, so the shop calls would otherwise
    add to every batch's wait. A batch of orders costs one shop batch update
    plus one note per order (:meth:`Eshop.mark_transferred_many`). Each
    worker has its own shop connection and ledger connection; the run's
    counters and events are updated in the job's thread when :meth:`drain` /
    :meth:`close` is called.
    """

    def __init__(self, ctx: JobContext, stats: RunStats, workers: int = 1) -> None:
        self.ctx, self.stats = ctx, stats
        self._jobs: queue.Queue[list[MarkJob] | None] = queue.Queue()
        self._done: queue.Queue[tuple[str, str]] = queue.Queue()
        self._threads = [threading.Thread(target=self._work, name=f"mark-orders-{n}", daemon=True)
                         for n in range(workers)]
        self._started = False
        #: set when marking may start: once the shop's order list has been read whole (see :func:`collect`)
        self.gate = threading.Event()

    def submit(self, jobs: list[MarkJob]) -> None:
        """Queue a batch of orders for marking."""
        if not jobs:
            return
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()
        self.ctx.count_request("eshop")  # the batch update; each order's note is counted in drain
        self._jobs.put(jobs)
        self.drain()

    def _work(self) -> None:
        with ledger.database.connection_context():
            shop: Eshop | None = None
            try:
                self.gate.wait()
                while True:
                    jobs = self._jobs.get()
                    if jobs is None:
                        return
                    try:
                        if shop is None:
                            shop = self.ctx.connections.eshop(self.ctx.settings)
                        results = mark_orders(shop, self.ctx.settings, jobs)
                    except Exception as exc:
                        log.exception("marking worker failed on %d orders", len(jobs))
                        problem = f"neočekávaná chyba ({type(exc).__name__})"
                        results = [(key, problem) for key, *_ in jobs]
                        for key, *_ in jobs:
                            with contextlib.suppress(Exception):
                                mark_pending(key, problem)
                    for result in results:
                        self._done.put(result)
            finally:
                if shop is not None:
                    shop.close()

    def drain(self) -> None:
        """Apply finished markings to the run (job thread only)."""
        while True:
            try:
                key, problem = self._done.get_nowait()
            except queue.Empty:
                return
            self.ctx.count_request("eshop")
            note_mark(self.ctx, key, problem, self.stats)

    def close(self) -> None:
        """Wait for every queued marking, then stop the workers."""
        self.gate.set()
        if self._started:
            for _ in self._threads:
                self._jobs.put(None)
            for thread in self._threads:
                thread.join()
        self.drain()


def mark_pending(key: str, problem: str) -> None:
    """Flag a transferred order whose shop marking failed (the next run retries it)."""
    entry = ledger.get_entry(AGENDA, key)
    info = details_of(entry)
    info["mark_pending"] = True
    ledger.save_entry(AGENDA, key, details=info,
                      warnings=[*(entry.warnings_list() if entry else []),
                                f"Označení v e-shopu selhalo ({problem}); zkusí se znovu při příštím běhu."])


def retry_marks(ctx: JobContext, shop: Eshop, stats: RunStats, *, keys: Sequence[str] = ()) -> None:
    """Mark shop orders whose marking failed in an earlier run."""
    query = ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "ok")
                                        & (ledger.Entry.details.contains('"mark_pending": true')))
    for entry in query:
        if keys and entry.key not in keys:
            continue
        if entry.key.isdigit():
            mark_in_shop(ctx, shop, entry.key, int(entry.key), entry.pohoda_number, stats)


# --------------------------------------------------------------------------- reconciliation


def sent_rows(entries: Iterable[ledger.Entry]) -> list[SentRow]:
    """Ledger rows as look-up requests."""
    rows = []
    for e in entries:
        info = details_of(e)
        day = info.get("date")
        rows.append(SentRow(key=e.key, number=str(info.get("number") or e.key),
                            day=datetime.fromisoformat(day).date() if day else None))
    return rows


def reconcile_sending(ctx: JobContext, shop: Eshop, stats: RunStats) -> None:
    """Rows left ``sending``: found in POHODA → ok (and marked in the shop); lost mServer sends → pending."""
    pending = list(ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "sending")))
    if not pending:
        return
    settings = ctx.settings

    def post(xml: bytes) -> bytes:
        ctx.count_request("pohoda")
        return ctx.pohoda().post(xml, write=False)

    found = find_orders(sent_rows(pending), ico=settings.pohoda.ico, post=post, ext_system=EXT_SYSTEM,
                        application=settings.pohoda.application)
    for entry in pending:
        hit = found.get(entry.key)
        info = details_of(entry)
        if hit is not None:
            confirm(ctx, shop, entry, hit, stats)
        elif info.get("route") == "pull":
            continue  # POHODA fetched it; it may import it later — never re-send over mServer
        else:
            ledger.save_entry(AGENDA, entry.key, state="pending", run=ctx.run_id,
                              error="Přenos byl přerušen a POHODA doklad nemá; bude odeslán znovu.")


def confirm(ctx: JobContext, shop: Eshop | None, entry: ledger.Entry, hit: PohodaOrder, stats: RunStats) -> None:
    """A sending row POHODA turns out to hold: ok with POHODA's id and number, then mark the shop order."""
    info = details_of(entry)
    route = "POHODA si ji stáhla" if info.get("route") == "pull" else "nalezena po přerušeném přenosu"
    info["mark_pending"] = True
    ledger.save_entry(AGENDA, entry.key, state="ok", pohoda_id=hit.id or None, pohoda_number=hit.number, error="",
                      details=info, run=ctx.run_id)
    stats.ok += 1
    stats.reconciled += 1
    ctx.ok(entry.key, f"Objednávka přijatá {hit.number} ({route}).", label=entry.label)
    if shop is not None and entry.key.isdigit():
        mark_in_shop(ctx, shop, entry.key, int(entry.key), hit.number, stats)


# --------------------------------------------------------------------------- preview and report


def _preview_row(order: Order, mapped: Mapped, state: str, note: str = "", valid: str = "") -> dict[str, Any]:
    return {"objednávka": order.number, "stav": state, "e-shop": f"{mapped.shop_total} {mapped.currency}",
            "POHODA": f"{mapped.doc_total} {mapped.currency}", "zaokrouhlení": str(mapped.rounding),
            "XML": valid, "poznámka": note}


def preview_batch(ctx: JobContext, pack: BuiltPack, batch: Sequence[Prepared], stats: RunStats) -> None:
    """Dry run: validate the pack that would be sent and note it, send nothing."""
    errors = schema.validate(pack.xml, "data")
    valid = "nelze ověřit (chybí XSD)" if errors is None else ("platné" if not errors else "; ".join(errors[:3]))
    stats.packs.append({"dávka": len(stats.packs) + 1, "dokladů": len(batch), "bajtů": len(pack.xml),
                        "schéma": valid, "xml": pack.xml.decode("cp1250")})
    for p in batch:
        equal = "souhlasí" if p.mapped.doc_total == p.mapped.shop_total else "NESOUHLASÍ"
        message = (f"Náhled: XML {valid}; celkem {p.mapped.doc_total} {p.mapped.currency} ({equal} s e-shopem)"
                   + (f"; varování: {'; '.join(p.warnings)}" if p.warnings else ""))
        ctx.event(p.key, "preview", message, label=label_of(p.order.number))
        stats.preview.append(_preview_row(p.order, p.mapped, "k odeslání", "; ".join(p.warnings), valid))
        ctx.skipped(p.key, label=label_of(p.order.number))
        ctx.advance()


def report(stats: RunStats, dry_run: bool, resolver: CodeResolver) -> dict[str, Any]:
    """The run report (shown on the run detail page)."""
    out: dict[str, Any] = {
        "přeneseno": stats.ok, "čeká (nespárováno aj.)": stats.held, "chyby": stats.error,
        "beze změny": stats.unchanged, "změněno po přenosu": stats.changed,
        "duplicita (již v POHODĚ)": stats.duplicate, "dohledáno po přerušení": stats.reconciled,
        "neoznačeno v e-shopu": stats.marked_pending, "SKU ověřeno v POHODĚ": resolver.looked_up,
    }
    if stats.blocking:
        out["blokující SKU"] = [{"SKU": sku, "objednávek": n} for sku, n in stats.blocking.most_common(50)]
    if dry_run:
        out["režim"] = "náhled — nic nebylo odesláno"
        out["náhled"] = stats.preview
        out["dávky"] = stats.packs
    return out


# --------------------------------------------------------------------------- for pages and other rooms


def held_skus() -> dict[str, list[str]]:
    """SKU → numbers of the held orders it blocks (most blocking first), for the pairing report."""
    blocked: dict[str, list[str]] = {}
    query = ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "held"))
    for entry in query:
        info = details_of(entry)
        number = str(info.get("number") or entry.key)
        for sku in info.get("skus") or []:
            blocked.setdefault(str(sku), []).append(number)
    return dict(sorted(blocked.items(), key=lambda kv: (-len(kv[1]), kv[0])))


@dataclass(frozen=True)
class OrdersSummary:
    """What the dashboard card and the orders page show beyond the ledger counts."""

    held: int
    top_skus: list[tuple[str, int]]
    other_held: int  #: held for another reason than an unpaired product
    changed: list[ledger.Entry]
    mark_pending: int
    pulled: list[ledger.Entry]


def summary(top: int = 5) -> OrdersSummary:
    """Held orders and their blocking SKUs, orders changed after transfer, pulled orders awaiting confirmation."""
    held = list(ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "held")))
    counts: Counter[str] = Counter()
    other = 0
    for entry in held:
        skus = details_of(entry).get("skus") or []
        counts.update(str(s) for s in skus)
        other += not skus
    changed = [e for e in ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "ok")
                                                      & (ledger.Entry.details.contains('"changed"')))
               if details_of(e).get("changed")]
    pending_marks = (ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "ok")
                                                 & (ledger.Entry.details.contains('"mark_pending": true'))).count())
    pulled = [e for e in ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "sending"))
              if details_of(e).get("route") == "pull"]
    return OrdersSummary(held=len(held), top_skus=counts.most_common(top), other_held=other, changed=changed,
                         mark_pending=pending_marks, pulled=pulled)


def acknowledge_change(key: str) -> bool:
    """A person dealt with an order changed after transfer: accept the shop's current content."""
    entry = ledger.get_entry(AGENDA, key)
    if entry is None:
        return False
    info = details_of(entry)
    changed = info.pop("changed", None)
    if not changed:
        return False
    info["acknowledged"] = changed
    warnings = [w for w in entry.warnings_list() if not w.startswith("Objednávka se v e-shopu změnila")]
    ledger.save_entry(AGENDA, key, payload_hash=str(changed.get("hash") or entry.payload_hash), details=info,
                      warnings=warnings)
    return True


def confirm_pulled(settings: Settings, connections: Any, keys: Sequence[str] | None = None, *,
                   trigger: str = "button") -> tuple[int, int]:
    """„Potvrdit přenos“: orders POHODA fetched become ok and are marked in the shop; returns (confirmed, failed marks).

    Runs as a small ledger run of the orders agenda, so the history shows it.
    """
    rows = [e for e in ledger.Entry.select().where((ledger.Entry.agenda == AGENDA) & (ledger.Entry.state == "sending"))
            if details_of(e).get("route") == "pull" and (not keys or e.key in keys)]
    if not rows:
        return 0, 0
    run, created = ledger.start_run(AGENDA, trigger, options={"confirm_pulled": [e.key for e in rows]})
    if not created:
        raise AdapterError("Synchronizace objednávek právě běží; potvrďte přenos, až doběhne.")
    ctx = JobContext(run_id=run.id, agenda=AGENDA, settings=settings, connections=connections, trigger=trigger)
    stats = RunStats()
    try:
        shop = ctx.eshop()
        for entry in rows:
            number = details_of(entry).get("pohoda_number") or details_of(entry).get("number") or entry.key
            confirm(ctx, shop, entry, PohodaOrder(id=0, number=str(number)), stats)
        ctx.message = f"Potvrzen přenos {len(rows)} objednávek stažených POHODOU."
    finally:
        ctx.close()
        ctx.flush()
        ledger.finish_run(run.id, ctx.final_status(), ctx.message or "", done=len(rows), total=len(rows))
    return len(rows), stats.marked_pending


def release_pulled(keys: Sequence[str]) -> int:
    """Orders POHODA fetched but did not import: back to pending, so they are offered again."""
    rows = [e for e in ledger.entries_for(AGENDA, keys).values()
            if e.state == "sending" and details_of(e).get("route") == "pull"]
    for e in rows:
        info = details_of(e)
        info.pop("route", None)
        ledger.save_entry(AGENDA, e.key, state="pending", details=info, error="")
    return len(rows)


def decimal_text(value: Decimal) -> str:
    """A money amount Czech style: ``1 234,50``."""
    text = f"{value:,.2f}"
    return text.replace(",", " ").replace(".", ",")
