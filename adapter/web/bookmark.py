"""Blueprint ``bookmark``: sync URLs a browser bookmark or Task Scheduler can open.

``GET /run/<agenda>?token=…`` starts (or joins) a run of ``agenda``:

* a browser (``Accept`` naming ``text/html``) gets the live progress page;
* a script (``?format=text``, or an Accept without ``text/html`` such as curl's ``*/*``) gets plain text after
  the run ends or ``?wait=`` seconds pass (default 300, at most 3600). The
  answer is HTTP 200 whatever the run's outcome; its first line is
  ``<status> run=<id> agenda=<agenda>`` with status ``ok``, ``partial``,
  ``failed``, ``interrupted`` or ``running`` (still going when the wait
  ended), the second line the run's message. A second call while a run is
  going joins that run (no 409: a scheduler retry should see the outcome).
* ``?mode=preview`` or ``?mode=full`` asks for a preview or a full check.
* At most ``WAITING_LIMIT`` (4) text calls may wait at once; another one gets 429 with
  ``Retry-After`` and starts nothing (``wait=0`` never needs a slot).
* A wrong or revoked token gets 403, a token not allowed for the agenda 403,
  an unknown agenda 404.

The token travels in the query string, so no code may log this URL; the
browser page polls a separate URL signed for the one run instead.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from adapter import ledger
from adapter.config import AGENDAS
from adapter.web import accounts
from adapter.web.auth import public_endpoint
from adapter.web.extension import get_ext
from adapter.web.htmx import explicitly_wants_html
from adapter.web.jobs import MODES, render_widget, start_job
from adapter.web.throttle import limit_waiting

bp = Blueprint("bookmark", __name__, url_prefix="/run")

DEFAULT_WAIT = 300
MAX_WAIT = 3600
POLL_SECONDS = 0.5


def progress_signature(run_id: int) -> str:
    """A signature that lets anyone holding it watch (only watch) one run."""
    key = str(current_app.secret_key).encode("utf-8")
    return hmac.new(key, f"progress:{run_id}".encode(), hashlib.sha256).hexdigest()[:32]


def wants_text() -> bool:
    """True for scripts: ``?format=text``, or no explicit ``text/html`` in Accept (``*/*`` is a script)."""
    fmt = request.args.get("format", "")
    if fmt:
        return fmt == "text"
    return not explicitly_wants_html(request)


def _text(body: str, status: int) -> Response:
    return Response(body + "\n", status=status, mimetype="text/plain")


def _wait_seconds() -> float:
    try:
        return max(0.0, min(float(MAX_WAIT), float(request.args.get("wait", DEFAULT_WAIT))))
    except ValueError:
        return float(DEFAULT_WAIT)


def wait_for(run_id: int, seconds: float) -> ledger.Run:
    """Poll the Run row until it ends or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    run = ledger.Run.get_by_id(run_id)
    while not run.finished and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        run = ledger.Run.get_by_id(run_id)
    return run


@bp.route("/<agenda>")
@public_endpoint
@limit_waiting(lambda: wants_text() and _wait_seconds() > 0)
def run(agenda: str) -> Any:
    """Start or join a run of ``agenda`` with a bookmark token."""
    text = wants_text()
    token = accounts.check_token(request.args.get("token", ""))
    if token is None:
        return _text("Neplatný nebo zrušený token.", 403) if text else _page_error("Neplatný nebo zrušený token.", 403)
    if agenda not in AGENDAS:
        return _text(f"Neznámá agenda {agenda}.", 404) if text else _page_error("Neznámá agenda.", 404)
    if agenda not in accounts.token_agendas(token):
        message = "Tento token nesmí spouštět tuto agendu."
        return _text(message, 403) if text else _page_error(message, 403)
    mode = request.args.get("mode", "sync")
    run_id, created, problem = start_job(get_ext().runner, agenda, "bookmark", **MODES.get(mode, {}))
    if run_id is None:
        return _text(f"failed run=- agenda={agenda}\n{problem}", 200) if text else _page_error(problem, 200)
    if text:
        finished = wait_for(run_id, _wait_seconds())
        return _text(f"{finished.status} run={finished.id} agenda={agenda}\n{finished.message or finished.phase}", 200)
    return render_template(
        "jobs/progress_page.html",
        run=ledger.get_run(run_id),
        agenda=agenda,
        joined=not created,
        sig=progress_signature(run_id),
    )


@bp.route("/progress/<int:run_id>/<sig>")
@public_endpoint
def progress(run_id: int, sig: str) -> Any:
    """The read-only progress widget of one run, for the bookmark page."""
    if not hmac.compare_digest(sig, progress_signature(run_id)):
        abort(403)
    found = ledger.get_run(run_id) or abort(404)
    return render_widget(found, found.agenda, variant="public")


def _page_error(message: str, status: int) -> Any:
    return render_template("errors/error.html", code=status, message=message), status
