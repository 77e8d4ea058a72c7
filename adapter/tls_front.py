"""How waitress serves HTTPS: a small TLS front in front of it, on the same PC.

waitress speaks plain HTTP only (its non-blocking channels cannot drive an
``ssl``-wrapped socket), so for a LAN start the adapter listens on the
public address with a :class:`TlsFront`: every connection is decrypted in a
thread of its own and piped to waitress, which listens on an ephemeral port
of 127.0.0.1 only.

Who is calling must survive that hop, or every LAN client would look like
"this PC" (the same trap as a reverse proxy, see the README). The front
notes, for each connection it opens to waitress, the real client address
under that connection's local port *before* it forwards a byte;
:class:`FrontClients` puts that address into ``REMOTE_ADDR`` (and
``https`` into the URL scheme). A connection to the internal port that the
front did not open gets an address that is never trusted (fail closed).
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from adapter.tls import TlsError, certificate, server_context

if TYPE_CHECKING:
    from flask import Flask

    from adapter.config import Settings

log = logging.getLogger(__name__)

#: REMOTE_ADDR of a connection to the internal port the front did not open: never loopback, never trusted
UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 — an address that is no client, not a bind
HANDSHAKE_SECONDS = 10.0
IDLE_SECONDS = 300.0
MAX_CONNECTIONS = 64
CHUNK = 65536


class ClientMap:
    """Local port of a front→waitress connection → the real client's address."""

    def __init__(self) -> None:
        self._by_port: dict[int, str] = {}
        self._lock = threading.Lock()

    def note(self, port: int, client: str) -> None:
        """Remember ``client`` for ``port`` (a reused port overwrites the old entry; entries are never dropped,
        so a request still in flight after the client hung up keeps its real address)."""
        with self._lock:
            self._by_port[port] = client

    def get(self, port: int) -> str | None:
        """The client behind ``port``, if the front opened it."""
        with self._lock:
            return self._by_port.get(port)


class FrontClients:
    """WSGI middleware: the real client address and scheme for requests that came through the front."""

    def __init__(self, app: Callable[..., Any], clients: ClientMap) -> None:
        self.app = app
        self.clients = clients

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            client = self.clients.get(int(environ.get("REMOTE_PORT", "")))
        except ValueError:
            client = None
        environ["REMOTE_ADDR"] = environ["REMOTE_HOST"] = client or UNKNOWN_CLIENT
        environ["wsgi.url_scheme"] = "https"
        return self.app(environ, start_response)  # type: ignore[no-any-return]


class TlsFront:
    """Accepts TLS connections on ``host:port`` and pipes each to waitress on ``127.0.0.1:upstream``."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, upstream: int, clients: ClientMap) -> None:
        self.context = context
        self.upstream = upstream
        self.clients = clients
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind((host, port))
        self.sock.listen(128)
        self.sock.settimeout(0.5)  # accept() wakes up to notice close() on every system
        self.port = int(self.sock.getsockname()[1])
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tls-front", daemon=True)

    def start(self) -> TlsFront:
        """Start accepting in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting (open connections end by themselves)."""
        self._closed.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        self._thread.join(5)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                raw, addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._closed.wait(0.1):  # e.g. out of file handles: do not spin
                    return
                continue
            self._slots.acquire()
            threading.Thread(target=self._serve_one, args=(raw, str(addr[0])), name="tls-conn", daemon=True).start()

    def _serve_one(self, raw: socket.socket, client: str) -> None:
        try:
            raw.settimeout(HANDSHAKE_SECONDS)
            try:
                tls = self.context.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError) as exc:  # plain HTTP, a port scan, a refused certificate
                log.info("TLS handshake from %s failed: %s", client, type(exc).__name__)
                return
            with tls, socket.create_connection(("127.0.0.1", self.upstream), timeout=IDLE_SECONDS) as upstream:
                self.clients.note(int(upstream.getsockname()[1]), client)  # before any byte reaches waitress
                tls.settimeout(IDLE_SECONDS)
                _pipe(tls, upstream)
        except OSError:
            pass
        finally:
            raw.close()
            self._slots.release()


def _pipe(tls: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Copy both ways until one side closes or both stay idle for IDLE_SECONDS."""
    while True:
        ready = [tls] if tls.pending() else select.select([tls, upstream], [], [], IDLE_SECONDS)[0]
        if not ready:
            return
        for sock in ready:
            data = sock.recv(CHUNK)
            if not data:
                return
            (upstream if sock is tls else tls).sendall(data)


# --------------------------------------------------------------------------- serving


def lan_context(settings: Settings, host: str, *, out: Any = None) -> ssl.SSLContext | None:
    """The TLS context for a LAN start (None on loopback or with ``lan_https`` off); prints the fingerprint.

    Raises :class:`adapter.tls.TlsError` when the configured certificate cannot be used.
    """
    from adapter.web.auth import is_loopback

    if is_loopback(host) or host == "localhost" or not settings.app.lan_https:
        return None
    cert = certificate(settings, host)
    out = out or sys.stdout
    origin = "vlastní certifikát" if cert.own else ("nový certifikát adaptéru" if cert.generated else "certifikát adaptéru")
    print(f"HTTPS: {origin} {cert.cert_path}\nOtisk SHA-256: {cert.fingerprint}\n"
          "Při prvním otevření prohlížeč varuje; porovnejte tento otisk s otiskem v podrobnostech certifikátu.",
          file=out, flush=True)
    return server_context(cert.cert_path, cert.key_path)


def serve(app: Flask, *, host: str, port: int, threads: int, ident: str, context: ssl.SSLContext | None) -> None:
    """Serve ``app`` until Ctrl+C: plain waitress, or waitress behind a :class:`TlsFront`."""
    import waitress
    from waitress.server import create_server

    if context is None:
        waitress.serve(app, host=host, port=port, threads=threads, ident=ident)
        return
    clients = ClientMap()
    app.wsgi_app = FrontClients(app.wsgi_app, clients)  # type: ignore[method-assign]
    app.config["SESSION_COOKIE_SECURE"] = True
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, ident=ident)
    front = TlsFront(host, port, context, int(server.effective_port), clients).start()
    try:
        server.run()
    finally:
        front.close()
        server.close()


__all__ = ["ClientMap", "FrontClients", "TlsError", "TlsFront", "lan_context", "serve"]
