"""Blueprint ``tokens`` (admin): secrets for bookmark sync URLs, shown once, revocable."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from adapter.config import AGENDAS
from adapter.web import accounts
from adapter.web.auth import admin_required

bp = Blueprint("tokens", __name__, url_prefix="/tokens")


@bp.route("/")
@admin_required
def index() -> Any:
    """Every token (without its secret) and the form for a new one."""
    return render_template("tokens/index.html", tokens=accounts.list_tokens(), new=None, agendas=AGENDAS)


@bp.route("/", methods=["POST"])
@admin_required
def create() -> Any:
    """Create a token and show its secret this one time (never stored, never flashed)."""
    chosen = [a for a in request.form.getlist("agendas") if a in AGENDAS]
    creator = g.user.username if g.user is not None else "tento počítač"
    try:
        new = accounts.create_token(request.form.get("name", ""), chosen, created_by=creator)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("tokens.index"))
    return render_template("tokens/index.html", tokens=accounts.list_tokens(), new=new, agendas=AGENDAS)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke(token_id: int) -> Any:
    """Revoke a token; URLs with it stop working at once."""
    if accounts.revoke_token(token_id):
        flash("Token byl zrušen; záložky s ním přestaly fungovat.", "success")
    return redirect(url_for("tokens.index"))
