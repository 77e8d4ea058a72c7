"""Blueprint ``orders``: held and changed orders, the preview of one order, POHODA-pulled confirmations.

Thin views (rule 4): each parses its input, calls one function of
:mod:`adapter.sync.orders.queries` / :mod:`adapter.sync.orders.preview` and renders.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from adapter.czech import plural
from adapter.errors import AdapterError
from adapter.sync.orders import queries as orders_queries
from adapter.sync.orders.preview import preview_order
from adapter.web.extension import get_ext
from adapter.web.jobs import start_job

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.route("/")
def index() -> Any:
    """Held orders with their blocking SKUs, orders changed after transfer, orders POHODA fetched."""
    return render_template("orders/index.html", summary=orders_queries.summary(top=20), held=orders_queries.held_skus(),
                           reasons=orders_queries.held_reasons())


@bp.route("/_dashboard")
def dashboard() -> Any:
    """The extra part of the dashboard card (loaded by htmx, refreshed when a run ends)."""
    return render_template("orders/_dashboard.html", summary=orders_queries.summary())


@bp.route("/preview", methods=["GET"])
def preview_form() -> Any:
    """Jump to the preview of the order number typed in."""
    raw = request.args.get("order_id", "").strip().lstrip("#")
    if not raw.isdigit():
        flash("Zadejte číslo (ID) objednávky v e-shopu.", "error")
        return redirect(url_for("orders.index"))
    return redirect(url_for("orders.preview", order_id=int(raw)))


@bp.route("/preview/<int:order_id>")
def preview(order_id: int) -> Any:
    """The exact XML one order would become, its validation, the pairing per line and the totals."""
    ext = get_ext()
    return render_template("orders/preview.html", p=preview_order(ext.settings, ext.connections, order_id))


@bp.route("/transfer/<int:order_id>", methods=["POST"])
def transfer(order_id: int) -> Any:
    """Transfer this one order now (a run of the orders job limited to it)."""
    run_id, _created, problem = start_job(get_ext().runner, "orders", "button", options={"keys": [str(order_id)]})
    if problem or run_id is None:
        flash(problem or "Přenos nelze spustit.", "error")
        return redirect(url_for("orders.preview", order_id=order_id))
    return redirect(url_for("runs.detail", run_id=run_id))


@bp.route("/pulled/confirm", methods=["POST"])
def confirm_pulled() -> Any:
    """„Potvrdit přenos“: the orders POHODA fetched are in POHODA; mark them ok and in the shop."""
    ext = get_ext()
    try:
        done, failed = orders_queries.confirm_pulled(ext.settings, ext.connections, request.form.getlist("key") or None)
    except AdapterError as exc:
        flash(exc.message, "error")
        return redirect(url_for("orders.index"))
    message = f"Potvrzen přenos: {plural(done, 'objednávka', 'objednávky', 'objednávek')}."
    if failed:
        message += (f" {plural(failed, 'objednávku', 'objednávky', 'objednávek')} se nepodařilo označit v e-shopu; "
                    "zkusí se znovu při příští synchronizaci.")
    flash(message, "info" if not failed else "warn")
    return redirect(url_for("orders.index"))


@bp.route("/pulled/release", methods=["POST"])
def release_pulled() -> Any:
    """POHODA did not import what it fetched: offer those orders again."""
    count = orders_queries.release_pulled(request.form.getlist("key"))
    flash(f"POHODĚ se znovu nabídne: {plural(count, 'objednávka', 'objednávky', 'objednávek')}.", "info")
    return redirect(url_for("orders.index"))


@bp.route("/changed/<key>/acknowledge", methods=["POST"])
def acknowledge(key: str) -> Any:
    """A person fixed the POHODA document by hand: accept the shop's changed order."""
    if orders_queries.acknowledge_change(key):
        flash("Změna objednávky byla vzata na vědomí.", "info")
    return redirect(url_for("orders.index"))
