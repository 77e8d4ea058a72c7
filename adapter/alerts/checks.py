"""Run the health checks and send the alerts due: what `app.py check` and the watcher thread do."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from adapter import backup, ledger
from adapter.alerts.engine import Outcome, Sender, evaluate
from adapter.alerts.problems import detect
from adapter.health import HealthReport, check_all

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import Connections

log = logging.getLogger(__name__)

__all__ = ["AlertWatch", "run_checks"]


def run_checks(settings: Settings, connections: Connections, *, data_dir: Path,
               next_due: Callable[[str], datetime | None] | None = None, now: datetime | None = None,
               send: Sender | None = None) -> tuple[HealthReport, Outcome]:
    """Health checks, alerts due and the daily backup; needs an initialised ledger."""
    now = now or datetime.now(UTC)
    if settings.backup.enabled:
        try:
            backup.backup_if_due(data_dir, keep=settings.backup.keep, now=now)
        except Exception:  # a failed copy must not stop the checks; the panel shows the backup age
            log.exception("ledger backup failed")
    with ledger.database.connection_context():
        report = check_all(settings, connections, data_dir=data_dir, next_due=next_due, now=now)
        outcome = evaluate(settings, detect(settings, report, now), now, send)
    return report, outcome


class AlertWatch:
    """A daemon thread that runs :func:`run_checks` every ``interval`` seconds while the app serves."""

    def __init__(self, settings: Callable[[], Settings], connections: Connections, data_dir: Path,
                 next_due: Callable[[str], datetime | None] | None = None, interval: float = 60.0) -> None:
        self._settings, self._connections, self._data_dir = settings, connections, data_dir
        self._next_due, self._interval = next_due, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="alerts", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                run_checks(self._settings(), self._connections, data_dir=self._data_dir, next_due=self._next_due)
            except Exception:
                log.exception("alert checks failed")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def print_report(report: HealthReport, outcome: Outcome, out: TextIO) -> None:
    """The report as Czech lines for the console."""
    marks = {"ok": "OK ", "warn": "POZOR", "down": "CHYBA"}
    for item in report.items:
        print(f"[{marks[item.state]}] {item.title}: {item.text}", file=out)
        if item.state != "ok" and item.fix:
            print(f"        Co udělat: {item.fix}", file=out)
    for key in outcome.opened:
        print(f"Odesláno upozornění: {key}", file=out)
    for key in outcome.recovered:
        print(f"Odesláno oznámení o vyřešení: {key}", file=out)
    for key in outcome.failed:
        print(f"Upozornění se nepodařilo odeslat: {key} (zkontrolujte Nastavení › Upozornění a e-mail)", file=out)


def cmd_check(data: Path, *, connections: Connections | None = None, out: TextIO | None = None,
              now: datetime | None = None, send: Sender | None = None) -> int:
    """``app.py check``: exit 0 all green, 1 warnings, 2 something down (or the ledger is damaged)."""
    from adapter.config import SettingsStore
    from adapter.sync.runner import JobRunner

    out = out or sys.stdout
    try:
        backup.check_ledger_at_start(data)
    except backup.LedgerCorrupt as exc:
        print(exc.message, file=out)
        return 2
    if connections is None:
        from adapter.sync.connections import default_connections

        connections = default_connections()
    store = SettingsStore(data)
    ledger.init_db(data / backup.LEDGER_FILE)
    runner = JobRunner(store.get, connections)
    report, outcome = run_checks(store.get(), connections, data_dir=data, next_due=runner.next_due, now=now, send=send)
    print_report(report, outcome, out)
    return report.exit_code
