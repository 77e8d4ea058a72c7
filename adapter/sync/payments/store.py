"""Uploaded payment plans kept on the server (``<data>/uploads/``).

An upload of POHODA's export becomes a previewed plan; confirming it starts a
payments run with ``options={"upload_id": …}`` that applies exactly the plan
the user saw. The plan never travels through the browser: the page carries
only the random id, and the id is bound to the uploader's session through
``owner`` (a random token kept in that session).

Each upload is two files written atomically: ``<id>.json`` (the whole plan)
and ``<id>.meta.json`` (a small summary for lists and the dashboard).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter.sync.payments.csv import RowError
from adapter.sync.payments.matching import PaymentMatch, PaymentPlan

UPLOADS_DIR = "uploads"
KEEP_DAYS = 30
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_PLAN_LISTS = ("to_mark_paid", "partly_paid", "unpaid", "unknown", "already_paid", "held")


@dataclass
class Upload:
    """One uploaded file: what it said, the plan the preview showed, and the run that applied it."""

    id: str
    owner: str  #: random token of the uploader's session ("cli" from the command line)
    created_at: datetime
    filename: str
    size: int
    sha256: str
    plan: PaymentPlan
    #: file facts for the preview: encoding, delimiter, header, header_line, lines, rows, warnings
    file_info: dict[str, Any] = field(default_factory=dict)
    #: normalised order number → note, for orders the ledger already shows as marked paid
    marked: dict[str, str] = field(default_factory=dict)
    #: section title → count, as shown in the preview
    counts: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None
    uploaded_by: str = ""

    def summary(self) -> dict[str, Any]:
        """The small meta record (lists, dashboard)."""
        return {
            "id": self.id,
            "owner": self.owner,
            "created_at": self.created_at.isoformat(),
            "filename": self.filename,
            "size": self.size,
            "counts": self.counts,
            "run_id": self.run_id,
            "uploaded_by": self.uploaded_by,
        }


@dataclass(frozen=True)
class UploadSummary:
    """What lists show of an upload without reading its plan."""

    id: str
    owner: str
    created_at: datetime
    filename: str
    size: int
    counts: dict[str, int]
    run_id: int | None
    uploaded_by: str = ""


def new_upload_id() -> str:
    """A random, URL-safe id (never guessable, never a path)."""
    return secrets.token_urlsafe(18)


def new_owner_token() -> str:
    """A random token binding uploads to one browser session."""
    return secrets.token_urlsafe(18)


def valid_id(upload_id: str) -> bool:
    """True for ids :func:`new_upload_id` could have made."""
    return bool(_ID.fullmatch(upload_id or ""))


def uploads_dir(data_dir: Path) -> Path:
    """The folder of stored uploads."""
    return data_dir / UPLOADS_DIR


# --------------------------------------------------------------------------- (de)serialisation


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def match_to_dict(match: PaymentMatch) -> dict[str, Any]:
    """A plan entry as JSON-ready values."""
    return {f.name: _value(getattr(match, f.name)) for f in fields(match)}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value))


def match_from_dict(data: dict[str, Any]) -> PaymentMatch:
    """The inverse of :func:`match_to_dict`."""
    return PaymentMatch(
        kind=data["kind"],
        order_number=str(data["order_number"]),
        order_id=None if data.get("order_id") is None else int(data["order_id"]),
        invoice_number=str(data.get("invoice_number", "")),
        to_pay=Decimal(str(data["to_pay"])),
        paid=_dec(data.get("paid")),
        total=_dec(data.get("total")),
        date=_day(data.get("date")),
        paid_date=_day(data.get("paid_date")),
        shop_status=str(data.get("shop_status", "")),
        shop_total=_dec(data.get("shop_total")),
        currency=str(data.get("currency", "")),
        settled=bool(data.get("settled", False)),
        lines=tuple(int(n) for n in data.get("lines", ())),
    )


def plan_to_dict(plan: PaymentPlan) -> dict[str, Any]:
    """A whole plan as JSON-ready values."""
    out: dict[str, Any] = {name: [match_to_dict(m) for m in getattr(plan, name)] for name in _PLAN_LISTS}
    out["errors"] = [{"line": e.line, "message": e.message, "raw": e.raw, "kind": e.kind} for e in plan.errors]
    out["tolerance"] = str(plan.tolerance)
    out["no_order"] = plan.no_order
    return out


def plan_from_dict(data: dict[str, Any]) -> PaymentPlan:
    """The inverse of :func:`plan_to_dict`."""
    plan = PaymentPlan(
        errors=[RowError(int(e["line"]), str(e["message"]), str(e.get("raw", "")), e.get("kind", "value"))
                for e in data.get("errors", [])],
        tolerance=Decimal(str(data.get("tolerance", "1.00"))),
        no_order=int(data.get("no_order", 0)),
    )
    for name in _PLAN_LISTS:
        getattr(plan, name).extend(match_from_dict(m) for m in data.get(name, []))
    return plan


# --------------------------------------------------------------------------- files


def _write_json(path: Path, value: Any) -> None:
    """Write JSON atomically (temp file + replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_upload(data_dir: Path, upload: Upload) -> None:
    """Store (or overwrite) an upload and its summary."""
    if not valid_id(upload.id):
        raise ValueError(f"invalid upload id {upload.id!r}")
    folder = uploads_dir(data_dir)
    body = {**upload.summary(), "sha256": upload.sha256, "file_info": upload.file_info, "marked": upload.marked,
            "plan": plan_to_dict(upload.plan)}
    _write_json(folder / f"{upload.id}.json", body)
    _write_json(folder / f"{upload.id}.meta.json", upload.summary())


def _created(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_upload(data_dir: Path, upload_id: str) -> Upload | None:
    """An upload by id, or None (unknown, malformed id, unreadable file)."""
    if not valid_id(upload_id):
        return None
    try:
        data = json.loads((uploads_dir(data_dir) / f"{upload_id}.json").read_text(encoding="utf-8"))
        return Upload(
            id=data["id"],
            owner=str(data.get("owner", "")),
            created_at=_created(data.get("created_at")),
            filename=str(data.get("filename", "")),
            size=int(data.get("size", 0)),
            sha256=str(data.get("sha256", "")),
            plan=plan_from_dict(data.get("plan", {})),
            file_info=dict(data.get("file_info") or {}),
            marked={str(k): str(v) for k, v in (data.get("marked") or {}).items()},
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            run_id=None if data.get("run_id") is None else int(data["run_id"]),
            uploaded_by=str(data.get("uploaded_by", "")),
        )
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError):
        return None


def set_run(data_dir: Path, upload_id: str, run_id: int) -> None:
    """Remember which run applied an upload."""
    upload = load_upload(data_dir, upload_id)
    if upload is not None:
        upload.run_id = run_id
        save_upload(data_dir, upload)


def list_uploads(data_dir: Path, *, limit: int = 10) -> list[UploadSummary]:
    """The newest uploads' summaries, newest first."""
    folder = uploads_dir(data_dir)
    if not folder.is_dir():
        return []
    out: list[UploadSummary] = []
    for path in folder.glob("*.meta.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            out.append(UploadSummary(
                id=str(data["id"]), owner=str(data.get("owner", "")), created_at=_created(data.get("created_at")),
                filename=str(data.get("filename", "")), size=int(data.get("size", 0)),
                counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
                run_id=None if data.get("run_id") is None else int(data["run_id"]),
                uploaded_by=str(data.get("uploaded_by", "")),
            ))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    out.sort(key=lambda u: u.created_at, reverse=True)
    return out[:limit]


def purge_old(data_dir: Path, now: datetime, *, keep_days: int = KEEP_DAYS) -> int:
    """Delete uploads older than ``keep_days``; returns how many were removed."""
    folder = uploads_dir(data_dir)
    if not folder.is_dir():
        return 0
    limit = now - timedelta(days=keep_days)
    removed = 0
    for summary in list_uploads(data_dir, limit=100_000):
        if summary.created_at < limit:
            for suffix in (".json", ".meta.json"):
                (folder / f"{summary.id}{suffix}").unlink(missing_ok=True)
            removed += 1
    return removed
