"""WooCommerce REST API v3 emulator — as strict as WooCommerce, never more forgiving.

``WooEmulator`` serves ``/wp-json/wc/v3/…`` on 127.0.0.1 over a real socket
(plain HTTP with OAuth 1.0a, or TLS with HTTP Basic when ``tls_cert`` is
given), keeps its data in SQLite under ``data_dir`` (a restart keeps state) and
seeds products, customers and orders from ``adapter.emulators.catalogue``.
Faults (latency, 429, 500, an HTML login page, hangs, a lower batch limit) can
be switched on at start or at run time, in-process or over HTTP under
``/_emulator/``.

Run standalone: ``python -m adapter.emulators.woocommerce --port 8090 --data DIR
--seed-products 200 --seed-orders 30``.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapter.emulators import catalogue
from adapter.emulators.woocommerce.api import WooApi
from adapter.emulators.woocommerce.auth import Authenticator, parse_query, php_parse_str
from adapter.emulators.woocommerce.dates import Clock
from adapter.emulators.woocommerce.objects import Objects
from adapter.emulators.woocommerce.rest import Request, Response, WpError, error_response, json_response
from adapter.emulators.woocommerce.seed import customer_docs, order_docs, product_docs, sellable, staff_docs
from adapter.emulators.woocommerce.server import EmulatorServer, _Handler
from adapter.emulators.woocommerce.store import Store

Doc = dict[str, Any]
_WRITES = ("POST", "PUT", "PATCH", "DELETE")
_LOGIN_PAGE = (
    "<!DOCTYPE html><html lang=\"cs\"><head><meta charset=\"UTF-8\"><title>Přihlásit se &lsaquo; Eshop"
    " &#8212; WordPress</title></head><body class=\"login\"><div id=\"login\"><h1><a href=\"https://cs.wordpress.org/\">"
    "Používá WordPress</a></h1><form name=\"loginform\" id=\"loginform\" action=\"/wp-login.php\" method=\"post\">"
    "<label for=\"user_login\">Uživatelské jméno nebo e-mail</label><input type=\"text\" name=\"log\" id=\"user_login\">"
    "<label for=\"user_pass\">Heslo</label><input type=\"password\" name=\"pwd\" id=\"user_pass\">"
    "<input type=\"submit\" name=\"wp-submit\" value=\"Přihlásit se\"></form></div></body></html>"
)
_NOT_FOUND_PAGE = "<!DOCTYPE html><html lang=\"cs\"><head><title>Stránka nenalezena</title></head><body><h1>Jejda! Tuto stránku nelze nalézt.</h1></body></html>"


@dataclass
class Faults:
    """Switchable misbehaviour; counts (``rate_limit``, ``server_error``) run down per request."""

    latency_ms: int = 0
    rate_limit: int = 0  #: next N requests answer 429 with Retry-After
    retry_after: int = 1
    server_error: int = 0  #: next N requests answer 500
    html_page: bool = False  #: answer 200 text/html (a WordPress login page)
    hang: float | bool = False  #: sleep this many seconds before answering
    batch_limit: int = 100  #: woocommerce_rest_batch_items_limit


class WooEmulator:
    """An in-process WooCommerce shop; see the module docstring."""

    def __init__(
        self,
        data_dir: Path,
        *,
        key: str = "ck_test",
        secret: str = "cs_test",  # noqa: S107
        seed: int = 1,
        seed_products: int = 0,
        seed_orders: int = 0,
        tls_cert: tuple[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        site_name: str = "Novák – domácí potřeby",
        faults: Mapping[str, Any] | None = None,
        read_only_key: tuple[str, str] | None = None,
        order_storage: str = "posts",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.key, self.secret, self.seed = key, secret, seed
        self.tls_cert = tls_cert
        self.url = ""
        self._clock = Clock(clock)
        self._store = Store(self.data_dir / "woocommerce.sqlite3")
        self._lock = threading.Lock()
        self._faults = Faults()
        self._stats = self._zero_stats()
        self._active = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._site = {"name": site_name, "description": "Vše pro kuchyň, dílnu a zahradu", "url": "",
                      "api": "", "gmt_offset": "1"}
        self.objects = Objects(self._store, self._clock, lambda: self._site["api"], lambda: self._site["url"],
                               lambda: self._faults.batch_limit, self._count_batch)
        self.objects.order_storage = order_storage
        self.api = WooApi(self.objects, self._site)
        self._auth = Authenticator(key, secret, self._store.use_nonce, read_only_key=read_only_key)
        self._seed_once(seed_products, seed_orders)
        if faults:
            self.set_faults(**faults)

    # ------------------------------------------------------------------ lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; return the base URL (``http(s)://host:port``)."""
        handler = type("WooHandler", (_Handler,), {"emulator": self})
        server = EmulatorServer((host, port), handler)
        scheme = "http"
        if self.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls_cert)
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
            scheme = "https"
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        self.url = f"{scheme}://{shown}:{server.server_address[1]}"
        self._site.update(url=self.url, api=f"{self.url}/wp-json/wc/v3")
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="woo-emulator", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and close the database."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._store.close()

    def __enter__(self) -> WooEmulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ seeding

    def _seed_once(self, seed_products: int, seed_orders: int) -> None:
        """Seed an empty data dir; a restart over existing data keeps it."""
        if self._store.get_kv("seeded") is not None:
            self._store.ensure_indexes()
            return
        now = self._clock.now()
        self._store.next_ids("meta", 1_000_000)
        self._store.next_ids("user", 1)  # user 1 is the shop admin
        docs = product_docs(self.seed, seed_products, now - timedelta(days=2)) if seed_products else []
        if docs:
            self._store.put_many("products", docs)
            self._store.next_ids("post", max(d["id"] for d in docs))
        if seed_orders:
            self._seed_orders(seed_orders, docs or product_docs(self.seed, 200, now), now)
        self._store.ensure_indexes()
        self._store.set_kv("seeded", json.dumps({"seed": self.seed, "products": seed_products, "orders": seed_orders}))

    def _seed_orders(self, count: int, products: list[Doc], now: datetime) -> None:
        customers = customer_docs(self.seed, now - timedelta(days=60))
        self._store.put_many("customers", customers)
        self._store.next_ids("user", len(customers) + 1)  # user 1 is the administrator
        self._store.put_many("customers", staff_docs(now - timedelta(days=90), self._store.next_id("user")))
        parents = {d["id"]: d["name"] for d in products if d["type"] == "variable"}
        orders = order_docs(self.seed, count, sellable(products), parents, lambda: self._store.next_id("post"),
                            lambda: self._store.next_id("item"), now - timedelta(minutes=5))
        for order in orders:
            order["_stock_reduced"] = order["status"] in ("processing", "completed", "on-hold")
        self._store.put_many("orders", orders)
        notes = []
        for order in orders:
            if order["status"] != "pending":
                note = {"id": self._store.next_id("comment"), "order_id": order["id"], "author": "system",
                        "customer_note": False, "date_created_gmt": order["date_modified_gmt"],
                        "note": f"Stav objednávky byl změněn z Čeká na platbu na {order['status']}."}
                notes.append(note)
        self._store.put_many("notes", notes)

    # ------------------------------------------------------------------ faults and stats

    def set_faults(self, **kw: Any) -> None:
        """Switch faults on (keys of ``Faults``); unknown keys raise TypeError."""
        known = {f.name for f in fields(Faults)}
        unknown = set(kw) - known
        if unknown:
            raise TypeError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        with self._lock:
            for name, value in kw.items():
                setattr(self._faults, name, value)

    def clear_faults(self) -> None:
        """Back to a well-behaved shop."""
        with self._lock:
            self._faults = Faults()

    def faults(self) -> Doc:
        """Current fault settings."""
        with self._lock:
            return asdict(self._faults)

    @staticmethod
    def _zero_stats() -> Doc:
        return {"requests": 0, "write_calls": 0, "batch_calls": 0, "batch_items": 0, "max_concurrent": 0,
                "faults_served": 0}

    def stats(self) -> Doc:
        """Counters since the last reset.

        requests, write_calls (POST/PUT/PATCH/DELETE to wc/v3), batch_calls
        (those to a ``…/batch`` route), batch_items, max_concurrent, faults_served.
        """
        with self._lock:
            return dict(self._stats)

    def reset_stats(self) -> None:
        """Zero the counters."""
        with self._lock:
            self._stats = self._zero_stats()

    def _count_batch(self, items: int) -> None:
        with self._lock:
            self._stats["batch_items"] += items

    # ------------------------------------------------------------------ inspection

    def products(self) -> list[Doc]:
        """Every product and variation (WooCommerce JSON), by id."""
        docs, _ = self._store.find("products")
        return [self._render_any(d) for d in docs]

    def product(self, product_id: int) -> Doc:
        """One product or variation (KeyError if missing)."""
        doc = self._store.get("products", product_id)
        if doc is None:
            raise KeyError(product_id)
        return self._render_any(doc)

    def product_by_sku(self, sku: str) -> Doc | None:
        """The first (lowest id) product or variation with ``sku``."""
        docs, _ = self._store.find("products", ["sku = ?"], [sku], "id ASC", 1)
        return self._render_any(docs[0]) if docs else None

    def _render_any(self, doc: Doc) -> Doc:
        if doc["type"] == "variation":
            return self.objects.render_variation(doc)
        return self.objects.render_product(doc)

    def orders(self) -> list[Doc]:
        """Every order (WooCommerce JSON), by id."""
        docs, _ = self._store.find("orders")
        return [self.objects.render_order(d) for d in docs]

    def order(self, order_id: int) -> Doc:
        """One order (KeyError if missing)."""
        doc = self._store.get("orders", order_id)
        if doc is None:
            raise KeyError(order_id)
        return self.objects.render_order(doc)

    def notes(self, order_id: int) -> list[Doc]:
        """An order's notes, newest first."""
        return self.objects.notes_of(order_id)

    def add_refund(self, order_id: int, **params: Any) -> Doc:
        """Refund (part of) an order as the shop admin would, never moving money (``api_refund`` false).

        ``params`` are the REST fields: ``amount``, ``reason``, ``line_items``
        (``id``, ``quantity``, ``refund_total``, ``refund_tax``); a refusal raises ValueError.
        """
        try:
            doc = self.objects.create_refund(order_id, {"api_refund": False, **params})
        except WpError as err:
            raise ValueError(f"{err.code}: {err.message}") from err
        return self.objects.render_refund(doc)

    def refunds(self, order_id: int) -> list[Doc]:
        """An order's refunds (WooCommerce JSON), newest first."""
        doc = self._store.get("orders", order_id)
        return [self.objects.render_refund(r) for r in self.objects.refunds_of(doc)] if doc else []

    def customers(self) -> list[Doc]:
        """Every shop customer (WooCommerce JSON, role "customer"), by id; staff accounts are left out."""
        docs, _ = self._store.find("customers")
        return [self.objects.render_customer(d) for d in docs if d.get("role", "customer") == "customer"]

    def set_order_status(self, order_id: int, status: str) -> Doc:
        """Change an order's status as the shop admin would (bumps date_modified, sets date_paid …)."""
        return self.objects.render_order(self.objects.set_status(order_id, status))

    def add_order(self, lines: Sequence[tuple[str, int] | Mapping[str, Any]] = (), *, status: str = "processing",
                  customer_id: int = 0, **fields_: Any) -> Doc:
        """Create an order as the checkout would.

        ``lines`` are ``(sku, quantity)`` pairs or REST line items; other keyword
        arguments are REST order fields (``billing``, ``shipping_lines``,
        ``fee_lines``, ``coupon_lines``, ``currency``, ``payment_method`` …).
        Without ``billing`` the first catalogue person buys.
        """
        items = [{"sku": line[0], "quantity": line[1]} if isinstance(line, tuple) else dict(line) for line in lines]
        person = catalogue.people(self.seed, 50)[0]
        billing = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
                   "phone": person.phone, "address_1": person.street, "city": person.city,
                   "postcode": person.zip, "country": "CZ"}
        params = {"line_items": items, "status": status, "customer_id": customer_id, "billing": billing,
                  "payment_method": "bacs", "payment_method_title": "Bankovní převod",
                  "shipping_lines": [{"method_id": "flat_rate", "method_title": "Zásilkovna", "total": "65.29"}],
                  **fields_}
        try:
            doc = self.objects.create_order(params)
        except WpError as err:
            raise ValueError(f"{err.code}: {err.message}") from err
        doc["created_via"] = "checkout"
        self._store.put("orders", doc)
        return self.objects.render_order(doc)

    # ------------------------------------------------------------------ HTTP

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes, host: str = "") -> Response:
        """Answer one HTTP request (used by the socket server; handy in unit tests too)."""
        path, _, raw_query = target.partition("?")
        if path.startswith("/_emulator/"):
            return self._admin(method, path, body)
        self._count(method, path)
        faulted = self._apply_faults()
        if faulted is not None:
            return faulted
        pairs = parse_query(raw_query)
        query = php_parse_str(pairs)
        if path in ("/", "/index.php") and isinstance(query.get("rest_route"), str):
            path = "/wp-json" + query["rest_route"]
        if not path.startswith("/wp-json"):
            return Response(404, _NOT_FOUND_PAGE.encode(), content_type="text/html; charset=UTF-8")
        try:
            return self._rest(method, path, target, query, headers, body, host)
        except WpError as err:
            return error_response(err)
        except Exception as exc:  # an emulator bug: answer like a PHP fatal error, but say what broke
            return json_response({"code": "internal_server_error", "message": f"Emulator error: {exc!r}",
                                  "data": {"status": 500}, "additional_errors": []}, 500)

    def _rest(self, method: str, path: str, target: str, query: Doc, headers: Mapping[str, str], body: bytes,
              host: str) -> Response:
        content_type = (headers.get("Content-Type") or "").lower()
        form: Doc = {}
        json_body: Any = None
        if body and "application/x-www-form-urlencoded" in content_type:
            form = php_parse_str(parse_query(body.decode("utf-8", "replace")))
        elif body and "json" in content_type:
            try:
                json_body = json.loads(body)
            except ValueError as exc:
                raise WpError("rest_invalid_json", "Invalid JSON body passed.", 400,
                              json_error_code=4, json_error_message=str(exc)) from exc
        params = {**query, **form, **(json_body if isinstance(json_body, dict) else {})}
        req = Request(method, path, query, params, headers, bool(self.tls_cert), json_body)
        authenticated = False
        if path.startswith("/wp-json/wc/"):
            result = self._auth.authenticate(tls=req.tls, method=method, base_url=self._home(host) + urlsplit(target).path,
                                             query=query, form=form, headers=headers)
            if result.error:
                err = WpError(result.error.code, result.error.message, result.error.status)
                if result.error.basic:
                    err.headers.append(("WWW-Authenticate", 'Basic realm="WooCommerce API. Use a consumer key in the '
                                                            'username field and a consumer secret in the password field."'))
                raise err
            if result.read_only and method in _WRITES:
                raise WpError("woocommerce_rest_authentication_error",
                              "The API key provided does not have write permissions.", 401)
            authenticated = result.ok
        return self.api.dispatch(req, authenticated)

    def _home(self, host: str) -> str:
        """The site's home URL (as WordPress knows it); the Host header only when bound to all interfaces."""
        if self._server is not None and self._server.server_address[0] in ("0.0.0.0", "::") and host:  # noqa: S104
            return f"{'https' if self.tls_cert else 'http'}://{host}"
        return self.url

    def _count(self, method: str, path: str) -> None:
        with self._lock:
            self._stats["requests"] += 1
            if method in _WRITES and path.startswith("/wp-json/wc/v3"):
                self._stats["write_calls"] += 1
                if path.rstrip("/").endswith("/batch"):
                    self._stats["batch_calls"] += 1

    def _apply_faults(self) -> Response | None:
        """Hang, latency, then the first fault that applies (HTML page, 429, 500)."""
        with self._lock:
            f = self._faults
            hang, latency = f.hang, f.latency_ms
            answer: Response | None = None
            if f.html_page:
                answer = Response(200, _LOGIN_PAGE.encode(), content_type="text/html; charset=UTF-8")
            elif f.rate_limit > 0:
                f.rate_limit -= 1
                answer = json_response({"code": "too_many_requests", "message": "Too Many Requests",
                                        "data": {"status": 429}}, 429, [("Retry-After", str(f.retry_after))])
            elif f.server_error > 0:
                f.server_error -= 1
                answer = json_response({"code": "internal_server_error",
                                        "message": "<p>Na webu došlo k kritické chybě.</p>",
                                        "data": {"status": 500}, "additional_errors": []}, 500)
            if answer is not None:
                self._stats["faults_served"] += 1
        if hang and hang is not True:
            time.sleep(float(hang))
        elif hang is True:
            time.sleep(3600)
        if latency:
            time.sleep(latency / 1000)
        return answer

    def _admin(self, method: str, path: str, body: bytes) -> Response:
        """``/_emulator/…``: faults, stats, reset_stats, orders (add), orders/{id}/status, health."""
        try:
            data = json.loads(body) if body else {}
            return self._admin_route(method, path.rstrip("/"), data)
        except (TypeError, ValueError, KeyError) as exc:
            return json_response({"error": str(exc)}, 400)

    def _admin_route(self, method: str, path: str, data: Doc) -> Response:
        parts = path.split("/")[2:]
        if parts == ["health"]:
            return json_response({"ok": True, "url": self.url})
        if parts == ["faults"]:
            if method == "POST":
                self.set_faults(**data)
            elif method == "DELETE":
                self.clear_faults()
            return json_response(self.faults())
        if parts == ["faults", "clear"] and method == "POST":
            self.clear_faults()
            return json_response(self.faults())
        if parts == ["stats"]:
            return json_response(self.stats())
        if parts == ["reset_stats"] and method == "POST":
            self.reset_stats()
            return json_response(self.stats())
        if parts == ["orders"] and method == "POST":
            lines = [tuple(x) if isinstance(x, list) else x for x in data.pop("lines", [])]
            return json_response(self.add_order(lines, **data), 201)
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "status" and method == "POST":
            return json_response(self.set_order_status(int(parts[1]), data["status"]))
        return json_response({"error": f"unknown admin route {method} {path}"}, 404)

    def request_started(self) -> None:
        """Count a request in progress (for ``max_concurrent``); called by the socket handler."""
        with self._lock:
            self._active += 1
            self._stats["max_concurrent"] = max(self._stats["max_concurrent"], self._active)

    def request_finished(self) -> None:
        """The request counted by :meth:`request_started` has been answered."""
        with self._lock:
            self._active -= 1
