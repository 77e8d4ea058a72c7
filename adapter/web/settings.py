"""Blueprint ``settings`` (admin): pages generated from ``config.section_fields``.

Invalid values are shown next to their field and nothing is saved; valid
changes go through ``SettingsStore.save`` (atomic, keeps the file's comments).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from adapter.conntest import ConnResult, check_eshop, check_pohoda
from adapter.conntest_guard import saved_secret_to_new_address
from adapter.tls import current_fingerprint
from adapter.web.auth import admin_required
from adapter.web.extension import get_ext
from adapter.web.labels import PAGES, SECTION_TITLES
from adapter.web.settings_form import apply_changes, build_fields, general_errors, parse_form

bp = Blueprint("settings", __name__, url_prefix="/settings")

CHECKS = {"pohoda": check_pohoda, "eshop": check_eshop}


@bp.route("/")
@admin_required
def index() -> Any:
    """The first settings page."""
    return redirect(url_for("settings.page", name="connections"))


@bp.route("/<name>", methods=["GET", "POST"])
@admin_required
def page(name: str) -> Any:
    """One settings page: show, or validate and save."""
    if name not in PAGES:
        abort(404)
    store = get_ext().store
    sections = PAGES[name][1]
    if request.method == "POST":
        changes, errors = parse_form(request.form, sections)
        if not errors:
            store.save(changes)
            flash("Nastavení bylo uloženo.", "success")
            return redirect(url_for("settings.page", name=name))
        flash("Nastavení nebylo uloženo — opravte označená pole.", "error")
        return _render(name, errors, request.form), 200
    return _render(name, store.errors(), None)


def _render(name: str, errors: list[Any], submitted: Any) -> str:
    settings = get_ext().settings
    sections = PAGES[name][1]
    return render_template(
        "settings/page.html",
        name=name,
        title=PAGES[name][0],
        sections=[(s, SECTION_TITLES[s], build_fields(settings, s, errors, submitted)) for s in sections],
        general=general_errors(errors, sections) if submitted is not None else [],
        file_errors=general_errors(get_ext().store.errors()),
        tls_fingerprint=current_fingerprint(settings),
    )


@bp.route("/test/<side>", methods=["POST"])
@admin_required
def test(side: str) -> Any:
    """The "Test připojení" button: try the values in the form (secrets left empty = saved ones)."""
    if side not in CHECKS:
        abort(404)
    ext = get_ext()
    changes, errors = parse_form(request.form, (side,)) if request.form else ({}, [])
    if errors:
        return render_template("settings/_test_result.html", result=None, errors=errors)
    ask_again = saved_secret_to_new_address(ext.settings, changes, side)
    if ask_again:  # never send the saved password to an address only typed into the form
        return render_template("settings/_test_result.html", result=ConnResult(ok=False, error=ask_again), errors=[])
    result = CHECKS[side](apply_changes(ext.settings, changes), ext.connections)
    return render_template("settings/_test_result.html", result=result, errors=[])
