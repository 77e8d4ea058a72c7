"""Blueprint ``jobs``: start, watch, cancel, retry and resume runs.

The progress widget (``jobs/_run.html``) renders from one Run row. While the
run goes on it asks for itself again after a second (``load delay:1s``,
``outerHTML`` swap); the finished widget carries no trigger, so polling ends
on its own. Failures are state in a 200 answer, because htmx does not swap
4xx/5xx responses.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from adapter import ledger
from adapter.config import AGENDAS
from adapter.errors import AdapterError
from adapter.sync.runner import JobRunner
from adapter.web.extension import get_ext
from adapter.web.htmx import is_htmx

log = logging.getLogger(__name__)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

MODES = {"sync": {}, "preview": {"dry_run": True}, "full": {"full": True}}
VARIANTS = ("card", "detail", "public")


def start_job(runner: JobRunner, agenda: str, trigger: str, **kwargs: Any) -> tuple[int | None, bool, str]:
    """Start a run; returns (run id or None, started now, Czech problem or "")."""
    try:
        run_id, created = runner.start(agenda, trigger, **kwargs)
    except AdapterError as exc:
        return None, False, exc.message
    except Exception:  # e.g. the agenda's job module is not installed
        log.exception("could not start %s", agenda)
        return None, False, "Synchronizaci nelze spustit (chybí úloha pro tuto agendu). Podívejte se do protokolu aplikace."
    return run_id, created, ""


def render_widget(run: ledger.Run | None, agenda: str, *, variant: str = "card", note: str = "", problem: str = "") -> str:
    """The progress widget for one run (or for an agenda that never ran)."""
    return render_template("jobs/_run.html", run=run, agenda=agenda, variant=variant, note=note, problem=problem)


def _variant() -> str:
    value = request.values.get("v", "card")
    return value if value in VARIANTS and value != "public" else "card"


@bp.route("/<agenda>/start/<mode>", methods=["POST"])
def start(agenda: str, mode: str) -> Any:
    """Start a sync, preview or full check; a second start shows the running run."""
    if agenda not in AGENDAS or mode not in MODES:
        abort(404)
    run_id, created, problem = start_job(get_ext().runner, agenda, "button", **MODES[mode])
    run = ledger.get_run(run_id) if run_id else ledger.last_run(agenda, real=True)
    if not is_htmx(request):
        return redirect(url_for("runs.detail", run_id=run_id) if run_id else url_for("dashboard.index"))
    note = "" if created or problem else "Synchronizace této agendy už běží — zobrazen probíhající běh."
    return render_widget(run, agenda, variant=_variant(), note=note, problem=problem)


@bp.route("/<int:run_id>")
def poll(run_id: int) -> Any:
    """The widget of one run; finishing tells the page to refresh the agenda's counts."""
    run = ledger.get_run(run_id) or abort(404)
    headers = {"HX-Trigger": f"run-finished-{run.agenda}"} if run.finished and is_htmx(request) else {}
    return render_widget(run, run.agenda, variant=_variant()), 200, headers


@bp.route("/<int:run_id>/cancel", methods=["POST"])
def cancel(run_id: int) -> Any:
    """Ask a run to stop at its next safe point."""
    run = ledger.get_run(run_id) or abort(404)
    get_ext().runner.cancel(run_id)
    if not is_htmx(request):
        return redirect(url_for("runs.detail", run_id=run_id))
    return render_widget(ledger.get_run(run_id), run.agenda, variant=_variant())


@bp.route("/<int:run_id>/retry", methods=["POST"])
def retry(run_id: int) -> Any:
    """Start a run of only the documents that failed in this one."""
    run = ledger.get_run(run_id) or abort(404)
    keys = ledger.run_event_keys(run_id, "error")
    options = {**run.options_dict(), "keys": keys}  # keep e.g. the upload a payments run applied
    new_id, _created, problem = start_job(get_ext().runner, run.agenda, "retry", options=options)
    return _after_restart(run, new_id, problem)


@bp.route("/<int:run_id>/resume", methods=["POST"])
def resume(run_id: int) -> Any:
    """Start an interrupted run again with the same options (it continues from the watermark)."""
    run = ledger.get_run(run_id) or abort(404)
    new_id, _created, problem = start_job(
        get_ext().runner, run.agenda, "button", dry_run=run.dry_run, full=run.full, options=run.options_dict()
    )
    return _after_restart(run, new_id, problem)


def _after_restart(run: ledger.Run, new_id: int | None, problem: str) -> Any:
    if problem:
        flash(problem, "error")
        return redirect(url_for("runs.detail", run_id=run.id))
    return redirect(url_for("runs.detail", run_id=new_id))
