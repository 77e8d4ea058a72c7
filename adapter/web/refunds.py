"""Blueprint ``refunds``: credit notes and cancelled orders — the *Objednávky* page section and the dashboard card.

Thin views: each reads the ledger through :mod:`adapter.ledger.refunds` and renders.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from adapter.ledger import refunds as rows
from adapter.web.extension import get_ext

bp = Blueprint("refunds", __name__, url_prefix="/refunds")


def _context() -> dict[str, Any]:
    settings = get_ext().settings.refunds
    return {
        "summary": rows.summary(),
        "credits_open": rows.open_rows(rows.AGENDA),
        "cancels_open": rows.open_rows(rows.CANCELS),
        "credits_done": rows.recent_ok(rows.AGENDA),
        "cancels_done": rows.recent_ok(rows.CANCELS),
        "return_store": settings.return_store,
        "on_cancel": settings.on_cancel,
    }


@bp.route("/")
def index() -> Any:
    """Everything about refunds and cancellations on one page."""
    return render_template("refunds/index.html", **_context())


@bp.route("/_section")
def section() -> Any:
    """The section of the *Objednávky* page (loaded by htmx)."""
    return render_template("refunds/_section.html", **_context())


@bp.route("/_dashboard")
def dashboard() -> Any:
    """The extra part of the dashboard card (loaded by htmx, refreshed when a run ends)."""
    return render_template("refunds/_dashboard.html", **_context())
