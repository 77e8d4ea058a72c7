"""Marking many orders as transferred to POHODA in as few requests as the shop allows.

Per order: read it unless the caller passed it; one already carrying the
number (and target status) only gets its note ensured; the others get meta
(and status) by ``POST /orders/batch``, then their note (meta first, so a
retry after a crash only ensures the note). Reads, batches and notes run
``parallel_requests`` at a time. After the shop turns out to be down or to
refuse the keys, the remaining orders get that reason without further
requests.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from adapter.errors import EshopAuthError, EshopError, EshopUnavailable
from adapter.eshop._json import JsonObject
from adapter.eshop.base import TransferMark
from adapter.eshop.woocommerce.api import WooApi
from adapter.records import Order
from adapter.shop_plugin import transferred_meta

log = logging.getLogger("adapter.eshop.woocommerce")

#: errors after which a many-order call stops sending (the shop is down or refuses the keys)
STOPPERS = (EshopUnavailable, EshopAuthError)

R = TypeVar("R")

#: one order waiting for the batch update: id, payload, target status, note
Pending = tuple[int, dict[str, object], str, str]


def transfer_note(pohoda_number: str, note: str = "") -> str:
    """The private note a transferred order gets: ``note``, else a standard one naming the POHODA number."""
    return note or f"Přeneseno do POHODY jako objednávka {pohoda_number}."


def batch_mark_problem(outcome: JsonObject | str, target: str) -> str:
    """"" when a batch item stored the order as asked, else the Czech reason."""
    if isinstance(outcome, str):
        return f"E-shop změnu objednávky odmítl: {outcome}"
    if target:
        got = outcome.raw("status")
        if got != target:
            return f"E-shop nastavil objednávce stav „{str(got)[:40]}“ místo „{target}“."
    return ""


class Marking:
    """One ``mark_transferred_many`` call: the answers so far, the stop reason and the notes to add."""

    def __init__(self, shop: WooApi, marks: Sequence[TransferMark], read: Callable[[int], Order]) -> None:
        self.shop = shop
        self.marks = marks
        #: reads one order (the connector's guarded ``get_order``)
        self.read_order = read
        self.unique: dict[int, TransferMark] = {}
        for mark in marks:
            self.unique.setdefault(int(mark.order_id), mark)
        parallel = shop.parallel_requests > 1 and len(self.unique) > 1
        self.pool: ThreadPoolExecutor | None = shop._marks_pool() if parallel else None
        self.answers: dict[int, str] = {}
        #: holds the reason once the shop is down or refuses the keys
        self.stop: list[str] = []
        self.notes: list[tuple[int, Callable[[], None]]] = []
        self._status_problems: dict[str, str] = {}

    def run(self) -> dict[int, str]:
        """Mark every order; order id → "" when marked, else the Czech reason (nothing raises)."""
        self.send(self.plan(self.read()))
        for (oid, _), (_, reason) in zip(self.notes, self.each(self.notes), strict=True):
            self.answers[oid] = reason
        failed = sum(bool(self.answers.get(oid, "")) for oid in self.unique)
        log.info("WooCommerce: označení %d objednávek jako přenesených, chyb %d", len(self.unique), failed)
        return {int(m.order_id): self.answers.get(int(m.order_id), "") for m in self.marks}

    def read(self) -> dict[int, Order]:
        """The orders as they are now: given by the caller, else read (a failed read is answered)."""
        currents = {oid: m.current for oid, m in self.unique.items() if m.current is not None}
        to_read = [oid for oid in self.unique if oid not in currents]
        reads = self.each([(oid, functools.partial(self.read_order, oid)) for oid in to_read])
        for oid, (order, reason) in zip(to_read, reads, strict=True):
            if order is None:
                self.answers[oid] = reason
            else:
                currents[oid] = order
        return currents

    def plan(self, currents: dict[int, Order]) -> list[Pending]:
        """The batch updates to send; orders already marked only get their note ensured."""
        key = self.shop.connection.pohoda_number_meta_key
        pending: list[Pending] = []
        for oid, mark in self.unique.items():
            if oid in self.answers:
                continue
            current = currents[oid]
            target = self.shop.connection.orders.transferred_status if mark.status is None else mark.status
            text = transfer_note(mark.pohoda_number, mark.note) if mark.with_note else ""
            if current.meta_value(key) == mark.pohoda_number and (not target or current.status == target):
                if text:
                    self.notes.append((oid, functools.partial(self.shop._ensure_note, oid, text, mark.pohoda_number)))
                continue
            problem = self.status_problem(target) if target else ""
            if problem:
                self.answers[oid] = problem
                continue
            meta = [{"key": key, "value": mark.pohoda_number}, *transferred_meta(current)]
            payload: dict[str, object] = {"id": oid, "meta_data": meta}
            if target:
                payload["status"] = target
            pending.append((oid, payload, target, text))
        return pending

    def status_problem(self, target: str) -> str:
        """Why the shop cannot be asked to set status ``target`` ("" when it can); asked once per status."""
        if target not in self._status_problems:
            check = functools.partial(self.shop._check_status, target)
            self._status_problems[target] = self.attempt(f"stav {target}", check)[1]
        return self._status_problems[target]

    def send(self, pending: list[Pending]) -> None:
        """Send the updates in batches of ``batch_size`` (the first alone, then up to ``parallel_requests`` at
        once); each stored order then gets its note."""
        size = self.shop.batch_size
        chunks = [pending[start : start + size] for start in range(0, len(pending), size)]
        jobs = [(chunk[0][0], functools.partial(self.shop._batch, "/orders/batch", "update", [i[1] for i in chunk]))
                for chunk in chunks]
        # the first batch alone: a shop that is down (or a lower batch limit) shows before the others go out
        first = [self.attempt(f"dávka objednávek {jobs[0][0]}…", jobs[0][1])] if jobs else []
        results = first + self.each(jobs[1:], "dávka objednávek {}…")
        for chunk, (outcomes, reason) in zip(chunks, results, strict=True):
            if outcomes is None:
                self.answers.update((item[0], reason) for item in chunk)
                continue
            for (oid, _, target, text), outcome in zip(chunk, outcomes, strict=True):
                problem = batch_mark_problem(outcome, target)
                if problem:
                    self.answers[oid] = problem
                elif text:
                    self.notes.append((oid, functools.partial(self.shop._add_note, oid, text)))

    def attempt(self, what: str, action: Callable[[], R]) -> tuple[R | None, str]:
        """Run one step: (result, "") or (None, the Czech reason); nothing escapes.

        Once the shop is down or refuses the keys, later steps answer with
        that reason and send nothing.
        """
        if self.stop:
            return None, self.stop[0]
        try:
            return action(), ""
        except EshopError as exc:
            if isinstance(exc, STOPPERS):
                self.stop.append(exc.message)
            return None, exc.message
        except Exception as exc:  # one order's surprise must not lose the answers of the others
            log.exception("WooCommerce: %s — neočekávaná chyba", what)
            return None, f"neočekávaná chyba ({type(exc).__name__})"

    def each(self, jobs: Sequence[tuple[int, Callable[[], R]]], what: str = "objednávka {}"
             ) -> list[tuple[R | None, str]]:
        """:meth:`attempt` for each (order id, action), on the pool when there is one; results in order."""

        def one(job: tuple[int, Callable[[], R]]) -> tuple[R | None, str]:
            return self.attempt(what.format(job[0]), job[1])

        if self.pool is None:
            return [one(job) for job in jobs]
        return list(self.pool.map(one, jobs))
