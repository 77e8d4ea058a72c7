"""Blueprint ``health``: the health panel (on the dashboard, loaded by htmx) and its full page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from adapter.health import STATE_LABELS, HealthReport, check_all
from adapter.web.extension import get_ext

bp = Blueprint("health", __name__, url_prefix="/health")


def current_report() -> HealthReport:
    """Run every check now (mServer and the shop are asked live)."""
    ext = get_ext()
    return check_all(ext.settings, ext.connections, data_dir=ext.data_dir, next_due=ext.runner.next_due)


@bp.route("/")
def index() -> Any:
    """The full page: every item with its facts and what to do."""
    return render_template("health/index.html", report=current_report(), labels=STATE_LABELS)


@bp.route("/panel")
def panel() -> Any:
    """The dashboard's panel (an htmx partial)."""
    return render_template("health/_panel.html", report=current_report(), labels=STATE_LABELS)
