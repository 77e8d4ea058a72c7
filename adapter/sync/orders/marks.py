"""Marking shop orders transferred once POHODA holds them, without slowing the sends down.

A transferred order's ledger row carries the ``mark_pending`` flag until the
shop order is marked (meta, private note, optionally a status); a failed
marking keeps the flag with the reason and the next run retries it
(:func:`retry_marks`). :class:`ShopMarker` marks in a worker thread while the
next batch goes to POHODA.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from adapter import ledger, shop_plugin
from adapter.config import Settings
from adapter.errors import EshopError
from adapter.eshop.base import Eshop, TransferMark
from adapter.ledger import orders as rows
from adapter.records import Address, Order
from adapter.sync.context import JobContext
from adapter.sync.documents import details_of, to_json

log = logging.getLogger(__name__)

DEFAULT_NOTE = "Přeneseno do POHODY jako objednávka {number}."
#: the start of the warning a row carries while its shop marking fails
MARK_WARNING = "Označení v e-shopu"

#: one order to mark: ledger key, the order as read this run, POHODA's number, the row's details
MarkJob = tuple[str, Order, str, "dict[str, Any] | None"]


#: what a queued marking keeps of an order: marking reads its id, number, status and meta only
_NO_ADDRESS = Address()


def for_marking(order: Order) -> Order:
    """The order without its lines and addresses: a marking waiting in the queue holds ~0.2 kB, not ~10 kB
    (when the shop marks more slowly than POHODA takes the orders, the queue grows with the run)."""
    return replace(order, lines=(), billing=_NO_ADDRESS, shipping=_NO_ADDRESS, customer_note="")


def transfer_note(number: str) -> str:
    """The private note added to a shop order marked transferred."""
    return DEFAULT_NOTE.format(number=number) if number else "Přeneseno do POHODY (doklad si stáhla POHODA)."


class NotePolicy:
    """Whether this run adds the private transfer note to each marked order (``[orders] transfer_note``).

    ``auto`` (the default) asks the shop once per run, and only when an order is
    to be marked, whether the POHODA adaptér plugin is active: it shows
    POHODA's number (the meta every marking writes in the batch) and state on
    the order screen, so the note would be one more request per order telling
    the staff nothing new. Without the plugin the note is the only trace on the
    order screen (WooCommerce hides ``_``-prefixed meta), so it stays.
    """

    def __init__(self, ctx: JobContext, shop: Eshop) -> None:
        self.ctx, self.shop = ctx, shop
        self._wanted: bool | None = None

    def wanted(self) -> bool:
        """True when markings of this run add the note (decided on first use, then kept)."""
        if self._wanted is None:
            self._wanted = self._decide()
        return self._wanted

    def _decide(self) -> bool:
        mode = self.ctx.settings.orders.transfer_note
        if mode in ("always", "never"):
            return mode == "always"
        if not isinstance(self.shop, shop_plugin.PluginAware):
            return True
        self.ctx.count_request("eshop")
        found = shop_plugin.detect(self.shop).status
        # the plugin must show the very meta key the marking writes
        number_key = shop_plugin.NUMBER_KEY
        return found is None or found.meta_keys.get("number", number_key) != number_key


def _unflagged(details: dict[str, Any]) -> str:
    return to_json({k: v for k, v in details.items() if k != "mark_pending"})


def mark_order(shop: Eshop, settings: Settings, key: str, order_id: int, number: str,
               details: dict[str, Any] | None = None, *, with_note: bool = True) -> str:
    """Mark one shop order transferred and keep the ledger flag in step; returns "" or the Czech failure."""
    problem = ""
    status = settings.orders.transferred_status or None
    try:
        if with_note:
            shop.mark_transferred(order_id, pohoda_number=number or "POHODA", note=transfer_note(number), status=status)
        else:
            mark = TransferMark(order_id=order_id, pohoda_number=number or "POHODA", note="", status=status,
                                with_note=False)
            problem = shop.mark_transferred_many([mark]).get(order_id, "e-shop na označení neodpověděl")
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
        rows.clear_unmarked(key, _unflagged(details))
        return
    entry = rows.row(key)
    info = details_of(entry)
    warnings = [w for w in (entry.warnings_list() if entry else []) if not w.startswith(MARK_WARNING)]
    if problem:
        info["mark_pending"] = True
        warnings.append(f"{MARK_WARNING} selhalo ({problem}); zkusí se znovu při příštím běhu.")
        rows.flag_unmarked(key, details=info, warnings=warnings)
    elif info.pop("mark_pending", None):
        rows.flag_unmarked(key, details=info, warnings=warnings)


def mark_orders(shop: Eshop, settings: Settings, jobs: Sequence[MarkJob], *,
                with_note: bool = True) -> list[tuple[str, str]]:
    """Mark a batch of shop orders transferred with few shop calls; (key, "" or the Czech failure) per order."""
    status = settings.orders.transferred_status or None
    marks = [TransferMark(order_id=order.id, pohoda_number=number or "POHODA", note=transfer_note(number),
                          status=status, current=order, with_note=with_note) for _key, order, number, _details in jobs]
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
            cleared.append({"key": key, "details": _unflagged(details)})
        else:
            settle_mark(key, problem, details)
        out.append((key, problem))
    rows.write_rows(cleared)
    return out


def note_mark(ctx: JobContext, key: str, problem: str) -> None:
    """Note a failed marking on the run (the request itself is counted by the caller)."""
    if problem:
        ctx.tally["marked_pending"] += 1
        entry = rows.row(key)
        ctx.event(key, "warning", f"Objednávku se nepodařilo označit v e-shopu: {problem}",
                  label=entry.label if entry else "")


def mark_in_shop(ctx: JobContext, shop: Eshop, key: str, order_id: int, number: str, *,
                 with_note: bool = True) -> bool:
    """Mark the shop order transferred now (in this thread); a failure leaves a flag for the next run."""
    problem = mark_order(shop, ctx.settings, key, order_id, number, with_note=with_note)
    ctx.count_request("eshop")
    note_mark(ctx, key, problem)
    return not problem


def mark_pending(key: str, problem: str) -> None:
    """Flag a transferred order whose shop marking failed (the next run retries it)."""
    entry = rows.row(key)
    info = details_of(entry)
    info["mark_pending"] = True
    rows.flag_unmarked(key, details=info, warnings=[*(entry.warnings_list() if entry else []),
                                                    f"{MARK_WARNING} selhalo ({problem}); zkusí se znovu při "
                                                    "příštím běhu."])


def retry_marks(ctx: JobContext, shop: Eshop, *, keys: Sequence[str] = (), notes: NotePolicy | None = None) -> None:
    """Mark shop orders whose marking failed in an earlier run."""
    notes = notes or NotePolicy(ctx, shop)
    for entry in rows.unmarked():
        if keys and entry.key not in keys:
            continue
        if entry.key.isdigit():
            mark_in_shop(ctx, shop, entry.key, int(entry.key), entry.pohoda_number, with_note=notes.wanted())


class ShopMarker:
    """Marks shop orders transferred in worker threads while the next batch goes to POHODA.

    POHODA serves one request at a time, so the shop calls would otherwise
    add to every batch's wait. A batch of orders costs one shop batch update
    plus one note per order unless :class:`NotePolicy` leaves it out
    (:meth:`Eshop.mark_transferred_many`). Each
    worker has its own shop connection and ledger connection; the run's
    counters and events are updated in the job's thread when :meth:`drain` /
    :meth:`close` is called.
    """

    def __init__(self, ctx: JobContext, workers: int = 1, notes: NotePolicy | None = None) -> None:
        self.ctx = ctx
        self.notes = notes or NotePolicy(ctx, ctx.eshop())
        self._with_note = True
        self._jobs: queue.Queue[list[MarkJob] | None] = queue.Queue()
        self._done: queue.Queue[tuple[str, str]] = queue.Queue()
        self._threads = [threading.Thread(target=self._work, name=f"mark-orders-{n}", daemon=True)
                         for n in range(workers)]
        self._started = False
        #: set when marking may start: once the shop's order list has been read whole (see ``collect``)
        self.gate = threading.Event()

    def submit(self, jobs: list[MarkJob]) -> None:
        """Queue a batch of orders for marking."""
        if not jobs:
            return
        if not self._started:
            self._with_note = self.notes.wanted()  # decided in the job's thread, before a worker marks
            self._started = True
            for thread in self._threads:
                thread.start()
        self.ctx.count_request("eshop")  # the batch update; each order's note (if any) is counted in drain
        self._jobs.put([(key, for_marking(order), number, details) for key, order, number, details in jobs])
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
                        results = mark_orders(shop, self.ctx.settings, jobs, with_note=self._with_note)
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
            if self._with_note:
                self.ctx.count_request("eshop")
            note_mark(self.ctx, key, problem)

    def close(self) -> None:
        """Wait for every queued marking, then stop the workers."""
        self.gate.set()
        if self._started:
            for _ in self._threads:
                self._jobs.put(None)
            for thread in self._threads:
                thread.join()
        self.drain()
