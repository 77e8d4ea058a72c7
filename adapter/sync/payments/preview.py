"""The upload route's preview: POHODA's CSV export read, compared with the shop and stored as a plan.

Confirming the preview starts the payments job with ``options={"upload_id": …}``
(:func:`apply_upload`); it applies exactly the stored plan.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapter import ledger
from adapter.errors import AdapterError
from adapter.sync.payments.csv import PaymentsFile, read_payments_csv
from adapter.sync.payments.matching import (
    DEFAULT_BLOCKED_STATUSES,
    ShopOrderState,
    normalise_order_number,
    plan_payments,
)
from adapter.sync.payments.pull import fetch_shop_states
from adapter.sync.payments.send import AGENDA, marked_note, marked_notes
from adapter.sync.payments.store import Upload, new_upload_id, purge_old, save_upload, set_run
from adapter.sync.payments.table import czech_date, plan_counts, plan_report

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import Connections
    from adapter.sync.runner import JobRunner

log = logging.getLogger(__name__)

MB = 1024 * 1024


def _order_numbers(rows: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(normalise_order_number(r.order_number) for r in rows))



def file_info(parsed: PaymentsFile) -> dict[str, Any]:
    """What the preview says about the file itself."""
    return {
        "encoding": parsed.encoding,
        "delimiter": parsed.delimiter_name,
        "header": list(parsed.header),
        "header_line": parsed.header_line,
        "columns": dict(parsed.columns),
        "lines": parsed.lines,
        "rows": parsed.row_count,
        "errors": parsed.error_count,
        "no_order": parsed.no_order,
        "warnings": list(parsed.warnings),
    }


def prepare_upload(
    settings: Settings,
    connections: Connections,
    data: bytes,
    filename: str,
    *,
    owner: str,
    uploaded_by: str = "",
    now: datetime | None = None,
) -> Upload:
    """Read an uploaded export, compare it with the shop, store the plan; returns the stored upload.

    Raises :class:`ImportFileError` for an unusable file (too big, not a CSV,
    required columns missing) and other :class:`AdapterError` subclasses when
    the shop cannot be asked; never changes anything in the shop.
    """
    now = now or ledger.utcnow()
    max_mb = max(1, settings.payments.max_upload_mb)
    parsed = read_payments_csv(bytes(data), max_bytes=max_mb * MB)
    numbers = _order_numbers(parsed.rows)
    states: dict[str, ShopOrderState] = {}
    if numbers:
        eshop = connections.eshop(settings)
        try:
            states = fetch_shop_states(eshop, numbers)
        finally:
            eshop.close()
    plan = plan_payments(parsed, states, tolerance=settings.payments.tolerance, blocked_statuses=DEFAULT_BLOCKED_STATUSES)
    marked = {k: marked_note(e) for k, e in marked_notes(m.order_number for m in plan.to_mark_paid).items()}
    upload = Upload(
        id=new_upload_id(),
        owner=owner,
        created_at=now,
        filename=_safe_filename(filename),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        plan=plan,
        file_info=file_info(parsed),
        marked=marked,
        counts=plan_counts(plan, marked),
        uploaded_by=uploaded_by,
    )
    save_upload(settings.data_dir, upload)
    try:
        purge_old(settings.data_dir, now)
    except OSError:  # housekeeping must never fail an upload
        log.warning("could not remove old payment uploads", exc_info=True)
    return upload


def _safe_filename(name: str) -> str:
    """The file's base name as shown to people (no folders, bounded length)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or "export.csv")[:120]


def upload_source(upload: Upload) -> str:
    """The "Zdroj" line of an upload's table."""
    when = upload.created_at.astimezone()
    return f"Soubor {upload.filename} nahraný {czech_date(when.date())} {when:%H:%M}"


def upload_report(upload: Upload) -> dict[str, Any]:
    """The preview table of a stored upload."""
    return plan_report(upload.plan, source=upload_source(upload), marked=upload.marked)


def can_apply(upload: Upload) -> bool:
    """True when confirming the upload would mark at least one order paid."""
    return any(
        normalise_order_number(m.order_number) not in upload.marked for m in upload.plan.to_mark_paid
    ) and upload.run_id is None


def apply_upload(runner: JobRunner, data_dir: Path, upload: Upload) -> tuple[int | None, bool, str]:
    """Start the run applying a previewed upload; returns (run id, started now, Czech problem or "")."""
    if upload.run_id is not None:
        return upload.run_id, False, ""
    try:
        run_id, created = runner.start(AGENDA, "upload", options={"upload_id": upload.id})
    except AdapterError as exc:
        return None, False, exc.message
    if not created:
        running = ledger.get_run(run_id)
        if running is None or running.options_dict().get("upload_id") != upload.id:
            return run_id, False, (
                "Právě probíhá jiný běh zaplacených objednávek. Počkejte, až skončí, a potvrďte znovu."
            )
    set_run(data_dir, upload.id, run_id)
    return run_id, created, ""
