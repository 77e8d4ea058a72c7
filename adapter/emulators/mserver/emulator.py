"""POHODA mServer emulator: an HTTP stand-in for Stormware POHODA's XML server.

Strict on purpose (never more forgiving than POHODA as far as we know it):
``STW-Authorization`` is required, the dataPack is validated against
``data.xsd`` when the schema folder is present, the ``ico`` must match, and
requests are processed one at a time (concurrent requests queue behind a
lock, they are never rejected). See ``docs/ARCHITECTURE.md`` for the API
and ``shared/pohoda/PROTOCOL.md`` for what is known about the real thing.

Fault switches (``set_faults``): down, latency_ms, latency_per_item_ms, busy,
html_login, pack_error, item_error_rate, cut_response, unauthorized, no_licence. The two
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

import json
import random
import threading
import time
import uuid
import zlib
from collections import Counter
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapter.emulators import catalogue
from adapter.emulators.mserver import advances, eu, fulfilment
from adapter.emulators.mserver import credit_notes as credit_notes_
from adapter.emulators.mserver import inspection as inspect_
from adapter.emulators.mserver.db import MServerStore
from adapter.emulators.mserver.pack import PackOptions, PackProcessor
from adapter.emulators.mserver.transport import (
    HTML_LOGIN,
    EmulatorServer,
    Response,
    authorized,
    choose_compression,
    decompress,
    json_response,
    read_body,
    send,
    status_body,
)
from adapter.emulators.mserver.values_lists import NO_LICENCE_NOTE
from adapter.emulators.mserver.xml_io import BodyWriter
from adapter.pohoda import schema as pohoda_schema
from adapter.records import AddressBookEntry, StockCard

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
    "no_licence": False,
}

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
        self._busy_seconds = 0.0  #: time POHODA was occupied (it serves one request at a time)
        self._status_codes: Counter[int] = Counter()
        self._active = 0
        self._pending = 0
        self._server: EmulatorServer | None = None
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
        server = EmulatorServer((self._host, self._port), self)
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
        item_error_rate, cut_response, unauthorized, no_licence (see ``_FAULT_DEFAULTS``).

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

    def set_stock(self, code: str, count: Decimal, store: str | None = None) -> StockCard:
        """Set a card's quantity (in one warehouse); bumps lastChanges."""
        return inspect_.set_stock(self.store, code, Decimal(count), store)

    def set_order_state(self, number: str, *, executed: bool | None = None, delivered: bool | None = None,
                        carrier: str | None = None, fields: dict[str, str] | None = None) -> dict[str, Any]:
        """Set a received order (by POHODA or shop number) executed/delivered, its carrier or field texts."""
        return fulfilment.set_order_state(self.store, number, executed=executed, delivered=delivered,
                                          carrier=carrier, fields=fields)

    def invoice_order(self, number: str) -> dict[str, Any]:
        """Create the linked issued invoice of a received order (the order becomes executed)."""
        return fulfilment.invoice_order(self.store, number)

    def stock_cards(self) -> list[StockCard]:
        """All stock rows as ``records.StockCard`` (one per code and warehouse)."""
        return inspect_.stock_cards(self.store)

    def received_orders(self) -> list[inspect_.EmuOrder]:
        """All received orders with lines."""
        return inspect_.received_orders(self.store)

    def issued_invoices(self) -> list[inspect_.EmuInvoice]:
        """All issued invoices with lines and liquidation state."""
        return inspect_.issued_invoices(self.store)

    def credit_notes(self) -> list[credit_notes_.EmuCreditNote]:
        """All issued credit notes with lines."""
        return credit_notes_.credit_notes(self.store)

    def tax_documents(self) -> list[Any]:
        """All tax documents for received advance payments (internal documents)."""
        from adapter.emulators.mserver.tax_documents import tax_documents

        return list(tax_documents(self.store))

    def deleted_orders(self) -> list[tuple[str, str]]:
        """(number, numberOrder) of the received orders deleted over XML."""
        return credit_notes_.deleted_orders(self.store)

    def document_vat(self, agenda: str, number: str) -> dict[str, Any] | None:
        """OSS country, evidence, period, členění DPH and the rebuilt VAT summary of one document."""
        return eu.document_vat(self.store, agenda, number)

    def advance_state(self, number: str) -> dict[str, Any] | None:
        """Kind (issuedInvoice / issuedAdvanceInvoice), total, deducted and to pay of one issued invoice."""
        return advances.advance_state(self.store, number)

    def addresses(self) -> list[AddressBookEntry]:
        """All address book records as ``records.AddressBookEntry``."""
        return inspect_.addresses(self.store)

    def receipts(self) -> list[inspect_.EmuReceipt]:
        """All stock receipts."""
        return inspect_.receipts(self.store)

    def stats(self) -> dict[str, Any]:
        """Counters: requests, items, max_concurrent, busy_seconds, processing, pack_errors, item_errors, status codes."""
        with self._state_lock:
            out: dict[str, Any] = {"requests": 0, "items": 0, "max_concurrent": 0, "pack_errors": 0,
                                   "item_errors": 0, "busy_seconds": self._busy_seconds, **self._stats}
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
        body = read_body(h)
        if body is None:
            self._send(h, Response(411, {"Content-Type": "text/plain"}, b"Length Required"))
            return
        if parts.path == "/xml":
            response = self._xml(h, body) if h.command == "POST" else Response(
                405, {"Content-Type": "text/plain", "Allow": "POST"}, b"Method Not Allowed")
        elif parts.path == "/status":
            response = self._status(h, parts.query)
        elif parts.path.startswith("/_emulator/"):
            response = self._admin(h.command, parts.path[len("/_emulator/"):], parts.query, body)
        else:
            response = Response(404, {"Content-Type": "text/plain"}, b"Not Found")
        self._send(h, response)

    def _send(self, h: BaseHTTPRequestHandler, response: Response) -> None:
        with self._state_lock:
            self._status_codes[response.status] += 1
        send(h, response)

    def _authorized(self, h: BaseHTTPRequestHandler) -> bool:
        return authorized(h, self.user, self.password)

    def _xml(self, h: BaseHTTPRequestHandler, body: bytes) -> Response:
        with self._state_lock:
            self._stats["requests"] += 1
            self._pending += 1
        try:
            return self._xml_checked(h, body)
        finally:
            with self._state_lock:
                self._pending -= 1

    def _xml_checked(self, h: BaseHTTPRequestHandler, body: bytes) -> Response:
        faults = self.faults()
        if faults["unauthorized"] or not self._authorized(h):
            return Response(401, {"Content-Type": "text/plain; charset=utf-8"}, "Neautorizovaný přístup".encode())
        if faults["html_login"]:
            status = 403 if faults["html_login"] == 403 else 200
            return Response(status, {"Content-Type": "text/html; charset=windows-1250"},
                            HTML_LOGIN.encode("cp1250"))
        if self._take_busy():
            return Response(503, {"Content-Type": "text/plain", "Retry-After": "1"}, b"Service Unavailable")
        try:
            body = decompress(body, h.headers.get("Content-Encoding", ""))
        except (OSError, zlib.error, EOFError):
            return Response(400, {"Content-Type": "text/plain"}, b"Bad Request: body cannot be decompressed")
        compression = choose_compression(h.headers.get("Accept-Encoding", ""))
        writer = BodyWriter(compression)
        self._run_pack(body, writer, h.headers.get("STW-Check-Duplicity", ""), faults)
        file, length = writer.finish()
        headers = {"Content-Type": "text/xml"}
        if compression:
            headers["Content-Encoding"] = compression
        response = Response(200, headers, file=file, length=length)
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
            pack_error=str(faults["pack_error"] or (NO_LICENCE_NOTE if faults["no_licence"] else "")),
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
                    self._busy_seconds += time.perf_counter() - started
        with self._state_lock:
            self._stats["items"] += outcome.items
            self._stats["item_errors"] += outcome.item_errors
            self._stats["pack_errors"] += outcome.state == "error"

    def _status(self, h: BaseHTTPRequestHandler, query: str) -> Response:
        detail = "companyDetail" in parse_qs(query, keep_blank_values=True)
        if detail and not self._authorized(h):
            return Response(401, {"Content-Type": "text/plain"}, b"Unauthorized")
        with self._state_lock:
            pending = self._pending
        body = status_body(name=self.name, url=self.url, pending=pending, company=self.company if detail else None,
                           ico=self.ico)
        return Response(200, {"Content-Type": "text/xml"}, body)

    # ------------------------------------------------------------------ HTTP admin

    def _admin(self, method: str, path: str, query: str, body: bytes) -> Response:
        try:
            payload = json.loads(body or b"{}") if method == "POST" else {}
            result = self._admin_call(method, path.strip("/"), payload)
        except KeyError as exc:
            return json_response(404, {"error": str(exc.args[0] if exc.args else exc)})
        except (ValueError, TypeError) as exc:
            return json_response(400, {"error": str(exc)})
        if result is None:
            return json_response(404, {"error": f"neznámý příkaz {method} /_emulator/{path}"})
        return json_response(200, result)

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
        if path == "order-state":
            return self.set_order_state(payload.pop("order"), **payload)
        if path == "invoice-order":
            return self.invoice_order(payload["order"])
        if path == "reset":
            self.reset()
            return {"ok": True}
        return None


__all__ = ["DOCUMENTED_CHOICES", "MServerEmulator"]
