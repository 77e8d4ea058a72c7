"""Who may do what: login for LAN requests, two roles, view markers, login pages.

* Requests from another computer (not 127.0.0.0/8 or ::1) need a login;
  requests from the PC itself need one only with ``[app] login_on_loopback``
  and only once an account exists (until then the app is usable locally and
  shows a banner recommending an admin account).
* ``admin`` may change settings, users and tokens; ``staff`` runs syncs,
  reads reports and uploads files.
* :func:`public_endpoint` marks views that do their own authentication
  (login page, bookmark URLs, POHODA's pull/push endpoints);
  :func:`csrf_exempt_pohoda` marks POST endpoints POHODA calls with HTTP
  Basic (it cannot send a CSRF token); :func:`admin_required` marks admin pages.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from adapter.web import accounts
from adapter.web.extension import get_ext
from adapter.web.htmx import is_htmx
from adapter.web.redirects import safe_next

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("auth", __name__, url_prefix="/auth")

PUBLIC_ATTR = "_adapter_public"
ROLE_ATTR = "_adapter_role"
CSRF_EXEMPT_ATTR = "_adapter_csrf_exempt"


# --------------------------------------------------------------------------- markers


def public_endpoint(view: F) -> F:
    """No login needed for this view; it does its own authentication."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def admin_required(view: F) -> F:
    """Only admins (and the local PC while no login is required) may open this view."""
    setattr(view, ROLE_ATTR, "admin")
    return view


def csrf_exempt_pohoda(view: F) -> F:
    """No CSRF token for this POST view (POHODA posts with HTTP Basic); applied by ``register``."""
    setattr(view, CSRF_EXEMPT_ATTR, True)
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    """True when a view was marked with :func:`public_endpoint`."""
    return bool(getattr(view, PUBLIC_ATTR, False))


def is_loopback(addr: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    if not addr:
        return False
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def is_loopback_host(host: str | None) -> bool:
    """True when a Host header names this PC by a loopback name (``localhost``, ``127.0.0.1``, ``[::1]``).

    A web page can point its own DNS name at 127.0.0.1 (DNS rebinding); the
    browser then sends that page's requests from loopback and as "same
    origin", but with the foreign name in ``Host``. The trust given to the
    PC itself therefore also needs a loopback ``Host``.
    """
    name = (host or "").strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    return name == "localhost" or is_loopback(name)


# --------------------------------------------------------------------------- the guard


def load_identity() -> None:
    """Set ``g.user``, ``g.role`` and ``g.local`` for this request."""
    g.user = accounts.active_user(session.get("uid"), session.get("gen"))
    g.role = g.user.role if g.user is not None else None
    g.local = False
    if g.user is None and is_loopback(request.remote_addr) and is_loopback_host(request.host):
        settings = get_ext().settings
        if not settings.app.login_on_loopback or not accounts.has_users():
            # the PC itself is trusted like its owner (sqlite-web's model)
            g.role = "admin"
            g.local = True


def require_login() -> Response | None:
    """Before every request: a login for what needs one, admin for admin pages."""
    load_identity()
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if is_public(view):
        return None
    if g.role is None:
        return _to_login()
    if getattr(view, ROLE_ATTR, None) == "admin" and g.role != "admin":
        abort(403, description="Tuto stránku může otevřít jen správce.")
    return None


def _to_login() -> Response:
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx(request):
        response = Response("", status=200)
        response.headers["HX-Redirect"] = target
        return response
    if not request.headers.get("Accept") or request.accept_mimetypes.accept_html or request.method == "POST":
        return redirect(target)  # type: ignore[return-value]
    return Response("Přihlaste se.\n", status=401, mimetype="text/plain")


def can(role: str) -> bool:
    """True when the current identity has ``role`` (admin includes staff)."""
    current = getattr(g, "role", None)
    return current == "admin" or (role == "staff" and current == "staff")


# --------------------------------------------------------------------------- pages


def _safe_next(target: str | None) -> str:
    return safe_next(target) or url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@public_endpoint
def login() -> Any:
    """The login form; too many failures from one address → a wait message."""
    ext = get_ext()
    ip = request.remote_addr or "?"
    wait = ext.throttle.wait_seconds(ip)
    status = 200
    if request.method == "POST" and not wait:
        user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            ext.throttle.succeeded(ip)
            session.clear()
            session.permanent = True
            session["uid"] = user.id
            session["gen"] = user.session_gen
            current_app.logger.info("login ok: %s from %s", user.username, ip)
            return redirect(_safe_next(request.args.get("next")))
        ext.throttle.failed(ip)
        current_app.logger.warning("login failed from %s", ip)
        flash("Nesprávné jméno nebo heslo.", "error")
        status = 401
        wait = ext.throttle.wait_seconds(ip)
    if wait:
        status = 429
    return render_template("auth/login.html", wait_minutes=(wait + 59) // 60, has_users=accounts.has_users()), status


@bp.route("/logout", methods=["POST"])
@public_endpoint
def logout() -> Any:
    """Forget the login — on every browser of this user (a copied cookie dies too)."""
    uid = session.get("uid")
    if uid and accounts.active_user(uid, session.get("gen")) is not None:
        accounts.end_sessions(uid)
    session.clear()
    flash("Byli jste odhlášeni.", "info")
    return redirect(url_for("auth.login"))
