"""``app.py import-payments FILE [--apply]``: the upload route from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from adapter import ledger
from adapter.errors import AdapterError, ImportFileError
from adapter.sync.payments.job import PaymentsJob
from adapter.sync.payments.preview import can_apply, prepare_upload, upload_report
from adapter.sync.payments.send import AGENDA, SERIOUS_ROW_ERRORS
from adapter.sync.payments.store import Upload, set_run
from adapter.sync.payments.table import report_text

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import Connections


def _ensure_ledger(data_dir: Path) -> None:
    """Open the ledger of ``data_dir`` unless it is the one already open."""
    path = data_dir / "ledger.db"
    if ledger.database.database != str(path):
        ledger.init_db(path)


def import_payments_cli(
    settings: Settings,
    path: Path,
    *,
    apply: bool,
    out: TextIO,
    connections: Connections | None = None,
) -> int:
    """``app.py import-payments FILE [--apply]``: print the preview table; with ``apply`` mark the orders.

    Exit codes: 0 ok, 1 partial (bad lines in the file, or some orders
    failed), 2 failed (unreadable file, no connection, a run already going).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        out.write(f"Soubor {path} nelze přečíst: {exc.strerror or exc}.\n")
        return 2
    if connections is None:
        from adapter.sync.connections import default_connections

        connections = default_connections()
    _ensure_ledger(settings.data_dir)
    with ledger.database.connection_context():
        try:
            upload = prepare_upload(settings, connections, data, Path(path).name, owner="cli",
                                    uploaded_by="příkazová řádka")
        except ImportFileError as exc:
            out.write(f"Soubor nelze použít: {exc.message}\n")
            return 2
        except AdapterError as exc:
            out.write(f"Chyba: {exc.message}\n")
            return 2
        serious = sum(1 for e in upload.plan.errors if e.kind in SERIOUS_ROW_ERRORS)
        if not apply:
            out.write(report_text(upload_report(upload)))
            hint = ("\nNáhled — v e-shopu se nic nezměnilo. Objednávky označíte příkazem s volbou --apply.\n"
                    if can_apply(upload) else "\nNáhled — není co označit.\n")
            out.write(hint)
            return 1 if serious else 0
        return _apply_cli(settings, connections, upload, out, serious)


def _apply_cli(settings: Settings, connections: Connections, upload: Upload, out: TextIO, serious: int) -> int:
    """Apply a stored upload in the foreground through the runner (so it is a Run in the history)."""
    from adapter.sync.runner import JobRunner

    runner = JobRunner(lambda: settings, connections, jobs={AGENDA: PaymentsJob().run})
    finished, ran_here = runner.run_inline(AGENDA, "cli", options={"upload_id": upload.id})
    if not ran_here:
        out.write(f"Zaplacené objednávky: jiný běh už probíhá (běh #{finished.id}). Zkuste to za chvíli.\n")
        return 2
    set_run(settings.data_dir, upload.id, finished.id)
    report = finished.report_dict()
    if report:
        out.write(report_text(report))
    out.write(f"\nBěh #{finished.id}: {finished.status} — {finished.message}\n")
    if finished.status == "ok":
        return 1 if serious else 0
    return 1 if finished.status == "partial" else 2
