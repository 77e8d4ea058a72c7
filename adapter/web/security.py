"""Local-app safety: secret key, security headers, cross-site POST guard.

Any web page the user visits can POST to a localhost app, so POSTs a browser
marks as coming from another site are refused before anything else runs
(sqlite-web's ``_reject_cross_site_post``), and every POST also needs a CSRF
token (Flask-WTF).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from flask import Flask, Response, abort, request

from adapter.web.redirects import foreign_origin

SECRET_KEY_FILE = "secret_key"  # noqa: S105 — a file name, not a secret

#: Sec-Fetch-Site values a POST may carry; ``same-site`` is refused because
#: another program on 127.0.0.1 (any port) is the same site as we are
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"


def load_secret_key(data_dir: Path) -> str:
    """The per-install secret key from ``<data>/secret_key``, created (0600) on first use."""
    path = data_dir / SECRET_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= 32:
        return key
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    with contextlib.suppress(OSError):  # e.g. a FAT drive
        os.chmod(path, 0o600)
    return key


def reject_cross_site_post() -> None:
    """Refuse a POST a browser says came from another site (403)."""
    if request.method == "POST":
        site = request.headers.get("Sec-Fetch-Site")
        if (site is not None and site not in ALLOWED_FETCH_SITES) or foreign_origin(request.headers.get("Origin"), request.host, request.scheme):
            abort(403, description="Požadavek z jiného webu byl odmítnut.")


def security_headers(response: Response) -> Response:
    """Add CSP, framing, sniffing, referrer and caching headers."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Register the guard and the headers (before CSRF, so cross-site fails first)."""
    app.before_request(reject_cross_site_post)
    app.after_request(security_headers)
