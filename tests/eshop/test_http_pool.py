"""The e-shop HTTP client: one kept-alive connection pool, the shop's sub-path kept, no credentials leaked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapter.eshop._http import JsonHttp
from adapter.eshop._wire import encode_query


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real web server

    def do_GET(self) -> None:
        server = self.server
        with server.lock:  # type: ignore[attr-defined]
            server.seen.append((self.path, self.client_address[1]))  # type: ignore[attr-defined]
        body = b'{"price": 12.30, "ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.seen = []  # type: ignore[attr-defined]
    srv.lock = threading.Lock()  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _sign(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    return (f"{url}?{encode_query(params)}" if params else url), {}


def test_a_shop_in_a_sub_folder_keeps_its_path(server: ThreadingHTTPServer) -> None:
    http = JsonHttp(f"http://127.0.0.1:{server.server_port}/obchod/", authorize=_sign)
    try:
        answer = http.call("GET", "/wp-json/wc/v3/products", params=[("sku", "A B/č")])
    finally:
        http.close()
    assert answer.data == {"price": Decimal("12.30"), "ok": True}
    assert [path for path, _ in server.seen] == ["/obchod/wp-json/wc/v3/products?sku=A%20B%2F%C4%8D"]  # type: ignore[attr-defined]


def test_calls_from_many_threads_share_a_few_kept_alive_connections(server: ThreadingHTTPServer) -> None:
    http = JsonHttp(f"http://127.0.0.1:{server.server_port}", authorize=_sign)
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: http.call("GET", f"/x/{n}"), range(80)))
    finally:
        http.close()
    ports = {port for _, port in server.seen}  # type: ignore[attr-defined]
    assert len(server.seen) == 80 and len(ports) <= 4  # type: ignore[attr-defined]
