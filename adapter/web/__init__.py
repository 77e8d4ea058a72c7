"""The web layer: blueprints, error pages, template helpers.

:func:`register` adds the blueprints listed in :func:`blueprints` (a new
page module exposes ``bp``, a :class:`flask.Blueprint`, and gets one line
there), the login guard, error pages and template helpers. Views that POHODA calls use
:func:`adapter.web.auth.public_endpoint` and :func:`adapter.web.auth.csrf_exempt_pohoda`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, abort, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from adapter import czech
from adapter.config import AGENDAS
from adapter.web import accounts, auth
from adapter.web.extension import get_ext
from adapter.web.present import ENTRY_STATES, EVENT_STATES, LEDGER_AGENDAS, RUN_STATES, TRIGGERS, state_label

log = logging.getLogger(__name__)

ERROR_MESSAGES: dict[int, str] = {
    400: "Požadavek nelze zpracovat.",
    403: "K této akci nemáte oprávnění.",
    404: "Stránka nebyla nalezena.",
    405: "Tuto akci nelze takto provést.",
    413: "Soubor je příliš velký. Limit nastavíte v Nastavení › Zaplacené objednávky.",
    500: "V adaptéru nastala neočekávaná chyba. Zkuste akci zopakovat; pokud se opakuje, pošlete podpoře protokol aplikace.",
}


def blueprints() -> tuple[Blueprint, ...]:
    """Every blueprint of the app, in registration order (imported here, when the app is built)."""
    from adapter.web import (
        alerts,
        auth,
        bookmark,
        customers,
        dashboard,
        documents,
        health,
        invoice_pdfs,
        jobs,
        mappings,
        orders,
        pairing,
        payments,
        payments_pending,
        plugin,
        pohoda_pull,
        pohoda_push,
        refunds,
        runs,
        settings,
        tokens,
        users,
    )

    return (
        auth.bp,
        dashboard.bp,
        jobs.bp,
        runs.bp,
        documents.bp,
        settings.bp,
        users.bp,
        tokens.bp,
        bookmark.bp,
        plugin.bp,
        pairing.bp,
        payments.bp,
        payments_pending.bp,
        pohoda_pull.bp,
        pohoda_push.bp,
        orders.bp,
        customers.bp,
        refunds.bp,
        health.bp,
        alerts.bp,
        mappings.bp,
        invoice_pdfs.bp,
    )


def _refuse_nameless_fields() -> None:
    """A multipart part whose name did not survive parsing (a line break in it) is a bad request, not a crash
    of the CSRF check that reads every field name."""
    if request.method == "POST" and request.mimetype == "multipart/form-data" and (
            None in request.form or None in request.files):
        abort(400)


def register(app: Flask) -> None:
    """Register the login guard, all blueprints, CSRF exemptions, error pages and template helpers."""
    app.before_request(_refuse_nameless_fields)
    app.before_request(auth.require_login)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    csrf = get_ext_from(app).csrf
    for view in app.view_functions.values():
        if getattr(view, auth.CSRF_EXEMPT_ATTR, False):
            csrf.exempt(view)
    _register_errors(app)
    _register_template_helpers(app)


def get_ext_from(app: Flask) -> Any:
    """The adapter extension of ``app`` (outside a request)."""
    return app.extensions["adapter"]


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        message = "Formulář vypršel nebo nepochází z této aplikace. Načtěte stránku znovu a akci zopakujte."
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        message = ERROR_MESSAGES.get(code, exc.name)
        if code == 403 and exc.description and not exc.description.startswith("You don't"):
            message = exc.description
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Any:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return render_template("errors/error.html", code=500, message=ERROR_MESSAGES[500]), 500


def local_dt(value: datetime | str | None, seconds: bool = False) -> str:
    """An aware datetime (or its ISO text) in local time, Czech style (``3. 2. 2025 14:05``)."""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if text else None
        except ValueError:
            return text
    if value is None:
        return ""
    local = value.astimezone()
    text = f"{local.day}. {local.month}. {local.year} {local:%H:%M}"
    return text + f":{local:%S}" if seconds else text


def duration(start: datetime | None, end: datetime | None) -> str:
    """How long something took, e.g. ``1 min 5 s``."""
    if start is None or end is None:
        return ""
    total = max(0, int((end - start).total_seconds()))
    minutes, secs = divmod(total, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def page_url(number: int) -> str:
    """The current URL with another ``page`` (filters kept)."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
    return url_for(request.endpoint or "dashboard.index", **args)


def _register_template_helpers(app: Flask) -> None:
    from adapter.web.bookmark import progress_signature
    from adapter.web.explain import explain_detail
    from adapter.web.labels import PAGES
    from adapter.web.present import ACTIONS, AGENDA_INFO

    app.jinja_env.filters.update(dt=local_dt, state_label=state_label, duration=duration)
    app.jinja_env.filters.update(money=czech.money, vat_name=czech.vat_name, shop_status=czech.shop_status,
                                 sentence=czech.sentence, number=czech.number)
    app.jinja_env.globals.update(plural=czech.plural, plural_form=czech.plural_form)
    app.jinja_env.globals.update(
        AGENDAS=AGENDAS,
        LEDGER_AGENDAS=LEDGER_AGENDAS,
        AGENDA_INFO=AGENDA_INFO,
        ACTIONS=ACTIONS,
        RUN_STATES=RUN_STATES,
        ENTRY_STATES=ENTRY_STATES,
        EVENT_STATES=EVENT_STATES,
        TRIGGERS=TRIGGERS,
        SETTINGS_PAGES=PAGES,
        progress_signature=progress_signature,
        explain_detail=explain_detail,
        page_url=page_url,
        can=auth.can,
    )

    @app.context_processor
    def adapter_context() -> dict[str, Any]:
        ext = get_ext()
        try:
            users_exist = accounts.has_users()
        except Exception:  # an error page must render even when the ledger is broken
            users_exist = True
        return {
            "endpoints": frozenset(app.view_functions),
            "demo_mode": ext.settings.demo or ext.demo is not None,
            "demo_info": ext.demo,
            "current_user": getattr(g, "user", None),
            "is_admin": getattr(g, "role", None) == "admin",
            "is_local": getattr(g, "local", False),
            "nav_visible": getattr(g, "role", None) is not None,
            "has_users": users_exist,
            "settings_problems": bool(ext.store.errors()),
        }
