"""HTTP side of the mServer emulator: the socket server, request reading and answer writing.

Nothing here knows POHODA's data; :class:`~adapter.emulators.mserver.emulator.MServerEmulator`
decides what to answer, this module only moves bytes (compression, the
``STW-Authorization`` header, JSON for the admin routes, the /status page).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import logging
import zlib
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from adapter.emulators.mserver.xml_io import esc, iter_file

log = logging.getLogger("adapter.emulators.mserver")

HTML_LOGIN = """<!DOCTYPE html>
<html lang="cs"><head><meta charset="windows-1250"><title>POHODA - Přihlášení</title></head>
<body><h1>Přihlášení do programu POHODA</h1>
<form method="post"><label>Uživatel <input name="user"></label>
<label>Heslo <input name="password" type="password"></label><button>Přihlásit</button></form>
</body></html>"""


class Router(Protocol):
    """What the server needs of ``MServerEmulator``: serve one request on the handler's connection."""

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        """Read the request from ``h`` and answer it."""


class EmulatorServer(ThreadingHTTPServer):
    """Threaded server; the emulator serialises /xml processing itself."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Router) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    """Routes every request to :meth:`MServerEmulator.handle`."""

    protocol_version = "HTTP/1.1"
    server_version = "POHODA-mServer-emulator"
    #: headers and body go out in separate writes; without TCP_NODELAY Nagle + delayed ACK add ~40 ms a request
    disable_nagle_algorithm = True
    sys_version = ""

    def do_GET(self) -> None:
        """GET /status, admin reads; everything else is routed too (405/404)."""
        self.server.emulator.handle(self)  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        """POST /xml, /status, admin writes."""
        self.server.emulator.handle(self)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: log at debug level only."""
        log.debug("mserver-emulator %s " + format, self.address_string(), *args)


@dataclass
class Response:
    """A response to send: status, headers and a body (bytes or a spooled file)."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    file: Any = None
    length: int = 0
    send_length: int | None = None  #: bytes actually sent (cut_response)
    promise_full: bool = False  #: announce the full length even when cutting (connection drop)


def read_body(h: BaseHTTPRequestHandler) -> bytes | None:
    """The request body; None for a POST without Content-Length (answered 411)."""
    length = h.headers.get("Content-Length")
    if length is None:
        return None if h.command == "POST" else b""
    return h.rfile.read(int(length))


def send(h: BaseHTTPRequestHandler, response: Response) -> None:
    """Write ``response``; a cut answer (``send_length``) closes the connection afterwards."""
    length = response.length if response.file is not None else len(response.body)
    sent = length if response.send_length is None else response.send_length
    h.send_response(response.status)
    for name, value in response.headers.items():
        h.send_header(name, value)
    h.send_header("Content-Length", str(length if response.promise_full else sent))
    h.end_headers()
    try:
        if response.file is not None:
            with response.file:
                for chunk in iter_file(response.file, sent):
                    h.wfile.write(chunk)
        else:
            h.wfile.write(response.body[:sent])
        h.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        h.close_connection = True
    if sent < length:
        h.close_connection = True


def authorized(h: BaseHTTPRequestHandler, user: str, password: str) -> bool:
    """Does ``STW-Authorization: Basic …`` carry ``user:password`` (UTF-8 or Windows-1250)?"""
    raw = h.headers.get("STW-Authorization", "")
    scheme, _, token = raw.partition(" ")
    if scheme.lower() != "basic" or not token:
        return False
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    for encoding in ("utf-8", "cp1250"):
        try:
            given_user, sep, given_password = decoded.decode(encoding).partition(":")
        except UnicodeDecodeError:
            continue
        return bool(sep) and given_user == user and given_password == password
    return False


def status_body(*, name: str, url: str, pending: int, company: str | None, ico: str) -> bytes:
    """The /status page; ``company`` (not None) adds the companyDetail block."""
    parts = [
        "<mServer>",
        "<message>Response from POHODA mServer</message>",
        f"<name>{esc(name)}</name>",
        f"<server>{esc(url)}</server>",
        f"<status>{'busy' if pending else 'idle'}</status>",
        f"<processing>{pending}</processing>",
    ]
    if company is not None:
        year = date.today().year
        parts.append(
            f"<companyDetail><company>{esc(company)}</company>"
            f"<databaseName>StwPh_{esc(ico)}_{year}</databaseName><year>{year}</year>"
            f"<ico>{esc(ico)}</ico></companyDetail>"
        )
    parts.append("</mServer>")
    body = '<?xml version="1.0" encoding="Windows-1250"?>\n' + "".join(parts)
    return body.encode("cp1250", errors="xmlcharrefreplace")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"not JSON serialisable: {type(value)}")


def json_response(status: int, value: Any) -> Response:
    """A JSON answer of the admin routes (Decimal, date and dataclasses as the inspection API returns them)."""
    body = json.dumps(value, default=_json_default, ensure_ascii=False).encode()
    return Response(status, {"Content-Type": "application/json; charset=utf-8"}, body)


def decompress(body: bytes, encoding: str) -> bytes:
    """Undo ``Content-Encoding`` gzip/deflate (zlib-wrapped or raw deflate)."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


def choose_compression(accept: str) -> str:
    """gzip if the client accepts it, else deflate, else none."""
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if "gzip" in offered:
        return "gzip"
    return "deflate" if "deflate" in offered else ""
