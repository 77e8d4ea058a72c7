"""Blueprint ``dashboard``: one card per agenda with live progress."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from adapter import ledger
from adapter.config import AGENDAS
from adapter.web.extension import get_ext
from adapter.web.present import dashboard_cards

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def index() -> Any:
    """The overview: every agenda, its last run, its ledger counts, its buttons."""
    ext = get_ext()
    return render_template("dashboard/index.html", cards=dashboard_cards(ext.settings, ext.runner))


@bp.route("/dashboard/<agenda>/counts")
def counts(agenda: str) -> Any:
    """The ledger counts of one agenda (refreshed when one of its runs ends)."""
    if agenda not in AGENDAS:
        abort(404)
    return render_template("dashboard/_counts.html", agenda=agenda, counts=ledger.count_entries(agenda))
