"""Blueprint ``runs``: run history and the per-document results of one run."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from adapter import ledger
from adapter.web.present import make_page, page_number, report_view

bp = Blueprint("runs", __name__, url_prefix="/runs")

PER_PAGE = 50
EVENTS_PER_PAGE = 200


@bp.route("/")
def index() -> Any:
    """All runs, newest first, filtered by agenda, state and trigger."""
    args = request.args
    number = page_number(args.get("page"))
    rows = ledger.runs(
        agenda=args.get("agenda") or None,
        status=args.get("state") or None,
        trigger=args.get("trigger") or None,
        limit=PER_PAGE + 1,
        offset=(number - 1) * PER_PAGE,
    )
    return render_template("runs/index.html", page=make_page(rows, number, PER_PAGE))


@bp.route("/<int:run_id>")
def detail(run_id: int) -> Any:
    """One run: progress or result, what it did with each document, its report."""
    run = ledger.get_run(run_id) or abort(404)
    args = request.args
    number = page_number(args.get("page"))
    events = ledger.run_events(
        run_id,
        state=args.get("state") or None,
        search=args.get("q", "").strip(),
        limit=EVENTS_PER_PAGE + 1,
        offset=(number - 1) * EVENTS_PER_PAGE,
    )
    return render_template(
        "runs/detail.html",
        run=run,
        page=make_page(events, number, EVENTS_PER_PAGE),
        event_counts=ledger.count_events(run_id),
        report=report_view(run.report_dict()),
    )
