"""Blueprint ``mappings`` (admin): payment methods, carriers, order statuses and VAT, shop → POHODA.

Each screen lists the shop's values (new, unmapped ones on top as *nová hodnota*), POHODA's
values and a suggested match; saving writes ``[orders]`` (or the status options) and resolves
the new values that are mapped now.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from adapter import ledger
from adapter.errors import AdapterError
from adapter.mappings.unmapped import open_values, resolve_mapped
from adapter.mappings.values import (
    STATUS_ROLES,
    TITLES,
    VAT_RATES,
    build_screen,
    changes_from_form,
    shop_reader,
)
from adapter.web.auth import admin_required
from adapter.web.extension import get_ext

bp = Blueprint("mappings", __name__, url_prefix="/mapping")

#: longest POHODA value (typ:ids string32 / string20)
MAX_LENGTH = {"payment": 32, "carrier": 20}


@bp.route("/")
@admin_required
def index() -> Any:
    """The four screens, with how many new values each has."""
    counts = {kind: len(open_values(kind)) for kind in TITLES}
    return render_template("mappings/index.html", titles=TITLES, counts=counts)


def _problems(kind: str, form: dict[str, str]) -> list[str]:
    out = []
    for name, value in form.items():
        value = value.strip()
        if not name.startswith("map.") or not value:
            continue
        if kind == "tax" and value not in VAT_RATES:
            out.append(f"Sazba „{value}“ pro {name[4:]} % není sazba POHODY (none, low, high, third).")
        if kind in MAX_LENGTH and len(value) > MAX_LENGTH[kind]:
            out.append(f"„{value}“ je delší než {MAX_LENGTH[kind]} znaků, které POHODA přijme.")
    return out


@bp.route("/<kind>", methods=["GET", "POST"])
@admin_required
def screen(kind: str) -> Any:
    """One mapping screen: show, or save."""
    if kind not in TITLES:
        abort(404)
    ext = get_ext()
    if request.method == "POST":
        form = request.form.to_dict()
        if form.pop("use_suggestions", ""):
            for name, value in list(form.items()):
                if name.startswith("suggest.") and not form.get("map." + name[8:], "").strip():
                    form["map." + name[8:]] = value
        form = {k: v for k, v in form.items() if not k.startswith("suggest.")}
        problems = _problems(kind, form)
        if problems:
            for p in problems:
                flash(p, "error")
            return redirect(url_for("mappings.screen", kind=kind))
        ext.store.save(changes_from_form(kind, form, ext.settings))
        resolve_mapped(ext.settings, ledger.utcnow())
        flash("Mapování bylo uloženo. Čekající objednávky odešlete znovu na stránce Objednávky.", "success")
        return redirect(url_for("mappings.screen", kind=kind))
    shop = None
    read = None
    error = ""
    try:
        shop = ext.connections.eshop(ext.settings)
        read = shop_reader(shop)
    except AdapterError as exc:
        error = f"Hodnoty e-shopu nelze načíst: {exc.message}"
    try:
        data = build_screen(kind, ext.settings, read)
    finally:
        if shop is not None:
            shop.close()
    data.shop_error = data.shop_error or error
    roles = [(section, key, label, many, getattr(getattr(ext.settings, section), key))
             for section, key, label, many in STATUS_ROLES]
    return render_template("mappings/screen.html", screen=data, titles=TITLES, roles=roles)
