"""mServer client against small real HTTP servers on 127.0.0.1: headers, gzip, errors, retries, lock."""

from __future__ import annotations

import base64
import gzip
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapter.errors import (
    IcoMismatch,
    MServerAuthError,
    MServerBadUrl,
    MServerBusy,
    MServerForbidden,
    MServerHtmlAnswer,
    MServerUnavailable,
    PackError,
    PohodaError,
    ResponseParseError,
)
from adapter.pohoda.client import MServerClient, normalise_url, url_lock
from adapter.pohoda.envelope import NS, build_pack
from adapter.pohoda.stock import stock_item
from adapter.records import StockCardDoc

NSDECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
OK_ANSWER = (
    '<?xml version="1.0" encoding="Windows-1250"?>\n'
    f'<rsp:responsePack version="2.0" id="t" state="ok" ico="12345678" note="" {NSDECL}>'
    '<rsp:responsePackItem version="2.0" id="stk-A" state="ok"><stk:stockItemResponse version="2.0" state="ok">'
    "<rdc:producedDetails><rdc:id>7</rdc:id><rdc:code>A</rdc:code><rdc:actionType>add</rdc:actionType>"
    "</rdc:producedDetails></stk:stockItemResponse></rsp:responsePackItem></rsp:responsePack>"
).encode("cp1250")
PASSWORD = "Tajné-heslo-42"


@dataclass
class Seen:
    """One request as the server received it (body already un-gzipped)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    raw_length: int


Reply = tuple[int, dict[str, str], bytes]


@dataclass
class FakeServer:
    """A tiny threaded HTTP server whose answers come from ``respond(seen) -> (status, headers, body)``."""

    respond: Callable[[Seen], Reply]
    seen: list[Seen] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._guard = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                with server._guard:
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                active = True
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(length) if length else b""
                    body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
                    seen = Seen(self.command, self.path, dict(self.headers.items()), body, len(raw))
                    server.seen.append(seen)
                    status, headers, payload = server.respond(seen)
                    # no longer in flight once the answer starts: the client may send its next request as
                    # soon as it has read this one, possibly before this thread gets to run again
                    with server._guard:
                        server.active -= 1
                    active = False
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    if active:
                        with server._guard:
                            server.active -= 1

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Seen], Reply]], FakeServer]]:
    servers: list[FakeServer] = []

    def start(respond: Callable[[Seen], Reply]) -> FakeServer:
        server = FakeServer(respond)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


def xml_reply(body: bytes = OK_ANSWER, status: int = 200) -> Callable[[Seen], Reply]:
    return lambda seen: (status, {"Content-Type": "text/xml"}, body)


def client(url: str, **kw: object) -> MServerClient:
    kw.setdefault("sleep", lambda s: None)
    return MServerClient(url, "admin", PASSWORD, "12345678", **kw)  # type: ignore[arg-type]


def one_card_pack(name: str = "Hrnek") -> bytes:
    return build_pack([stock_item(StockCardDoc(code="A", name=name))], ico="12345678", pack_id="t").xml


# --------------------------------------------------------------------------- requests as sent


@pytest.mark.parametrize("suffix", ["", "/", "/xml", "/xml/"])
def test_post_headers_and_path(serve, suffix: str, caplog) -> None:
    server = serve(xml_reply())
    caplog.set_level(logging.DEBUG)
    with client(server.url + suffix, application="Adaptér test") as c:
        answer = c.post(one_card_pack(), write=True, instance="run-42")
    assert answer == OK_ANSWER
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("POST", "/xml")
    expected_auth = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert seen.headers["STW-Authorization"] == expected_auth
    assert seen.headers["STW-Instance"] == "run-42"
    assert seen.headers["STW-Check-Duplicity"] == "true"
    assert seen.headers["Content-Type"] == "text/xml"
    assert seen.headers["Accept-Encoding"] == "gzip, deflate"
    assert seen.headers["STW-Application"] == "Adaptér test".encode("latin-1").decode("latin-1")
    assert "Content-Encoding" not in seen.headers  # small body is not compressed
    assert seen.body == one_card_pack()
    logged = caplog.text + repr(c)
    assert PASSWORD not in logged
    assert expected_auth.split()[1] not in logged


def test_read_without_duplicity_header(serve) -> None:
    server = serve(xml_reply())
    client(server.url).post(one_card_pack())
    assert "STW-Check-Duplicity" not in server.seen[0].headers
    assert "STW-Instance" not in server.seen[0].headers


def test_utf8_credentials(serve) -> None:
    server = serve(xml_reply())
    MServerClient(server.url, "účetní", "heslo😀", "12345678").post(one_card_pack())
    decoded = base64.b64decode(server.seen[0].headers["STW-Authorization"].split()[1]).decode("utf-8")
    assert decoded == "účetní:heslo😀"


def test_large_request_is_gzipped(serve) -> None:
    server = serve(xml_reply())
    big = build_pack([stock_item(StockCardDoc(code=f"K{i}", name=f"Zboží {i}")) for i in range(100)],
                     ico="12345678", pack_id="big").xml
    assert len(big) > 4096
    client(server.url).post(big)
    (seen,) = server.seen
    assert seen.headers["Content-Encoding"] == "gzip"
    assert seen.body == big
    assert seen.raw_length < len(big) / 3


def test_gzipped_answer_is_decoded(serve) -> None:
    server = serve(lambda s: (200, {"Content-Type": "text/xml", "Content-Encoding": "gzip"},
                              gzip.compress(OK_ANSWER)))
    result = client(server.url).send(build_pack([stock_item(StockCardDoc(code="A", name="A"))],
                                                ico="12345678", pack_id="t"))
    assert result.items[0].produced is not None
    assert (result.items[0].produced.id, result.items[0].produced.action_type) == (7, "add")


# --------------------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, MServerAuthError), (403, MServerForbidden), (404, MServerBadUrl), (405, MServerBadUrl),
     (500, PohodaError)],
)
def test_status_codes(serve, status: int, error: type[Exception]) -> None:
    server = serve(lambda s: (status, {"Content-Type": "text/plain"}, b"nope"))
    with pytest.raises(error) as info:
        client(server.url).post(one_card_pack())
    assert len(server.seen) == 1  # not retried
    assert str(info.value)  # a Czech message for the user


def test_html_answer(serve) -> None:
    page = b"<!DOCTYPE html><html><body><form>Login</form></body></html>"
    server = serve(lambda s: (200, {"Content-Type": "text/html; charset=utf-8"}, page))
    with pytest.raises(MServerHtmlAnswer):
        client(server.url).post(one_card_pack())


def test_html_answer_without_content_type(serve) -> None:
    server = serve(lambda s: (200, {}, "  <HTML><body>Přihlášení</body></HTML>".encode()))
    with pytest.raises(MServerHtmlAnswer):
        client(server.url).post(one_card_pack())


@pytest.mark.parametrize("status", [408, 503])
def test_busy_is_retried_with_backoff_then_raised(serve, status: int) -> None:
    server = serve(lambda s: (status, {}, b""))
    sleeps: list[float] = []
    with pytest.raises(MServerBusy):
        client(server.url, retries=3, backoff=0.5, sleep=sleeps.append).post(one_card_pack())
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(server.seen) == 4


def test_busy_then_ok(serve) -> None:
    answers = iter([(503, {}, b""), (200, {"Content-Type": "text/xml"}, OK_ANSWER)])
    server = serve(lambda s: next(answers))
    sleeps: list[float] = []
    assert client(server.url, sleep=sleeps.append).post(one_card_pack()) == OK_ANSWER
    assert sleeps == [1.0]
    assert len(server.seen) == 2


def test_read_timeout_is_busy(serve) -> None:
    def slow(seen: Seen) -> Reply:
        time.sleep(1.0)
        return 200, {}, OK_ANSWER

    server = serve(slow)
    sleeps: list[float] = []
    started = time.monotonic()
    with pytest.raises(MServerBusy):
        client(server.url, read_timeout=0.2, retries=1, sleep=sleeps.append).post(one_card_pack())
    assert sleeps == [1.0]
    assert len(server.seen) == 2
    assert time.monotonic() - started < 1.5


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(MServerUnavailable) as info:
        client(f"http://127.0.0.1:{port}", connect_timeout=1).post(one_card_pack())
    assert info.value.transient


def test_pack_error_is_raised(serve, samples_dir: Path) -> None:
    raw = (samples_dir / "response_pack_error_user_not_permitted_xml.xml").read_bytes()
    server = serve(xml_reply(raw))
    with pytest.raises(PackError) as info:
        client(server.url).post(one_card_pack())
    assert info.value.note == "Uživatel není oprávnen importovat XML soubory."


def test_item_error_with_pack_ok_is_returned_not_raised(serve, samples_dir: Path) -> None:
    raw = (samples_dir / "response_item_error_unknown_request_pack_ok.xml").read_bytes()
    server = serve(xml_reply(raw))
    result = client(server.url).send(build_pack([stock_item(StockCardDoc(code="A", name="A"))],
                                                ico="12345678", pack_id="t"))
    assert result.items[0].state == "error"
    assert "listBankRequest" in result.items[0].note


def test_ico_mismatch(serve, samples_dir: Path) -> None:
    raw = (samples_dir / "response_listInvoice_user_export_pohoda11605_utf8.xml").read_bytes()  # ico 06131425
    server = serve(xml_reply(raw))
    with pytest.raises(IcoMismatch) as info:
        client(server.url).post(one_card_pack())
    assert "06131425" in str(info.value)
    assert "12345678" in str(info.value)


def test_not_xml_answer(serve) -> None:
    server = serve(xml_reply(b"garbage"))
    with pytest.raises(ResponseParseError):
        client(server.url).post(one_card_pack())


# --------------------------------------------------------------------------- status


def test_status(serve, samples_dir: Path) -> None:
    raw = (samples_dir / "mserver_status_idle.xml").read_bytes()
    server = serve(xml_reply(raw))
    status = client(server.url + "/xml").status()
    assert (status.name, status.server, status.status, status.processing) == (
        "novak", "http://SE-APP01-NEW:10010", "idle", 0)
    assert server.seen[0].method == "GET"
    assert server.seen[0].path == "/status"
    assert server.seen[0].headers["STW-Authorization"].startswith("Basic ")


def test_status_company_detail(serve) -> None:
    body = ("<mServer><message>Response from POHODA mServer</message><name>novak</name>"
            "<server>http://127.0.0.1:444</server><status>working</status><processing>2</processing>"
            "<companyDetail><company>Novák s.r.o.</company><databaseName>StwPh_12345678_2026</databaseName>"
            "<year>2026</year><ico>12345678</ico></companyDetail></mServer>").encode()
    server = serve(xml_reply(body))
    status = client(server.url).status(company_detail=True)
    assert server.seen[0].path == "/status?companyDetail"
    assert (status.company, status.database, status.year, status.ico, status.processing, status.status) == (
        "Novák s.r.o.", "StwPh_12345678_2026", "2026", "12345678", 2, "working")
    other = serve(xml_reply(body.replace(b"<ico>12345678", b"<ico>87654321")))
    with pytest.raises(IcoMismatch):
        client(other.url).status(company_detail=True)


def test_status_unauthorized(serve) -> None:
    server = serve(lambda s: (401, {}, b""))
    with pytest.raises(MServerAuthError):
        client(server.url).status(company_detail=True)


# --------------------------------------------------------------------------- one request in flight


def test_one_request_in_flight_per_url(serve) -> None:
    def slow(seen: Seen) -> Reply:
        time.sleep(0.05)
        return 200, {"Content-Type": "text/xml"}, OK_ANSWER

    server = serve(slow)
    clients = [client(server.url), client(server.url + "/xml"), client(server.url.upper() + "/")]
    errors: list[BaseException] = []

    def work(c: MServerClient) -> None:
        try:
            for _ in range(3):
                c.post(one_card_pack())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(server.seen) == 18
    assert server.max_active == 1


def test_different_urls_do_not_share_a_lock(serve) -> None:
    a, b = serve(xml_reply()), serve(xml_reply())
    assert url_lock(a.url) is url_lock(a.url + "/xml/")
    assert url_lock(a.url) is not url_lock(b.url)


def test_normalise_url() -> None:
    assert normalise_url("HTTP://127.0.0.1:444/xml/") == "http://127.0.0.1:444"
    assert normalise_url("127.0.0.1:444") == "http://127.0.0.1:444"
    assert normalise_url("https://pohoda.local:8443/base/XML") == "https://pohoda.local:8443/base"

