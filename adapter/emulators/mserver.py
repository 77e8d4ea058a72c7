"""POHODA mServer emulator: an HTTP stand-in for Stormware POHODA's XML server.

Strict on purpose (never more forgiving than POHODA as far as we know it):
``STW-Authorization`` is required, the dataPack is validated against
``data.xsd`` when the schema folder is present, the ``ico`` must match, and
requests are processed one at a time (concurrent requests queue behind a
lock, they are never rejected). See ``docs/ARCHITECTURE.md`` for the API
and ``shared/pohoda/PROTOCOL.md`` for what is known about the real thing.

Fault switches (``set_faults``): down, latency_ms, latency_per_item_ms, busy,
html_login, pack_error, item_error_rate, cut_response, unauthorized. The two
latencies are POHODA's service time, not extra on top of the emulator's own
work: a request holds the processing lock for max(own processing,
latency_ms + items × latency_per_item_ms).

Run in-process::

    with MServerEmulator(tmp_path, seed_stock=50) as emu:
        url = emu.url  # http://127.0.0.1:PORT

or as a program: ``main(["--port", "4444", "--data", "DIR", "--seed-stock", "1000"])``.

Choices where PROTOCOL.md says UNVERIFIED are listed in ``DOCUMENTED_CHOICES``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import gzip
import json
import logging
import random
import threading
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapter.emulators import catalogue
from adapter.emulators import mserver_inspect as inspect_
from adapter.emulators.mserver_db import MServerStore
from adapter.emulators.mserver_pack import PackOptions, PackProcessor
from adapter.emulators.mserver_xml import BodyWriter, esc, iter_file
from adapter.pohoda import schema as pohoda_schema

log = logging.getLogger(__name__)

PROGRAM_VERSION = "13907.6 SQL (emulátor)"

DOCUMENTED_CHOICES = """
UNVERIFIED points of PROTOCOL.md and what this emulator does:
- Not well-formed XML → HTTP 200 + responsePack state="error", empty id, note with the parser message.
- Schema-invalid dataPack → pack-level error, note "Chyba validace XML podle schématu (schema validation
  failed): řádek N: Element 'prefix:name': …" (first libxml2 error).
- ico mismatch → pack-level error "Tento balíček není určen pro tuto jednotku (IČO …)"; no ico and no
  matching key → pack-level error.
- Item states are only ok/error; warnings only inside rdc:detail. Pack state is ok unless pack-level error.
- STW-Check-Duplicity repeat → item state="error" with rsp:errorDetail/rsp:recordDuplicity; nothing imported.
- Order/invoice stock line whose card does not exist → item error naming the code (no text-line fallback);
  a code present in several warehouses without typ:store → item error.
- stock/address add with filter + update="false" matching → item ok, warning detail, no producedDetails.
  update with add="false" and no match → item error. A filter matching several records → item error.
- Stock update without sellingPrice → price set to 0 with a warning (schema: missing price = zero).
- Export-only stock elements (count, reservation, …) in an import → ignored with a warning detail.
- New stock cards go to the default warehouse (stk:stockHeader has no warehouse element); the listing
  cannot show the warehouse either — filter by ftr:store to get one warehouse's quantities.
- Text outside Windows-1250 is stored with '?' (POHODA stores Windows-1250 only).
- Invoice transfer from an order: link by POHODA order number (typ:number), id or extId — not by the shop's
  numberOrder; whole order copied, listed items appended; the order becomes executed; a second transfer → error.
- Insufficient stock on an invoice → warning detail, count may go negative.
- lastChanges: inclusive (changed >= value), local time, new records count as changed, deletions never listed.
- Unknown userFilterName → item error; queryFilter → item error (not emulated).
- /status status values idle/busy; processing = requests in progress or queued;
  ?companyDetail adds <companyDetail><company/><databaseName/><year/><ico/></companyDetail> (auth required).
- Document rounding: none (totals to haléře); liquidation amountHome = exact amount left to pay.
"""

_FAULT_DEFAULTS: dict[str, Any] = {
    "down": False,
    "latency_ms": 0,
    "latency_per_item_ms": 0,
    "busy": False,
    "html_login": False,
    "pack_error": "",
    "item_error_rate": 0.0,
    "cut_response": False,
    "unauthorized": False,
}

_HTML_LOGIN = """<!DOCTYPE html>
<html lang="cs"><head><meta charset="windows-1250"><title>POHODA - Přihlášení</title></head>
<body><h1>Přihlášení do programu POHODA</h1>
<form method="post"><label>Uživatel <input name="user"></label>
<label>Heslo <input name="password" type="password"></label><button>Přihlásit</button></form>
</body></html>"""


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"not JSON serialisable: {type(value)}")


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server; the emulator serialises /xml processing itself."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: MServerEmulator) -> None:
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
class _Response:
    """A response to send: status, headers and a body (bytes or a spooled file)."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    file: Any = None
    length: int = 0
    send_length: int | None = None  #: bytes actually sent (cut_response)
    promise_full: bool = False  #: announce the full length even when cutting (connection drop)


class MServerEmulator:
    """An in-process POHODA mServer emulator backed by SQLite in ``data_dir``."""

    def __init__(self, data_dir: Path, *, ico: str = "12345678", user: str = "admin", password: str = "heslo",  # noqa: S107
                 company: str = "Novák s.r.o.", seed: int = 1, seed_stock: int = 0, xsd_dir: Path | None = None,
                 name: str = "emulator", faults: dict[str, Any] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.ico, self.user, self.password, self.company = ico, user, password, company
        self.seed, self.seed_stock, self.name = seed, seed_stock, name
        self.key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pohoda-mserver-emulator/{ico}/{seed}"))
        self.xsd_dir = Path(xsd_dir) if xsd_dir is not None else pohoda_schema.find_xsd_dir()
        self.store = MServerStore(self.data_dir / "mserver.sqlite3")
        self._rng = random.Random(seed)
        self._faults: dict[str, Any] = dict(_FAULT_DEFAULTS)
        self._state_lock = threading.Lock()
        self._process_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._status_codes: Counter[int] = Counter()
        self._active = 0
        self._pending = 0
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._host, self._port = "127.0.0.1", 0
        self._down_timer: threading.Timer | None = None
        self.processor = PackProcessor(self.store, ico=ico, key=self.key, program_version=PROGRAM_VERSION,
                                       xsd_dir=self.xsd_dir, rng=self._rng)
        if seed_stock and self.store.stock_count() == 0:
            self.seed_catalogue(seed_stock)
        if faults:
            self.set_faults(**faults)

    # ------------------------------------------------------------------ lifecycle

    def seed_catalogue(self, size: int) -> int:
        """Seed ``size`` stock cards from the shared catalogue (one row per code and warehouse)."""
        return self.store.seed_stock(catalogue.generate(self.seed, size).cards)

    @property
    def url(self) -> str:
        """Base URL of the running server (``http://127.0.0.1:PORT``)."""
        return f"http://{self._host}:{self._port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = a free port) in a background thread; returns the base URL."""
        if self._server is None:
            self._host, self._port = host, port
            self._listen()
        return self.url

    def _listen(self) -> None:
        server = _HTTPServer((self._host, self._port), self)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"mserver-emulator-{self._port}", daemon=True)
        self._thread.start()

    def _unlisten(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def stop(self) -> None:
        """Stop serving and close the database."""
        if self._down_timer is not None:
            self._down_timer.cancel()
        self._unlisten()
        self.store.close()

    def __enter__(self) -> MServerEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Delete every record and reseed the stock as at construction."""
        with self._process_lock:
            self.store.wipe()
            if self.seed_stock:
                self.seed_catalogue(self.seed_stock)

    # ------------------------------------------------------------------ faults

    def set_faults(self, **faults: Any) -> None:
        """Switch faults on/off; keys: down, latency_ms, latency_per_item_ms, busy, html_login, pack_error,
        item_error_rate, cut_response, unauthorized (see ``_FAULT_DEFAULTS``).

        ``latency_ms`` + items × ``latency_per_item_ms`` is the service time of an /xml request; the
        emulator's own processing counts towards it (see :meth:`_run_pack`)."""
        unknown = set(faults) - set(_FAULT_DEFAULTS)
        if unknown:
            raise ValueError(f"Neznámé poruchy: {', '.join(sorted(unknown))}")
        with self._state_lock:
            self._faults.update(faults)
        if "down" in faults:
            self._apply_down(faults["down"])

    def clear_faults(self) -> None:
        """Switch every fault off (and listen again if the server was down)."""
        self.set_faults(**_FAULT_DEFAULTS)

    def faults(self) -> dict[str, Any]:
        """The current fault switches."""
        with self._state_lock:
            return dict(self._faults)

    def _apply_down(self, down: bool | float) -> None:
        if self._down_timer is not None:
            self._down_timer.cancel()
            self._down_timer = None
        if down and self._server is not None:
            self._unlisten()
            if not isinstance(down, bool):
                self._down_timer = threading.Timer(float(down), lambda: self.set_faults(down=False))
                self._down_timer.daemon = True
                self._down_timer.start()
        elif not down and self._server is None and self._port:
            self._listen()

    def _take_busy(self) -> bool:
        with self._state_lock:
            busy = self._faults["busy"]
            if busy is True:
                return True
            if isinstance(busy, int) and busy > 0:
                self._faults["busy"] = busy - 1
                return True
            return False

    # ------------------------------------------------------------------ admin and inspection

    def mark_paid(self, invoice_number: str, amount: Decimal | None = None, on: date | None = None) -> inspect_.EmuInvoice:
        """Pay an issued invoice fully (amount None) or partly; bumps lastChanges."""
        return inspect_.mark_paid(self.store, invoice_number, amount, on)

    def set_stock(self, code: str, count: Decimal, store: str | None = None) -> Any:
        """Set a card's quantity (in one warehouse); bumps lastChanges."""
        return inspect_.set_stock(self.store, code, Decimal(count), store)

    def stock_cards(self) -> list[Any]:
        """All stock rows as ``records.StockCard`` (one per code and warehouse)."""
        return inspect_.stock_cards(self.store)

    def received_orders(self) -> list[inspect_.EmuOrder]:
        """All received orders with lines."""
        return inspect_.received_orders(self.store)

    def issued_invoices(self) -> list[inspect_.EmuInvoice]:
        """All issued invoices with lines and liquidation state."""
        return inspect_.issued_invoices(self.store)

    def addresses(self) -> list[Any]:
        """All address book records as ``records.AddressBookEntry``."""
        return inspect_.addresses(self.store)

    def receipts(self) -> list[inspect_.EmuReceipt]:
        """All stock receipts."""
        return inspect_.receipts(self.store)

    def stats(self) -> dict[str, Any]:
        """Counters: requests, items, max_concurrent, busy_seconds, processing, pack_errors, item_errors, status codes."""
        with self._state_lock:
            out: dict[str, Any] = {"requests": 0, "items": 0, "max_concurrent": 0, "pack_errors": 0,
                                   "item_errors": 0, "busy_seconds": 0.0, **self._stats}
            out["processing"] = self._pending
            out["status_codes"] = {str(k): v for k, v in sorted(self._status_codes.items())}
            return out

    # ------------------------------------------------------------------ HTTP

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        """Serve one HTTP request (called from a server thread)."""
        if self.faults()["down"]:
            h.close_connection = True  # drop the connection without an answer
            return
        parts = urlsplit(h.path)
        body = self._read_body(h)
        if body is None:
            self._send(h, _Response(411, {"Content-Type": "text/plain"}, b"Length Required"))
            return
        if parts.path == "/xml":
            response = self._xml(h, body) if h.command == "POST" else _Response(
                405, {"Content-Type": "text/plain", "Allow": "POST"}, b"Method Not Allowed")
        elif parts.path == "/status":
            response = self._status(h, parts.query)
        elif parts.path.startswith("/_emulator/"):
            response = self._admin(h.command, parts.path[len("/_emulator/"):], parts.query, body)
        else:
            response = _Response(404, {"Content-Type": "text/plain"}, b"Not Found")
        self._send(h, response)

    @staticmethod
    def _read_body(h: BaseHTTPRequestHandler) -> bytes | None:
        length = h.headers.get("Content-Length")
        if length is None:
            return None if h.command == "POST" else b""
        return h.rfile.read(int(length))

    def _send(self, h: BaseHTTPRequestHandler, response: _Response) -> None:
        with self._state_lock:
            self._status_codes[response.status] += 1
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

    def _authorized(self, h: BaseHTTPRequestHandler) -> bool:
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
                user, sep, password = decoded.decode(encoding).partition(":")
            except UnicodeDecodeError:
                continue
            return bool(sep) and user == self.user and password == self.password
        return False

    def _xml(self, h: BaseHTTPRequestHandler, body: bytes) -> _Response:
        with self._state_lock:
            self._stats["requests"] += 1
            self._pending += 1
        try:
            return self._xml_checked(h, body)
        finally:
            with self._state_lock:
                self._pending -= 1

    def _xml_checked(self, h: BaseHTTPRequestHandler, body: bytes) -> _Response:
        faults = self.faults()
        if faults["unauthorized"] or not self._authorized(h):
            return _Response(401, {"Content-Type": "text/plain; charset=utf-8"}, "Neautorizovaný přístup".encode())
        if faults["html_login"]:
            status = 403 if faults["html_login"] == 403 else 200
            return _Response(status, {"Content-Type": "text/html; charset=windows-1250"},
                             _HTML_LOGIN.encode("cp1250"))
        if self._take_busy():
            return _Response(503, {"Content-Type": "text/plain", "Retry-After": "1"}, b"Service Unavailable")
        try:
            body = decompress(body, h.headers.get("Content-Encoding", ""))
        except (OSError, zlib.error, EOFError):
            return _Response(400, {"Content-Type": "text/plain"}, b"Bad Request: body cannot be decompressed")
        compression = choose_compression(h.headers.get("Accept-Encoding", ""))
        writer = BodyWriter(compression)
        self._run_pack(body, writer, h.headers.get("STW-Check-Duplicity", ""), faults)
        file, length = writer.finish()
        headers = {"Content-Type": "text/xml"}
        if compression:
            headers["Content-Encoding"] = compression
        response = _Response(200, headers, file=file, length=length)
        cut = faults["cut_response"]
        if cut:
            response.send_length = max(1, length // 2)
            response.promise_full = cut == "connection"  # announce everything, then close early
        return response

    def _run_pack(self, body: bytes, writer: BodyWriter, duplicity_header: str, faults: dict[str, Any]) -> None:
        """Process under the lock: one request at a time, the others queue.

        The request holds the lock for max(processing, latency_ms + items × latency_per_item_ms).
        """
        options = PackOptions(
            check_duplicity=duplicity_header.strip().lower() == "true",
            pack_error=str(faults["pack_error"] or ""),
            item_error_rate=float(faults["item_error_rate"] or 0),
        )
        latency_ms, per_item_ms = int(faults["latency_ms"] or 0), int(faults["latency_per_item_ms"] or 0)
        with self._process_lock:
            with self._state_lock:
                self._active += 1
                self._stats["max_concurrent"] = max(self._stats["max_concurrent"], self._active)
            started = time.perf_counter()
            try:
                outcome = self.processor.process(body, writer, options)
                # emulated service time: the emulator's own work counts towards it, only the rest is slept
                service = (latency_ms + outcome.items * per_item_ms) / 1000
                remaining = started + service - time.perf_counter()
                if remaining > 0:
                    time.sleep(remaining)
            finally:
                with self._state_lock:
                    self._active -= 1
                    # the time POHODA is occupied (it serves one request at a time)
                    self._stats["busy_seconds"] = self._stats.get("busy_seconds", 0.0) + time.perf_counter() - started
        with self._state_lock:
            self._stats["items"] += outcome.items
            self._stats["item_errors"] += outcome.item_errors
            self._stats["pack_errors"] += outcome.state == "error"

    def _status(self, h: BaseHTTPRequestHandler, query: str) -> _Response:
        detail = "companyDetail" in parse_qs(query, keep_blank_values=True)
        if detail and not self._authorized(h):
            return _Response(401, {"Content-Type": "text/plain"}, b"Unauthorized")
        with self._state_lock:
            pending = self._pending
        parts = [
            "<mServer>",
            "<message>Response from POHODA mServer</message>",
            f"<name>{esc(self.name)}</name>",
            f"<server>{esc(self.url)}</server>",
            f"<status>{'busy' if pending else 'idle'}</status>",
            f"<processing>{pending}</processing>",
        ]
        if detail:
            year = date.today().year
            parts.append(
                f"<companyDetail><company>{esc(self.company)}</company>"
                f"<databaseName>StwPh_{esc(self.ico)}_{year}</databaseName><year>{year}</year>"
                f"<ico>{esc(self.ico)}</ico></companyDetail>"
            )
        parts.append("</mServer>")
        body = '<?xml version="1.0" encoding="Windows-1250"?>\n' + "".join(parts)
        return _Response(200, {"Content-Type": "text/xml"}, body.encode("cp1250", errors="xmlcharrefreplace"))

    # ------------------------------------------------------------------ HTTP admin

    def _admin(self, method: str, path: str, query: str, body: bytes) -> _Response:
        try:
            payload = json.loads(body or b"{}") if method == "POST" else {}
            result = self._admin_call(method, path.strip("/"), payload)
        except KeyError as exc:
            return _json_response(404, {"error": str(exc.args[0] if exc.args else exc)})
        except (ValueError, TypeError) as exc:
            return _json_response(400, {"error": str(exc)})
        if result is None:
            return _json_response(404, {"error": f"neznámý příkaz {method} /_emulator/{path}"})
        return _json_response(200, result)

    def _admin_call(self, method: str, path: str, payload: dict[str, Any]) -> Any:
        reads = {"stats": self.stats, "faults": self.faults, "stock": self.stock_cards,
                 "orders": self.received_orders, "invoices": self.issued_invoices,
                 "addresses": self.addresses, "receipts": self.receipts}
        if method == "GET" and path in reads:
            return reads[path]()
        if method != "POST":
            return None
        if path == "faults":
            self.set_faults(**payload)
            return self.faults()
        if path == "faults/clear":
            self.clear_faults()
            return self.faults()
        if path == "pay":
            amount = payload.get("amount")
            on = payload.get("date")
            return self.mark_paid(payload["invoice"], Decimal(str(amount)) if amount is not None else None,
                                  date.fromisoformat(on) if on else None)
        if path == "stock":
            return self.set_stock(payload["code"], Decimal(str(payload["count"])), payload.get("store"))
        if path == "reset":
            self.reset()
            return {"ok": True}
        return None


def _json_response(status: int, value: Any) -> _Response:
    body = json.dumps(value, default=_json_default, ensure_ascii=False).encode()
    return _Response(status, {"Content-Type": "application/json; charset=utf-8"}, body)


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


# --------------------------------------------------------------------------- command line


def _fault_value(raw: str) -> Any:
    with contextlib.suppress(json.JSONDecodeError):
        return json.loads(raw)
    return raw


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (``python app.py emulate mserver …``)."""
    p = argparse.ArgumentParser(prog="mserver-emulator", description="Emulátor POHODA mServer (XML přes HTTP).")
    p.add_argument("--port", type=int, default=4444, help="port (0 = volný port)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data", type=Path, required=True, help="složka s databází emulátoru")
    p.add_argument("--ico", default="12345678")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="heslo")
    p.add_argument("--company", default="Novák s.r.o.")
    p.add_argument("--name", default="emulator", help="název konfigurace mServeru (v /status)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seed-stock", type=int, default=0, help="počet zásob z katalogu (jen do prázdné databáze)")
    p.add_argument("--xsd-dir", type=Path, default=None)
    p.add_argument("--fault", action="append", default=[], metavar="KEY=VALUE",
                   help="porucha při startu, např. latency_ms=200 nebo busy=3 (opakovatelné)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until interrupted."""
    args = build_parser().parse_args(argv)
    faults = {}
    for item in args.fault:
        key, _, value = item.partition("=")
        faults[key.strip()] = _fault_value(value)
    started = time.perf_counter()
    emu = MServerEmulator(args.data, ico=args.ico, user=args.user, password=args.password, company=args.company,
                          seed=args.seed, seed_stock=args.seed_stock, xsd_dir=args.xsd_dir, name=args.name,
                          faults=faults)
    url = emu.start(args.host, args.port)
    print(f"POHODA mServer emulátor: {url}/xml (IČO {args.ico}, start {time.perf_counter() - started:.1f} s)",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


__all__ = ["DOCUMENTED_CHOICES", "MServerEmulator", "main"]


if __name__ == "__main__":
    raise SystemExit(main())
