"""Start and stop like an application: a busy port said in Czech, SIGTERM stopping as cleanly as Ctrl+C.

``app.py`` serves with waitress, whose loop ends quietly on Ctrl+C
(``KeyboardInterrupt``) so that the ``finally`` blocks run: jobs are asked to
stop and the demo removes its throwaway folder. SIGTERM (a service manager,
``kill``) would end the process without them; :func:`stop_on_sigterm` turns it
into the same ``KeyboardInterrupt``. :func:`port_problem` checks the port
before anything starts and says what to do when it is taken.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType


def port_problem(host: str, port: int) -> str | None:
    """A Czech sentence saying what to do when ``host:port`` cannot be listened on, or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: never share a port another program holds
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress binds
        try:
            probe.bind((host, port))
        except PermissionError:
            return (f"Port {port} nelze použít: systém jej tomuto uživateli nepovolí. "
                    f"Spusťte aplikaci s jiným portem, např. python app.py --port {_next(port)}.")
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)) or "in use" in str(exc):
                return busy_message(host, port)
            return (f"Adresu {host}:{port} nelze použít ({exc.strerror or exc}). Zkontrolujte volbu --host, "
                    f"nebo spusťte aplikaci s jiným portem, např. --port {_next(port)}.")
    return None


def busy_message(host: str, port: int) -> str:
    """What to do when the port is taken (most often: the adapter already runs)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host  # noqa: S104 — only a text
    return (f"Port {port} je obsazený: nejspíš už POHODA adaptér běží (otevřete http://{shown}:{port}/ v prohlížeči), "
            "nebo port používá jiný program. Ukončete běžící adaptér (v jeho okně Ctrl+C), nebo spusťte "
            f"aplikaci s jiným portem, např. python app.py --port {_next(port)}.")


def _next(port: int) -> int:
    return port + 1 if port < 65535 else 8801


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While inside, SIGTERM stops the process like Ctrl+C (only the main thread can install handlers)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
