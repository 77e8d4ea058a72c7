"""Limits that keep a few callers from wearing the app down.

* **POHODA's endpoints** (``/pohoda/…``, HTTP Basic): failed passwords are
  counted per client address (and endpoint) like failed logins; after too many the address
  waits (429 with ``Retry-After``). An empty ``pull_password`` switches the
  endpoints off: a password anyone can guess is no password.
* **Waiting bookmark calls** (``/run/<agenda>?format=text&wait=…``) hold a
  server thread until the run ends. Only :data:`WAITING_LIMIT` may wait at
  once; another one is answered 429 with ``Retry-After`` before anything
  starts, so the pages always have threads left. :data:`SERVER_THREADS`
  sizes waitress's pool for that.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, request

from adapter.web.extension import LoginThrottle, get_ext

F = TypeVar("F", bound=Callable[..., Any])

#: waitress threads: the pages, htmx polling and POHODA's calls, plus the waiting bookmark calls
SERVER_THREADS = 16
#: bookmark calls that may wait for their run at the same time
WAITING_LIMIT = 4
#: what a refused waiting call is told to wait before it tries again (seconds)
WAITING_RETRY_AFTER = 60
#: failed POHODA passwords per client address within the window
POHODA_FAILURES = 10
POHODA_WINDOW = 300.0
POHODA_BLUEPRINTS = frozenset({"pohoda_pull", "pohoda_push"})

LIMITS_KEY = "adapter_limits"
_create_lock = threading.Lock()


class Limits:
    """The per-app state: POHODA failures and the waiting-call slots."""

    def __init__(self, waiting: int = WAITING_LIMIT) -> None:
        self.pohoda = LoginThrottle(limit=POHODA_FAILURES, window=POHODA_WINDOW)
        self.waiting = threading.BoundedSemaphore(waiting)


def limits(app: Flask | None = None) -> Limits:
    """The limits of ``app`` (the current app by default), created on first use."""
    app = app or current_app
    with _create_lock:
        found = app.extensions.get(LIMITS_KEY)
        if not isinstance(found, Limits):
            found = app.extensions[LIMITS_KEY] = Limits()
    return found


def _text(body: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(body + "\n", status=status, mimetype="text/plain", headers=headers or {})


# --------------------------------------------------------------------------- POHODA's endpoints


def _client_key() -> str:
    """Failures count per client address and endpoint (orders pull, stock push)."""
    return f"{request.remote_addr or '?'} {request.blueprint}"


def pohoda_gate() -> Response | None:
    """Before a POHODA endpoint: refuse a throttled address and an empty password."""
    if request.blueprint not in POHODA_BLUEPRINTS:
        return None
    wait = limits().pohoda.wait_seconds(_client_key())
    if wait:
        return _text("Příliš mnoho nesprávných hesel z této adresy. Opravte heslo ve WEB klientu v POHODĚ "
                     f"a zkuste to znovu za {(wait + 59) // 60} min.", 429, {"Retry-After": str(wait)})
    pohoda = get_ext().settings.pohoda
    if pohoda.pull_user and not pohoda.pull_password:
        return _text("Heslo pro POHODU (WEB klient) není v adaptéru vyplněné, proto je tento přístup vypnutý. "
                     "Vyplňte je v Nastavení › Připojení a stejné heslo zadejte v POHODĚ.", 403)
    return None


def pohoda_count(response: Response) -> Response:
    """After a POHODA endpoint: count a refused password, forget the record after a good one."""
    if request.blueprint in POHODA_BLUEPRINTS:
        key = _client_key()
        if response.status_code == 401:
            limits().pohoda.failed(key)
            current_app.logger.warning("POHODA endpoint %s: wrong password from %s", request.blueprint, request.remote_addr)
        elif response.status_code < 400:
            limits().pohoda.succeeded(key)
    return response


def install(app: Flask) -> None:
    """Register the POHODA throttle hooks and create the app's limits."""
    limits(app)
    app.before_request(pohoda_gate)
    app.after_request(pohoda_count)


# --------------------------------------------------------------------------- waiting calls


def limit_waiting(will_wait: Callable[[], bool]) -> Callable[[F], F]:
    """Let a view hold a thread only while a waiting slot is free (``will_wait()`` says whether it waits)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not will_wait():
                return view(*args, **kwargs)
            slots = limits().waiting
            if not slots.acquire(blocking=False):
                return _text(f"Příliš mnoho volání právě čeká na dokončení synchronizace (nejvýše {WAITING_LIMIT}). "
                             f"Zkuste to znovu za {WAITING_RETRY_AFTER} s, nebo volejte s wait=0.", 429,
                             {"Retry-After": str(WAITING_RETRY_AFTER)})
            try:
                return view(*args, **kwargs)
            finally:
                slots.release()

        return cast(F, wrapper)

    return decorate
