"""Blueprint ``payments_pending``: a large payments CSV is read off the request thread.

Reading 100,000 rows and asking the shop about every order takes seconds to
minutes; done in the upload request it would hold one of waitress's threads
(and the browser) all that time. A file above :data:`INLINE_BYTES` goes to a
single background worker instead; the browser is sent to
``/payments/pending/<id>``, a page that refreshes itself until the preview
is ready (then redirects to it) or shows the problem. Like uploads, a
pending job belongs to the browser session that started it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, url_for

from adapter import ledger
from adapter.errors import AdapterError, ImportFileError
from adapter.sync.payments import preview as sync_payments
from adapter.sync.payments.store import Upload
from adapter.web.extension import get_ext

bp = Blueprint("payments_pending", __name__, url_prefix="/payments/pending")

#: files up to this size are read during the upload request, as before
INLINE_BYTES = 512 * 1024
#: uploads waiting for the worker at most (more get a "try again" message)
MAX_PENDING = 3
#: finished jobs are forgotten after this many seconds
KEEP_SECONDS = 3600.0
WORKER_KEY = "adapter_upload_worker"
_create_lock = threading.Lock()


@dataclass
class PendingUpload:
    """One upload being read in the background."""

    owner: str
    future: Future[Upload]
    created: float


class UploadWorker:
    """One background thread that reads uploads, and the jobs it was given."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="payments-upload")
        self._jobs: dict[str, PendingUpload] = {}
        self._lock = threading.Lock()

    def submit(self, owner: str, work: Callable[[], Upload]) -> str | None:
        """Queue ``work``; its id, or None when too many uploads are waiting."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, j in self._jobs.items() if j.future.done() and now - j.created > KEEP_SECONDS]:
                del self._jobs[key]
            if sum(not j.future.done() for j in self._jobs.values()) >= MAX_PENDING:
                return None
            job_id = secrets.token_urlsafe(12)
            self._jobs[job_id] = PendingUpload(owner, self._pool.submit(work), now)
        return job_id

    def get(self, job_id: str, owner: str) -> PendingUpload | None:
        """The job if it exists and belongs to ``owner``."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and owner and secrets.compare_digest(job.owner, owner) else None


def worker(app: Flask | None = None) -> UploadWorker:
    """The app's upload worker, created on first use."""
    app = app or current_app
    with _create_lock:
        found = app.extensions.get(WORKER_KEY)
        if not isinstance(found, UploadWorker):
            found = app.extensions[WORKER_KEY] = UploadWorker()
    return found


def read_in_background(data: bytes, filename: str, *, owner: str, uploaded_by: str) -> Any:
    """Hand a large upload to the worker and send the browser to its waiting page."""
    ext = get_ext()
    settings, connections = ext.settings, ext.connections

    def work() -> Upload:
        with ledger.database.connection_context():
            return sync_payments.prepare_upload(settings, connections, data, filename, owner=owner,
                                                uploaded_by=uploaded_by)

    job_id = worker().submit(owner, work)
    if job_id is None:
        message = "Právě se načítají jiné velké soubory. Zkuste to prosím znovu za minutu."
        return render_template("errors/error.html", code=429, message=message), 429, {"Retry-After": "60"}
    return redirect(url_for("payments_pending.status", job_id=job_id))


@bp.route("/<job_id>")
def status(job_id: str) -> Any:
    """Waiting page of a large upload: refreshes itself, then goes to the preview or shows the problem."""
    from adapter.web.payments import _owner

    job = worker().get(job_id, _owner()) or abort(404)
    if not job.future.done():
        return render_template("payments/pending.html", seconds=int(time.monotonic() - job.created))
    exc = job.future.exception()
    if exc is None:
        return redirect(url_for("payments.preview", upload_id=job.future.result().id))
    if isinstance(exc, ImportFileError):
        return render_template("errors/error.html", code=400, message=exc.message), 400
    if isinstance(exc, AdapterError):
        message = f"Soubor je v pořádku, ale e-shop se nepodařilo zeptat na objednávky: {exc.message}"
        return render_template("errors/error.html", code=502, message=message), 502
    current_app.logger.error("payments upload failed in the background: %s", type(exc).__name__)
    return render_template("errors/error.html", code=500,
                           message="Soubor se nepodařilo zpracovat. Zkuste jej nahrát znovu."), 500
