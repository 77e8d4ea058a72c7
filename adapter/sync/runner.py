"""The one job runner: starts runs, one per agenda at a time, and the schedule.

Each started run gets its own worker thread (different agendas may run side
by side; POHODA requests still never overlap because the mServer client
keeps one request in flight per URL). A second start of an agenda that is
already running returns the running one — across processes too, because the
ledger enforces one running row per agenda.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from adapter import ledger
from adapter.config import AGENDAS, Settings
from adapter.czech import sentence
from adapter.errors import AdapterError
from adapter.sync.base import AgendaJob
from adapter.sync.context import Connections, JobCancelled, JobContext
from adapter.sync.reach import check_reached
from adapter.sync.registry import load_job

log = logging.getLogger(__name__)

JobFn = Callable[[JobContext], None]

#: CPython's GIL switch interval for a process that runs jobs (its default is 5 ms)
SWITCH_INTERVAL = 0.0005


def tune_threads() -> None:
    """Make the GIL change hands promptly in a process that runs jobs.

    A job keeps several threads busy (the POHODA send lane, the shop reader,
    shop marking) beside its own CPU work. A thread coming back from a socket
    call gets the GIL only when the running thread's switch interval ends —
    5 ms by default, several times per request — which left POHODA idle
    ~50 ms between packs. 0.5 ms makes the hand-over prompt at a negligible
    cost to the thread doing CPU work. Called at start-up by the app and the CLI.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


def execute(
    run_id: int,
    agenda: str,
    settings: Settings,
    connections: Connections,
    job: JobFn,
    *,
    clock: Callable[[], datetime] = ledger.utcnow,
) -> str:
    """Run one job to its end and close the Run row; returns the final status.

    Never raises: whatever happens (a side not reached too) ends up as the run's state and message."""
    run = ledger.run_by_id(run_id)
    ctx = JobContext(
        run_id=run_id,
        agenda=agenda,
        settings=settings,
        connections=connections,
        trigger=run.trigger,
        dry_run=run.dry_run,
        full=run.full,
        options=run.options_dict(),
        clock=clock,
    )
    status = "failed"
    try:
        job(ctx)
        _check_sides(job, ctx)
        status = ctx.final_status()
        message = ctx.message or _summary(ctx)
    except JobCancelled as exc:
        status = "interrupted"
        message = f"{exc.message} {_summary(ctx)}".strip()
    except AdapterError as exc:
        status = "failed"
        message = exc.message
        log.warning("run %s (%s) failed: %s %s", run_id, agenda, exc.message, exc.detail)
    except Exception as exc:
        status = "failed"
        message = (
            f"Neočekávaná chyba adaptéru ({type(exc).__name__}). Běh byl zastaven; data v evidenci přenosů zůstala "
            "konzistentní. Spusťte jej znovu; pokud se chyba opakuje, pošlete podpoře protokol aplikace."
        )
        log.error("run %s (%s) crashed:\n%s", run_id, agenda, traceback.format_exc())
    finally:
        ctx.close()
    try:
        ctx.flush()
    except Exception:
        log.exception("could not write the final progress of run %s", run_id)
    ledger.finish_run(
        run_id,
        status,
        message,
        now=clock(),
        done=ctx.done,
        total=max(ctx.total, ctx.done),
        report=ctx.report_json(),
    )
    return status


def _check_sides(job: JobFn, ctx: JobContext) -> None:
    """Contact the sides an agenda's run needs but did not reach (a dead side is never green)."""
    owner = getattr(job, "__self__", None)
    if isinstance(owner, AgendaJob):
        check_reached(ctx, owner.sides(ctx))


def _summary(ctx: JobContext) -> str:
    c = ctx.counts
    # a preview transfers nothing: what it would transfer is its noted documents (some jobs count them as skipped)
    would = max(c["ok"], ctx.tally["preview"]) if ctx.dry_run else 0
    unchanged = c["skipped"] - max(0, would - c["ok"]) if ctx.dry_run else c["skipped"]
    parts = [f"k přenosu {would}" if ctx.dry_run else f"přeneseno {c['ok']}"]
    if c["error"]:
        parts.append(f"chyb {c['error']}")
    if c["held"]:
        parts.append(f"čeká {c['held']}")
    if unchanged > 0:
        parts.append(f"beze změny {unchanged}")
    text = ", ".join(parts) + "."
    return "Náhled: " + text if ctx.dry_run else sentence(text)


class JobRunner:
    """Starts and tracks job runs for one app (kept in ``app.extensions``)."""

    def __init__(
        self,
        get_settings: Callable[[], Settings],
        connections: Connections,
        *,
        jobs: Mapping[str, JobFn] | None = None,
        clock: Callable[[], datetime] = ledger.utcnow,
    ) -> None:
        self.get_settings = get_settings
        self.connections = connections
        self._jobs = dict(jobs or {})
        self.clock = clock
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None

    def job(self, agenda: str) -> JobFn:
        """The job function for ``agenda``."""
        return self._jobs.get(agenda) or load_job(agenda)

    def start(
        self,
        agenda: str,
        trigger: str,
        *,
        dry_run: bool = False,
        full: bool = False,
        options: dict[str, Any] | None = None,
    ) -> tuple[int, bool]:
        """Start a run in the background; returns (run id, started_now).

        If the agenda is already running (here or in another process) the
        running run's id is returned with ``False``.
        """
        if agenda not in AGENDAS:
            raise AdapterError(f"Neznámá agenda „{agenda}“.")
        job = self.job(agenda)
        with self._lock:
            run, created = ledger.start_run(
                agenda, trigger, dry_run=dry_run, full=full, options=options, now=self.clock()
            )
            if not created:
                return run.id, False
            settings = self.get_settings()
            thread = threading.Thread(
                target=self._thread_main,
                args=(run.id, agenda, settings, job),
                name=f"job-{agenda}-{run.id}",
                daemon=True,
            )
            self._threads[agenda] = thread
            thread.start()
        return run.id, True

    def _thread_main(self, run_id: int, agenda: str, settings: Settings, job: JobFn) -> None:
        with ledger.database.connection_context():
            execute(run_id, agenda, settings, self.connections, job, clock=self.clock)

    def run_inline(
        self,
        agenda: str,
        trigger: str = "cli",
        *,
        dry_run: bool = False,
        full: bool = False,
        options: dict[str, Any] | None = None,
    ) -> tuple[ledger.Run, bool]:
        """Run in the calling thread (the CLI); returns (finished run, ran_here)."""
        if agenda not in AGENDAS:
            raise AdapterError(f"Neznámá agenda „{agenda}“. Povolené: {', '.join(AGENDAS)}.")
        job = self.job(agenda)
        run, created = ledger.start_run(agenda, trigger, dry_run=dry_run, full=full, options=options, now=self.clock())
        if not created:
            return run, False
        execute(run.id, agenda, self.get_settings(), self.connections, job, clock=self.clock)
        return ledger.run_by_id(run.id), True

    def wait(self, agenda: str, timeout: float | None = None) -> bool:
        """Wait for this process's run of ``agenda`` to end; True if it ended."""
        thread = self._threads.get(agenda)
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def cancel(self, run_id: int) -> bool:
        """Ask a run to stop at its next safe point."""
        return ledger.request_cancel(run_id)

    # ------------------------------------------------------------------ schedule

    def next_due(self, agenda: str, settings: Settings | None = None) -> datetime | None:
        """When the schedule will next start ``agenda`` (None if not scheduled)."""
        settings = settings or self.get_settings()
        section = settings.agenda(agenda)
        if not section.enabled or not section.schedule_minutes:
            return None
        last = ledger.last_run(agenda, real=True)
        if last is None:
            return self.clock()
        started: datetime = last.started_at
        return started + timedelta(minutes=section.schedule_minutes)

    def due_agendas(self, settings: Settings | None = None) -> list[tuple[str, bool]]:
        """(agenda, full) pairs the schedule should start now."""
        settings = settings or self.get_settings()
        now = self.clock()
        out: list[tuple[str, bool]] = []
        for agenda in AGENDAS:
            due = self.next_due(agenda, settings)
            if due is not None and due <= now:
                out.append((agenda, False))
        stock = settings.stock
        if stock.enabled and stock.nightly_full and now.astimezone().hour == stock.nightly_hour:
            last_full = ledger.last_full_run("stock")
            if last_full is None or now - last_full.started_at > timedelta(hours=20):
                out = [(a, f) for a, f in out if a != "stock"] + [("stock", True)]
        return out

    def tick(self) -> list[int]:
        """Start whatever is due; returns the ids of runs started."""
        started = []
        for agenda, full in self.due_agendas():
            try:
                run_id, created = self.start(agenda, "schedule", full=full)
            except AdapterError as exc:
                log.warning("schedule could not start %s: %s", agenda, exc.message)
                continue
            if created:
                started.append(run_id)
        return started

    def start_scheduler(self, interval: float = 20.0) -> None:
        """Run :meth:`tick` every ``interval`` seconds in a daemon thread."""
        if self._scheduler is not None:
            return

        def loop() -> None:
            with ledger.database.connection_context():
                while not self._stop.wait(interval):
                    try:
                        self.tick()
                    except Exception:
                        log.exception("scheduler tick failed")

        self._scheduler = threading.Thread(target=loop, name="scheduler", daemon=True)
        self._scheduler.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the scheduler and ask running jobs to stop."""
        self._stop.set()
        for agenda, thread in list(self._threads.items()):
            if thread.is_alive():
                run = ledger.running_run(agenda)
                if run is not None:
                    ledger.request_cancel(run.id)
                thread.join(timeout)
