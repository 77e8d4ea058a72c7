"""Blueprint ``alerts``: the problems the alerts watch, every e-mail they sent, and a test e-mail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from adapter import ledger
from adapter.errors import AdapterError
from adapter.ledger import alerts as alert_rows
from adapter.mail import send_test_mail
from adapter.web.auth import admin_required
from adapter.web.extension import get_ext

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

PROBLEM_STATES = {"pending": "zjištěno, zatím neohlášeno", "open": "ohlášeno", "cleared": "vyřešeno"}
DELIVERY_KINDS = {"alert": "upozornění", "recovery": "vyřešeno", "digest": "denní souhrn", "test": "zkušební"}


@bp.route("/")
def index() -> Any:
    """Open problems first, then the recently cleared ones; the last 100 e-mails."""
    problems = alert_rows.recent_problems()
    deliveries = alert_rows.recent_deliveries()
    return render_template("alerts/index.html", problems=problems, deliveries=deliveries, alerts=get_ext().settings.alerts,
                           mail=get_ext().settings.mail, states=PROBLEM_STATES, kinds=DELIVERY_KINDS)


@bp.route("/test", methods=["POST"])
@admin_required
def test() -> Any:
    """Send a test e-mail to the alert addresses and record it."""
    settings = get_ext().settings
    to = list(settings.alerts.to)
    error = ""
    try:
        if not to:
            raise AdapterError("Nejprve vyplňte adresy příjemců v Nastavení › Upozornění a e-mail.")
        send_test_mail(settings.mail, to)
    except AdapterError as exc:
        error = exc.message
    alert_rows.record_test_delivery(to, "POHODA adaptér: zkušební e-mail", error, ledger.utcnow())
    if error:
        flash(error, "error")
    else:
        flash("Zkušební e-mail byl odeslán na " + ", ".join(to) + ".", "success")
    return redirect(url_for("alerts.index"))
