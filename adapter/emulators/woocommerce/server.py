"""Socket side of the WooCommerce emulator: a threaded server and a handler that bridges to ``WooEmulator.handle``."""

from __future__ import annotations

from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast

from adapter.emulators.woocommerce.rest import Response


class Shop(Protocol):
    """What the handler needs of ``WooEmulator``: answer a request, count the ones in progress."""

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes, host: str = "") -> Response:
        """Answer one HTTP request."""

    def request_started(self) -> None:
        """A request is being answered."""

    def request_finished(self) -> None:
        """A request has been answered."""


class EmulatorServer(ThreadingHTTPServer):
    """Threaded server that stays quiet about clients that go away."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Dropped connections and TLS handshake failures are the client's business."""


class _Handler(BaseHTTPRequestHandler):
    """Bridges http.server to ``WooEmulator.handle``; ``emulator`` is set on a per-instance subclass."""

    emulator: Shop
    protocol_version = "HTTP/1.1"
    #: headers and body go out in separate writes; without TCP_NODELAY Nagle + delayed ACK add ~40 ms a request
    disable_nagle_algorithm = True
    server_version = "Apache"
    sys_version = ""
    timeout = 120

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.emulator.request_started()
        try:
            # http.client.HTTPMessage: a case-insensitive read-only mapping of header names, as handle() expects
            headers = cast(Mapping[str, str], self.headers)
            resp = self.emulator.handle(self.command, self.path, headers, body, self.headers.get("Host", ""))
        finally:
            self.emulator.request_finished()
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""
