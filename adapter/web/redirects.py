"""Which URLs the app may send a browser to, and which origins may POST to it.

``?next=`` after the login page comes from the address bar, so it is a
classic open redirect: browsers strip tabs and newlines from URLs and treat a
backslash as a slash, so ``/\t/evil.example`` or ``/\\evil.example`` end up on
another site. Only a plain path of this app passes :func:`safe_next`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: control characters and whitespace (browsers drop some of them from URLs, and CR/LF split headers)
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s\\]")


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path of this app (``/runs?page=2``); ``None`` for anything else."""
    if not target or _UNSAFE.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target


def foreign_origin(origin: str | None, host: str | None, scheme: str = "") -> bool:
    """True when a request's ``Origin`` header names another site than the ``Host`` (and scheme) it was sent to.

    No ``Origin`` at all (old browsers, scripts, POHODA) is not foreign: the
    CSRF token still guards those requests. ``null`` (sandboxed frames,
    ``data:`` pages) is foreign.
    """
    if origin is None:
        return False
    origin = origin.strip().lower()
    if origin == "null" or not origin:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return True
    if parts.scheme not in ("http", "https") or not parts.netloc or (scheme and parts.scheme != scheme):
        return True
    return _hostport(parts.netloc, parts.scheme) != _hostport((host or "").strip().lower(), parts.scheme)


def _hostport(netloc: str, scheme: str) -> str:
    """``host:port`` with the scheme's default port filled in."""
    if netloc.startswith("["):
        name, _, rest = netloc.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        name += "]"
    elif netloc.count(":") == 1:
        name, _, port = netloc.partition(":")
    else:
        name, port = netloc, ""
    return f"{name}:{port or ('443' if scheme == 'https' else '80')}"
