"""What a sync job gets to work with: settings, connections, progress, the ledger run.

A job is an :class:`~adapter.sync.base.AgendaJob` whose ``run(ctx)`` does one run.
It counts what it did through ``ctx.ok()``, ``ctx.error()``, ``ctx.held()``,
``ctx.skipped()`` (each also notes a per-document event for the run detail
page), reports progress through ``ctx.progress()``, and calls
``ctx.check_cancel()`` at safe points. A failure on one document is recorded,
not raised; an :class:`~adapter.errors.AdapterError` raised out of the job
ends the run as ``failed`` with its Czech message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from adapter import ledger
from adapter.errors import AdapterError

log = logging.getLogger(__name__)

#: guards the request counters and the lazy mServer client of every context (held only for a moment)
_COUNT_LOCK = threading.Lock()

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.eshop.base import Eshop
    from adapter.pohoda.client import MServerClient


class JobCancelled(AdapterError):
    """Běh byl zrušen uživatelem. Spusťte jej znovu a naváže tam, kde skončil."""


class Connections(Protocol):
    """Builds the clients a job talks to (tests and demo mode use the same real ones)."""

    def pohoda(self, settings: Settings) -> MServerClient:
        """An mServer client for the configured company."""
        ...

    def eshop(self, settings: Settings) -> Eshop:
        """The configured e-shop connector."""
        ...


@dataclass
class JobContext:
    """Everything one run of one job needs; created by the runner."""

    run_id: int
    agenda: str
    settings: Settings
    connections: Connections
    trigger: str = "button"
    dry_run: bool = False
    full: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    clock: Callable[[], datetime] = ledger.utcnow
    #: seconds between progress writes to the Run row
    throttle: float = 0.5
    message: str = ""
    report: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "error": 0, "held": 0, "skipped": 0})
    done: int = 0
    total: int = 0
    #: the agenda's own per-run counters for its report (unchanged, duplicate, reconciled, …):
    #: the job context owns every counter, so no agenda keeps a stats object of its own
    tally: Counter[str] = field(default_factory=Counter)
    #: what holds documents back (e.g. unpaired SKUs → how many documents each holds), for the report
    blocking: Counter[str] = field(default_factory=Counter)
    #: what a preview (dry run) would send, one row per document, for the run detail page
    preview_rows: list[dict[str, Any]] = field(default_factory=list)
    #: the packs a preview (dry run) would send, one row per pack, for the run detail page
    preview_packs: list[dict[str, Any]] = field(default_factory=list)
    _pohoda: Any = None
    _eshop: Any = None
    _events: list[tuple[str, str, str, str]] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=lambda: {"pohoda": 0, "eshop": 0})
    _last_write: float = 0.0
    _phase: str = ""

    # ------------------------------------------------------------------ connections

    def pohoda(self) -> MServerClient:
        """The mServer client (created on first use — also from a job's helper thread —, closed by the runner)."""
        with _COUNT_LOCK:
            if self._pohoda is None:
                self._pohoda = self.connections.pohoda(self.settings)
            client: MServerClient = self._pohoda
            return client

    def eshop(self) -> Eshop:
        """The e-shop connector (created on first use, closed by the runner)."""
        if self._eshop is None:
            self._eshop = self.connections.eshop(self.settings)
        shop: Eshop = self._eshop
        return shop

    def close(self) -> None:
        """Close whatever connections were opened."""
        for client in (self._pohoda, self._eshop):
            if client is not None:
                try:
                    client.close()
                except Exception:  # closing must never mask the run's result
                    log.debug("closing a client failed", exc_info=True)
        self._pohoda = self._eshop = None

    def now(self) -> datetime:
        """The current time (injectable for tests)."""
        return self.clock()

    # ------------------------------------------------------------------ progress and results

    def progress(self, done: int | None = None, total: int | None = None, phase: str | None = None, *, force: bool = False) -> None:
        """Report progress; written to the Run row at most every ``throttle`` seconds."""
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if phase is not None and phase != self._phase:
            self._phase = phase
            force = True
        now = time.monotonic()
        if force or now - self._last_write >= self.throttle:
            self.flush()
            self._last_write = now

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        self.progress(self.done + n)

    def flush(self) -> None:
        """Write buffered events and counters to the ledger now."""
        if self._events:
            ledger.record_events(self.run_id, self.agenda, self._events)
            self._events = []
        ledger.update_run(
            self.run_id,
            done=self.done,
            total=max(self.total, self.done),
            phase=self._phase,
            ok_count=self.counts["ok"],
            error_count=self.counts["error"],
            held_count=self.counts["held"],
            skipped_count=self.counts["skipped"],
            pohoda_requests=self.requests["pohoda"],
            eshop_requests=self.requests["eshop"],
            message=self.message,
        )

    def event(self, key: str, state: str, message: str = "", *, label: str = "") -> None:
        """Note what happened to one document (without counting it; a preview's notes are tallied as ``preview``)."""
        self._events.append((key, label, state, message))
        if state == "preview":
            self.tally["preview"] += 1
        if len(self._events) >= 200:
            self.progress(force=True)

    def ok(self, key: str, message: str = "", *, label: str = "") -> None:
        """One document went through."""
        self.counts["ok"] += 1
        self.event(key, "ok", message, label=label)

    def error(self, key: str, message: str, *, label: str = "") -> None:
        """One document failed; the run goes on."""
        self.counts["error"] += 1
        self.event(key, "error", message, label=label)

    def held(self, key: str, message: str, *, label: str = "") -> None:
        """One document waits for a person (e.g. an unpaired product)."""
        self.counts["held"] += 1
        self.event(key, "held", message, label=label)

    def skipped(self, key: str, message: str = "", *, label: str = "", record: bool = False) -> None:
        """One document needed nothing (unchanged); recorded as an event only if asked."""
        self.counts["skipped"] += 1
        if record:
            self.event(key, "skipped", message, label=label)

    def check_cancel(self) -> None:
        """Stop here if someone pressed Cancel (raises JobCancelled); one small query — call it per batch, not per item."""
        if ledger.cancel_requested(self.run_id):
            raise JobCancelled

    def count_request(self, side: str, n: int = 1) -> None:
        """Count requests made to POHODA or the shop (shown in the run detail; written with the progress)."""
        with _COUNT_LOCK:  # pairing look-ups count from their own thread
            self.requests["pohoda" if side == "pohoda" else "eshop"] += n

    def final_status(self) -> str:
        """ok / partial / failed from the counters."""
        if self.counts["error"] and not self.counts["ok"]:
            return "failed"
        if self.counts["error"] or self.tally["partial"]:  # "partial": left for another run or a person
            return "partial"
        return "ok"

    def report_json(self) -> str:
        """The agenda-specific report as JSON for the Run row."""
        return json.dumps(self.report, ensure_ascii=False, default=str) if self.report else ""
