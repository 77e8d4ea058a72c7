"""Blueprint ``mappings`` (admin): payment methods, carriers, order statuses and VAT, shop → POHODA.

Each screen lists the shop's values (new, unmapped ones on top as *nová hodnota*), POHODA's
values (read from POHODA over XML and kept; *Načíst z POHODY* reads them again) and a suggested
match; saving writes ``[orders]``, ``[mappings]`` (or the status options) and resolves the new
values that are mapped now.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from adapter import ledger
from adapter.errors import AdapterError
from adapter.mappings import pohoda_values
from adapter.mappings.unmapped import open_values, resolve_mapped
from adapter.mappings.values import STATUS_ROLES, TITLES, VAT_RATES, build_screen, changes_from_form
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
        if not name.startswith(("map.", "class.")) or not value:
            continue
        if kind == "tax" and name.startswith("class.") and len(value) > 15:
            out.append(f"Členění DPH „{value}“ je delší než 15 znaků, které POHODA přijme.")
            continue
        if kind == "tax" and name.startswith("map.") and value not in VAT_RATES:
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
                for hint, target in (("suggest.", "map."), ("csuggest.", "class.")):
                    if name.startswith(hint) and not form.get(target + name[len(hint):], "").strip():
                        form[target + name[len(hint):]] = value
        form = {k: v for k, v in form.items() if not k.startswith(("suggest.", "csuggest."))}
        problems = _problems(kind, form)
        if problems:
            for p in problems:
                flash(p, "error")
            return redirect(url_for("mappings.screen", kind=kind))
        ext.store.save(changes_from_form(kind, form, ext.settings))
        resolve_mapped(ext.settings, ledger.utcnow())
        flash("Mapování bylo uloženo. Čekající objednávky odešlete znovu na stránce Objednávky.", "success")
        return redirect(url_for("mappings.screen", kind=kind))
    values, pohoda_error = None, ""
    if kind in ("payment", "tax"):  # the screens with values POHODA lists
        values, pohoda_error = pohoda_values.current(ext.settings, ext.connections, ext.data_dir, ledger.utcnow())
    shop = None
    error = ""
    try:
        shop = ext.connections.eshop(ext.settings)
    except AdapterError as exc:
        error = f"Hodnoty e-shopu nelze načíst: {exc.message}"
    try:
        data = build_screen(kind, ext.settings, shop, values.values if values else None)
    finally:
        if shop is not None:
            shop.close()
    data.shop_error = data.shop_error or error
    roles = [(section, key, label, many, getattr(getattr(ext.settings, section), key))
             for section, key, label, many in STATUS_ROLES]
    return render_template("mappings/screen.html", screen=data, titles=TITLES, roles=roles,
                           pohoda_read=values.read_at if values else None,
                           pohoda_error=pohoda_error or _list_notes(values))


def _list_notes(values: pohoda_values.StoredValues | None) -> str:
    return "; ".join(values.values.notes) if values else ""


@bp.route("/<kind>/pohoda", methods=["POST"])
@admin_required
def refresh_pohoda(kind: str) -> Any:
    """Read POHODA's formy úhrady and členění DPH again."""
    if kind not in TITLES:
        abort(404)
    ext = get_ext()
    try:
        pohoda_values.refresh(ext.settings, ext.connections, ext.data_dir, ledger.utcnow())
        flash("Hodnoty POHODY byly načteny.", "success")
    except AdapterError as exc:
        flash(f"Hodnoty POHODY nelze načíst: {exc.message}", "error")
    return redirect(url_for("mappings.screen", kind=kind))
