"""Blueprint ``pairing``: the pairing report (Párování produktů), its CSV export and actions.

Shows at a glance what is paired, what is not and which orders that holds
back; *Obnovit párování* runs the stock job with ``{"pairing_only": true}``
and *Založit karty v POHODĚ* starts the products job for the ticked
e-shop-only products. Views stay thin: the queries live in
:mod:`adapter.sync.pairing.queries`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for

from adapter import ledger
from adapter.sync.pairing import queries as ps
from adapter.sync.pairing.match import STATUS_TITLES
from adapter.sync.pairing.store import pairing_info
from adapter.web.extension import get_ext
from adapter.web.jobs import start_job
from adapter.web.present import make_page, page_number

bp = Blueprint("pairing", __name__, url_prefix="/pairing")

PER_PAGE = 100
MAX_SELECTED = 5000


def _filter() -> ps.ReportFilter:
    args = request.args
    return ps.ReportFilter(status=args.get("status", ""), kind=args.get("kind", ""), search=args.get("q", "")).clean()


@bp.route("/")
def index() -> Any:
    """The report: counts, conflicts by kind, held orders, filtered and paged rows."""
    flt = _filter()
    number = page_number(request.args.get("page"))
    rows = ps.report_rows(flt, limit=PER_PAGE + 1, offset=(number - 1) * PER_PAGE)
    held = ps.held_orders()
    run_id = request.args.get("run", type=int)
    return render_template(
        "pairing/index.html",
        flt=flt,
        page=make_page(rows, number, PER_PAGE),
        matching=ps.report_count(flt),
        counts=ps.status_counts(),
        conflicts=ps.conflict_counts(),
        kinds=ps.CONFLICT_KINDS,
        titles=STATUS_TITLES,
        held_for=ps.held_lookup(held),
        stores_text=ps.stores_text,
        held_rows=ps.held_rows(held),
        info=pairing_info(),
        run=ledger.get_run(run_id) if run_id else ledger.running_run("stock"),
        products_run=ledger.running_run("products"),
    )


@bp.route("/export.csv")
def export() -> Any:
    """The filtered report as a CSV file for Excel (UTF-8 with BOM, semicolons)."""
    flt = _filter()
    held = ps.held_orders()
    response = Response(stream_with_context(ps.iter_csv(flt, held)), mimetype="text/csv")
    name = "parovani" + (f"-{flt.status}" if flt.status else "") + ".csv"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


@bp.route("/refresh", methods=["POST"])
def refresh() -> Any:
    """Refresh the pairing in the background (a stock run that only pairs)."""
    run_id, created, problem = start_job(get_ext().runner, "stock", "button", options={"pairing_only": True})
    if problem:
        flash(problem, "error")
        return redirect(url_for("pairing.index"))
    if not created:
        flash("Synchronizace zásob právě běží; párování se obnoví s ní. Počkejte na její konec.", "info")
    return redirect(url_for("pairing.index", run=run_id))


@bp.route("/create-cards", methods=["POST"])
def create_cards() -> Any:
    """Start the products job for the ticked e-shop-only products."""
    keys = [k for k in request.form.getlist("product_id") if k.isdigit()][:MAX_SELECTED]
    if not keys:
        flash("Vyberte aspoň jeden produkt, pro který se má v POHODĚ založit zásoba.", "error")
        return redirect(request.referrer or url_for("pairing.index", status="eshop_only"))
    run_id, created, problem = start_job(get_ext().runner, "products", "button", options={"keys": keys})
    if problem:
        flash(problem, "error")
        return redirect(url_for("pairing.index", status="eshop_only"))
    if not created:
        flash("Zakládání zásob už běží — zobrazen probíhající běh. Vybrané produkty zkuste znovu po jeho konci.", "info")
    return redirect(url_for("runs.detail", run_id=run_id))
