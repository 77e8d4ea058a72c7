"""A few htmx helpers (django-htmx's ideas in a handful of lines)."""

from __future__ import annotations

from flask import Request


def is_htmx(request: Request) -> bool:
    """True when the request was made by htmx (``HX-Request: true``)."""
    return request.headers.get("HX-Request") == "true"


def explicitly_wants_html(request: Request) -> bool:
    """True when the client names HTML in Accept (browsers do; ``*/*`` from curl does not count)."""
    return any(mime in ("text/html", "application/xhtml+xml") and q > 0 for mime, q in request.accept_mimetypes)
