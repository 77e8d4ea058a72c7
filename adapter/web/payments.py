"""Blueprint ``payments``: Zaplacené objednávky — upload POHODA's export, preview, confirm.

Flow: the form posts the CSV export of Vydané faktury → the plan is stored
server-side under a random id bound to this browser session → the preview
shows the table → *Potvrdit* starts the payments run (trigger ``upload``),
whose progress and result show on ``/payments/run/<id>``. No view ever
answers 500 for a bad file: every problem becomes a Czech message on the page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from adapter import ledger
from adapter.errors import AdapterError, ImportFileError
from adapter.sync.payments import preview as sync_payments
from adapter.sync.payments.queries import overview
from adapter.sync.payments.send import AGENDA
from adapter.sync.payments.store import Upload, list_uploads, load_upload, new_owner_token
from adapter.sync.payments.table import report_sections
from adapter.web.extension import get_ext
from adapter.web.payments_pending import INLINE_BYTES, read_in_background

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__, url_prefix="/payments")

OWNER_KEY = "payments_owner"


def _owner(*, create: bool = False) -> str:
    """This session's random owner token (created on the first upload)."""
    token = session.get(OWNER_KEY)
    if not token and create:
        token = session[OWNER_KEY] = new_owner_token()
    return str(token or "")


def _index(error: str = "", status: int = 200) -> Any:
    ext = get_ext()
    return render_template(
        "payments/index.html",
        error=error,
        max_mb=ext.settings.payments.max_upload_mb,
        owner=_owner(),
        **overview(ext.data_dir),
    ), status


def _own_upload(upload_id: str) -> Upload:
    """The upload if it exists and belongs to this session; else 404."""
    upload = load_upload(get_ext().data_dir, upload_id)
    if upload is None or not _owner() or upload.owner != _owner():
        abort(404)
    return upload


@bp.app_context_processor
def _dashboard_helpers() -> dict[str, Any]:
    def payments_last_upload() -> Any:
        found = list_uploads(get_ext().data_dir, limit=1)
        return found[0] if found else None

    return {"payments_last_upload": payments_last_upload}


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Any:
    mb = get_ext().settings.payments.max_upload_mb
    return _index(
        f"Soubor je větší než povolených {mb} MB. Exportujte z POHODY faktury za kratší období, "
        "nebo limit zvyšte v Nastavení › Zaplacené objednávky.",
        413,
    )


@bp.route("/")
def index() -> Any:
    """The upload form, recent uploads and runs, and the automatic route over mServer."""
    return _index()


@bp.route("/upload", methods=["POST"])
def upload() -> Any:
    """Read the uploaded export, compare it with the shop and show the preview."""
    ext = get_ext()
    file = request.files.get("file")
    if file is None or not file.filename:
        return _index("Vyberte soubor s exportem vydaných faktur z POHODY (CSV).", 400)
    data = file.read()
    if len(data) > INLINE_BYTES:  # a large file is read off the request thread
        return read_in_background(data, file.filename, owner=_owner(create=True),
                                  uploaded_by=getattr(getattr(g, "user", None), "username", ""))
    try:
        stored = sync_payments.prepare_upload(
            ext.settings, ext.connections, data, file.filename,
            owner=_owner(create=True), uploaded_by=getattr(getattr(g, "user", None), "username", ""),
        )
    except ImportFileError as exc:
        return _index(exc.message, 400)
    except AdapterError as exc:
        log.warning("payments upload: %s %s", exc.message, exc.detail)
        return _index(f"Soubor je v pořádku, ale e-shop se nepodařilo zeptat na objednávky: {exc.message}", 502)
    return redirect(url_for("payments.preview", upload_id=stored.id))


@bp.route("/upload/<upload_id>")
def preview(upload_id: str) -> Any:
    """What confirming the upload would change."""
    stored = _own_upload(upload_id)
    source, counts, sections = report_sections(sync_payments.upload_report(stored))
    return render_template(
        "payments/preview.html", upload=stored, source=source, counts=counts, sections=sections,
        can_apply=sync_payments.can_apply(stored), paid_status=get_ext().settings.payments.paid_status,
    )


@bp.route("/upload/<upload_id>/apply", methods=["POST"])
def apply(upload_id: str) -> Any:
    """Confirm: start the run that marks the previewed orders paid."""
    stored = _own_upload(upload_id)
    run_id, _created, problem = sync_payments.apply_upload(get_ext().runner, get_ext().data_dir, stored)
    if problem or run_id is None:
        flash(problem or "Běh se nepodařilo spustit.", "error")
        return redirect(url_for("payments.preview", upload_id=upload_id))
    return redirect(url_for("payments.run_detail", run_id=run_id))


def _payments_run(run_id: int) -> ledger.Run:
    run = ledger.get_run(run_id)
    if run is None or run.agenda != AGENDA:
        abort(404)
    return run


@bp.route("/run/<int:run_id>")
def run_detail(run_id: int) -> Any:
    """A payments run: live progress, then the same table as the preview with the results."""
    run = _payments_run(run_id)
    source, counts, sections = report_sections(run.report_dict())
    return render_template("payments/run.html", run=run, source=source, counts=counts, sections=sections)


@bp.route("/run/<int:run_id>/table")
def run_table(run_id: int) -> Any:
    """The table of a run (reloaded by the page when the run finishes)."""
    run = _payments_run(run_id)
    source, counts, sections = report_sections(run.report_dict())
    return render_template("payments/_result.html", run=run, source=source, counts=counts, sections=sections)
