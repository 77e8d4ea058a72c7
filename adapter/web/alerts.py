"""Blueprint ``alerts``: the problems the alerts watch, every e-mail they sent, and a test e-mail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from adapter import ledger
from adapter.errors import AdapterError
from adapter.ledger.alerts import AlertDelivery, AlertProblem
from adapter.mail import send_test_mail
from adapter.web.auth import admin_required
from adapter.web.extension import get_ext

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

PROBLEM_STATES = {"pending": "zjištěno, zatím neohlášeno", "open": "ohlášeno", "cleared": "vyřešeno"}
DELIVERY_KINDS = {"alert": "upozornění", "recovery": "vyřešeno", "digest": "denní souhrn", "test": "zkušební"}


@bp.route("/")
def index() -> Any:
    """Open problems first, then the recently cleared ones; the last 100 e-mails."""
    problems = list(AlertProblem.select().order_by(AlertProblem.state.desc(), AlertProblem.last_seen_at.desc()).limit(100))
    deliveries = list(AlertDelivery.select().order_by(AlertDelivery.at.desc()).limit(100))
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
    AlertDelivery.create(kind="test", recipients=", ".join(to), subject="POHODA adaptér: zkušební e-mail",
                         ok=not error, error=error, at=ledger.utcnow())
    if error:
        flash(error, "error")
    else:
        flash("Zkušební e-mail byl odeslán na " + ", ".join(to) + ".", "success")
    return redirect(url_for("alerts.index"))
