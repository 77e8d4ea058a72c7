"""Blueprint ``users`` (admin): accounts for LAN access."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from adapter.web import accounts
from adapter.web.auth import admin_required

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/")
@admin_required
def index() -> Any:
    """The list of accounts and the form for a new one."""
    return render_template("users/index.html", users=accounts.list_users(), roles=accounts.ROLES)


@bp.route("/", methods=["POST"])
@admin_required
def create() -> Any:
    """Create an account (the first one must be an admin)."""
    form = request.form
    role = form.get("role", "staff") if accounts.has_users() else "admin"
    if form.get("password", "") != form.get("password2", ""):
        flash("Hesla se neshodují.", "error")
        return redirect(url_for("users.index"))
    try:
        user = accounts.create_user(form.get("username", ""), form.get("password", ""), role)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Uživatel „{user.username}“ byl vytvořen.", "success")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id: int) -> Any:
    """Block or unblock an account (takes effect on its next request)."""
    try:
        accounts.set_active(user_id, request.form.get("active") == "1")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/password", methods=["POST"])
@admin_required
def set_password(user_id: int) -> Any:
    """Give an account a new password."""
    try:
        accounts.set_password(user_id, request.form.get("password", ""))
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash("Heslo bylo změněno.", "success")
    return redirect(url_for("users.index"))
