"""Blueprint ``customers``: the Adresář page — conflicts side by side, duplicates, skipped and invalid records.

Taking the other side of a conflict starts a customers run with options
``{"keys": [...], "take": "eshop"|"pohoda"}`` (the job writes the chosen
version to both systems); keeping the master rule's decision closes the
conflict without writing anything.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from adapter.czech import plural
from adapter.sync.customers import queries as customers
from adapter.sync.customers.mapping import FIELD_LABELS
from adapter.web.extension import get_ext
from adapter.web.jobs import start_job

bp = Blueprint("customers", __name__, url_prefix="/customers")

SIDES = {"eshop": "e-shopu", "pohoda": "POHODY"}


@bp.app_context_processor
def customer_counts() -> dict[str, Any]:
    """``customer_counts()`` for the dashboard card (queried only when a template calls it)."""
    return {"customer_counts": customers.summary_counts}


def _keys() -> list[str]:
    return [k.strip() for k in request.form.getlist("key") if k.strip()][:500]


@bp.route("/")
def index() -> Any:
    """Conflicts with both versions and the master rule's decision; duplicates, skipped, invalid."""
    settings = get_ext().settings.customers
    view = customers.overview(master=settings.master)
    return render_template("customers/index.html", view=view, cs=settings, labels=FIELD_LABELS, sides=SIDES)


@bp.route("/take", methods=["POST"])
def take() -> Any:
    """Use one side's version of the chosen conflicts in both systems (a run of the customers job)."""
    keys, side = _keys(), request.form.get("take", "")
    if not keys or side not in SIDES:
        abort(400)
    run_id, created, problem = start_job(get_ext().runner, "customers", "button",
                                         options={"keys": keys, "take": side})
    if problem or not created:
        flash(problem or "Synchronizace Adresáře právě běží; volbu zopakujte po jejím skončení.", "error")
        return redirect(url_for("customers.index"))
    return redirect(url_for("runs.detail", run_id=run_id))


@bp.route("/dismiss", methods=["POST"])
def dismiss() -> Any:
    """Keep the master rule's decision for the chosen conflicts (nothing is written)."""
    count = customers.dismiss_conflicts(_keys())
    flash(f"Rozhodnutí podle pravidla přednosti potvrzeno: {plural(count, 'konflikt', 'konflikty', 'konfliktů')}.", "success")
    return redirect(url_for("customers.index"))
