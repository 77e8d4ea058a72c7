"""WooCommerce REST API v3 connector (``/wp-json/wc/v3/``) with plain ``requests``.

Authentication is what WooCommerce's ``WC_REST_Authentication`` accepts:
over HTTPS the keys as HTTP Basic (or, when a server strips the
``Authorization`` header, as ``consumer_key``/``consumer_secret`` query
parameters); over plain HTTP OAuth 1.0a one-legged signing with
HMAC-SHA256, signed over the base URL and all query parameters exactly as
the server recomputes it (see :func:`oauth_signature`).

Every call goes through :class:`adapter.eshop._http.JsonHttp` (retries,
typed Czech errors) and every answer through :mod:`adapter.eshop._woo_map`
(typed records); the public methods are additionally guarded so that no
``KeyError``/``TypeError`` can escape, only ``EshopError``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import inspect
import itertools
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from adapter.errors import (
    EshopAuthError,
    EshopError,
    EshopForbidden,
    EshopNotFound,
    EshopRejected,
    EshopUnavailable,
)
from adapter.eshop import _woo_map as wmap
from adapter.eshop import woo_writeback
from adapter.eshop._http import Authorize, JsonHttp, PayloadTooLarge, encode_query
from adapter.eshop._json import JsonObject, as_list, bad_answer, checked, guard
from adapter.eshop.base import EshopConnection, EshopPartialFailure, TransferMark
from adapter.records import (
    Customer,
    NewCustomer,
    NewProduct,
    Order,
    Product,
    ShopInfo,
    StockUpdate,
    UpdateResult,
)

log = logging.getLogger(__name__)

API = "/wp-json/wc/v3"
PER_PAGE = 100
#: safety stop for paging (100 000 pages of 100 is more than any shop has)
MAX_PAGES = 100_000
#: a full-text order search looks at no more than this many hits for an exact number
SEARCH_LIMIT = 300
#: what :func:`adapter.eshop._woo_map.product` reads; listings ask for only these (WordPress ``_fields``),
#: so long descriptions, images and links of thousands of products never travel
PRODUCT_FIELDS = ",".join((
    "id", "name", "type", "status", "sku", "global_unique_id", "regular_price", "sale_price", "stock_quantity",
    "manage_stock", "tax_class", "date_modified_gmt", "meta_data", "attributes",
))

#: order statuses every WooCommerce has; a batch may set these without asking the shop first
CORE_ORDER_STATUSES = frozenset(
    {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"}
)
#: errors after which a many-order call stops sending (the shop is down or refuses the keys)
_STOPPERS = (EshopUnavailable, EshopAuthError)

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


# --------------------------------------------------------------------------- authentication


def _rfc3986(text: str) -> str:
    """PHP's ``rawurlencode`` (WooCommerce's ``wc_rest_urlencode_rfc3986``)."""
    return quote(text, safe="")


def oauth_signature(method: str, url: str, params: Sequence[tuple[str, str]], secret: str) -> str:
    """The HMAC-SHA256 OAuth 1.0a signature WooCommerce recomputes on its side.

    String to sign: ``METHOD&rawurlencode(url)&`` + the parameters sorted by
    key (``strcmp``), each ``rawurlencode(rawurlencode(k) "=" rawurlencode(v))``,
    joined by ``%26``; key: ``consumer_secret + "&"``. This is the server's
    ``check_oauth_signature``/``join_with_equals_sign``; the official Python
    client gives the same result except that it leaves ``/`` unencoded in
    values.
    """
    pairs = sorted(((k, v) for k, v in params if k != "oauth_signature"), key=lambda kv: kv[0].encode())
    query = "%26".join(_rfc3986(f"{_rfc3986(k)}={_rfc3986(v)}") for k, v in pairs)
    to_sign = f"{method.upper()}&{_rfc3986(url)}&{query}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def oauth_params(
    method: str,
    url: str,
    params: Sequence[tuple[str, str]],
    *,
    key: str,
    secret: str,
    timestamp: int,
    nonce: str,
) -> list[tuple[str, str]]:
    """``params`` plus the signed ``oauth_*`` parameters for a one-legged request."""
    signed = [
        *params,
        ("oauth_consumer_key", key),
        ("oauth_timestamp", str(timestamp)),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA256"),
    ]
    return [*signed, ("oauth_signature", oauth_signature(method, url, signed, secret))]


def make_authorizer(connection: EshopConnection, now: Callable[[], datetime]) -> Authorize:
    """The request signer WooCommerce expects for this URL scheme and settings."""
    key, secret = connection.consumer_key.strip(), connection.consumer_secret.strip()
    https = urlsplit(connection.url.strip()).scheme.lower() == "https"

    def basic(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        return (f"{url}?{encode_query(params)}" if params else url), {"Authorization": f"Basic {token}"}

    def query_string(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        return f"{url}?{encode_query([*params, ('consumer_key', key), ('consumer_secret', secret)])}", {}

    def oauth(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        signed = oauth_params(
            method,
            url,
            params,
            key=key,
            secret=secret,
            timestamp=int(now().timestamp()),
            nonce=secrets.token_hex(16),
        )
        return f"{url}?{encode_query(signed)}", {}

    if not https:
        return oauth
    return query_string if connection.query_string_auth else basic


def shop_base_url(url: str) -> str:
    """The shop URL as WordPress builds it (lower-case scheme/host, no default port, no trailing slash)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


# --------------------------------------------------------------------------- the wrapper (fava's _catch_any)


def _guarded(method: F) -> F:
    """Let only ``EshopError`` leave a public method, for plain and generator methods alike."""
    where = f"WooCommerce.{method.__name__}"
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            with guard(where):
                yield from method(*args, **kwargs)

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with guard(where):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _czech_date(day: date) -> str:
    return f"{day.day}. {day.month}. {day.year}"


# --------------------------------------------------------------------------- the connector


class WooCommerce:
    """The :class:`adapter.eshop.base.Eshop` implementation for WooCommerce REST v3."""

    platform = "woocommerce"
    label = "WooCommerce"
    #: WooCommerce's default ``woocommerce_rest_batch_items_limit``
    batch_size = 100
    orders_sorted = True

    def __init__(
        self,
        connection: EshopConnection,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.connection = connection
        #: starts at the configured size; halves when the shop answers 413
        self.batch_size = max(1, connection.batch_size)
        #: how many requests may be in flight at once (variations here, stock batches in the stock job)
        self.parallel_requests = max(1, connection.parallel_requests)
        self.base_url = shop_base_url(connection.url)
        #: order statuses known to exist in this shop (the core ones, plus any the shop confirmed)
        self._known_statuses: set[str] = set(CORE_ORDER_STATUSES)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._http = JsonHttp(
            self.base_url,
            authorize=make_authorizer(connection, now),
            secrets=(connection.consumer_key.strip(), connection.consumer_secret.strip()),
            verify=connection.tls_verify,
            timeout=(connection.timeout_connect, connection.timeout_read),
            attempts=connection.attempts,
            backoff=connection.backoff,
            backoff_max=connection.backoff_max,
            retry_after_max=connection.retry_after_max,
            user_agent=connection.user_agent,
            sleep=sleep,
            now=now,
        )

    def __repr__(self) -> str:
        return f"WooCommerce({self.base_url!r})"

    def close(self) -> None:
        """Release the HTTP connections (and the marking threads)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()

    def _marks_pool(self) -> ThreadPoolExecutor:
        """The threads that send many orders' calls at once; kept for the connector's life, so their
        sessions (one per thread) and kept-alive connections serve every batch, not just one."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.parallel_requests, thread_name_prefix="woo-marks")
            return self._pool

    def __enter__(self) -> WooCommerce:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def _get(self, path: str, params: Sequence[tuple[str, str]] = ()) -> object:
        return self._http.call("GET", API + path, params=params).data

    def _page(self, path: str, params: Sequence[tuple[str, str]], page: int) -> tuple[list[JsonObject], int | None]:
        """One page of a list endpoint and the ``X-WP-TotalPages`` it announced."""
        answer = self._http.call(
            "GET", API + path, params=[*params, ("per_page", str(PER_PAGE)), ("page", str(page))]
        )
        return as_list(answer.data, f"{path} (strana {page})"), answer.header_int("x-wp-totalpages")

    def _pages(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Iterator[JsonObject]:
        """Every object of a list endpoint, page by page (``X-WP-TotalPages``)."""
        for items in self._page_lists(path, params):
            yield from items

    def _page_lists(
        self, path: str, params: Sequence[tuple[str, str]], pool: ThreadPoolExecutor | None = None,
        depth: int = 2,
    ) -> Iterator[list[JsonObject]]:
        """The pages of a list endpoint in order; with ``pool`` up to ``depth`` next pages are read ahead.

        Paging stops at ``X-WP-TotalPages``, at an empty page, or (no such
        header) at a short page — the same pages are used with or without
        ``pool`` (a page read ahead past an early stop is dropped).
        """
        ahead: dict[int, Future[tuple[list[JsonObject], int | None]]] = {}
        try:
            for page in range(1, MAX_PAGES + 1):
                future = ahead.pop(page, None)
                items, total_pages = future.result() if future is not None else self._page(path, params, page)
                if not items or (total_pages is not None and page >= total_pages):
                    yield items
                    return
                if total_pages is None and len(items) < PER_PAGE:
                    yield items
                    return
                if pool is not None and total_pages is not None:
                    for later in range(page + 1, min(page + depth, total_pages) + 1):
                        if later not in ahead:
                            ahead[later] = pool.submit(self._page, path, params, later)
                yield items
        finally:
            for future in ahead.values():
                future.cancel()

    def _batch(self, path: str, op: str, payloads: Sequence[dict[str, object]]) -> list[JsonObject | str]:
        """Send ``payloads`` as batch ``op`` in chunks; per payload the stored object or the shop's reason.

        A 413 (batch limit lower than ours) halves the chunk and retries it;
        the smaller size is kept for the rest of this connector's life.
        A refusal of a whole chunk marks all its items failed.
        """
        results: list[JsonObject | str] = []
        start = 0
        while start < len(payloads):
            chunk = list(payloads[start : start + self.batch_size])
            try:
                answer = self._http.call("POST", API + path, body={op: chunk}, idempotent=op == "update")
            except PayloadTooLarge as exc:
                if len(chunk) == 1:
                    results.append(exc.message)
                    start += 1
                    continue
                self.batch_size = max(1, len(chunk) // 2)
                log.info(
                    "WooCommerce: dávka %d položek je příliš velká, zkouším %d", len(chunk), self.batch_size
                )
                continue
            except EshopRejected as exc:
                results.extend([exc.message] * len(chunk))
                start += len(chunk)
                continue
            results.extend(self._batch_items(answer.data, op, path, len(chunk)))
            start += len(chunk)
        return results

    @staticmethod
    def _batch_items(data: object, op: str, path: str, expected: int) -> list[JsonObject | str]:
        """The per-item outcomes of one batch answer; an item with ``error`` becomes its message."""
        items = JsonObject(data, f"{path} › odpověď").children(op)
        if len(items) != expected:
            raise bad_answer(f"{path} › {op}", f"očekáváno {expected} výsledků, přišlo {len(items)}")
        outcomes: list[JsonObject | str] = []
        for item in items:
            if item.has("error"):
                error = item.child("error")
                outcomes.append(error.text("message") or error.text("code") or "neznámá chyba")
            else:
                outcomes.append(item)
        return outcomes

    # ------------------------------------------------------------------ shop

    @_guarded
    def info(self) -> ShopInfo:
        """Name from the WordPress index, product count from ``X-WP-Total``, currency from settings."""
        index = JsonObject(self._http.call("GET", "/wp-json/", anonymous=True).data, "/wp-json/")
        counted = self._http.call("GET", API + "/products", params=[("per_page", "1"), ("status", "any")])
        total = counted.header_int("x-wp-total")
        if total is None:
            total = len(as_list(counted.data, "/products"))
        general = self._settings("general")
        tax = self._settings("tax")
        return ShopInfo(
            name=index.text("name"),
            url=index.text("home") or index.text("url") or self.base_url,
            product_count=total,
            currency=general.get("woocommerce_currency", ""),
            prices_include_tax=tax.get("woocommerce_prices_include_tax", "yes") == "yes",
        )

    def _settings(self, group: str) -> dict[str, str]:
        """A settings group as id → value; empty when the key may not read settings."""
        try:
            data = self._get(f"/settings/{group}")
        except (EshopForbidden, EshopNotFound, EshopRejected):
            return {}
        return {s.text("id"): s.text("value") for s in as_list(data, f"/settings/{group}") if s.has("id")}

    # ------------------------------------------------------------------ products

    @_guarded
    def iter_products(self) -> Iterator[Product]:
        """Every product of any status; a variable product is followed by its variations.

        With ``parallel_requests`` > 1 the variations of a page's variable
        products and the next page are read at the same time (at most that
        many requests in flight); the order of what is yielded is the same.
        """
        params = [("status", "any"), ("orderby", "id"), ("order", "asc"), ("_fields", PRODUCT_FIELDS)]
        if self.parallel_requests <= 1:
            for obj in self._pages("/products", params):
                parent = checked(obj.where, wmap.product, obj.data)
                yield parent
                if parent.kind == "variable":
                    yield from self._variations(parent)
            return
        pool = ThreadPoolExecutor(self.parallel_requests, thread_name_prefix="woo-products")
        try:
            for items in self._page_lists("/products", params, pool):
                parents = [checked(obj.where, wmap.product, obj.data) for obj in items]
                variations = {p.id: pool.submit(self._variations, p) for p in parents if p.kind == "variable"}
                for parent in parents:
                    yield parent
                    if parent.kind == "variable":
                        yield from variations.pop(parent.id).result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _variations(self, parent: Product) -> list[Product]:
        """The variations of a variable product, in id order."""
        out = []
        params = [("orderby", "id"), ("order", "asc"), ("_fields", PRODUCT_FIELDS)]
        for var in self._pages(f"/products/{parent.id}/variations", params):
            with guard(var.where):
                out.append(wmap.product(var, parent=parent))
        return out

    @_guarded
    def update_stock(self, updates: Sequence[StockUpdate]) -> list[UpdateResult]:
        """Batch-update quantities/prices, grouped by parent (products vs. each product's variations)."""
        groups: dict[int | None, list[int]] = {}
        for index, update in enumerate(updates):
            groups.setdefault(update.parent_id, []).append(index)
        results: list[UpdateResult | None] = [None] * len(updates)
        for parent_id, indexes in groups.items():
            path = "/products/batch" if parent_id is None else f"/products/{parent_id}/variations/batch"
            outcomes = self._batch(path, "update", [wmap.stock_payload(updates[i]) for i in indexes])
            for i, outcome in zip(indexes, outcomes, strict=True):
                ok = isinstance(outcome, JsonObject)
                results[i] = UpdateResult(updates[i].product_id, ok, "" if ok else str(outcome))
        done = [r for r in results if r is not None]
        log.info("WooCommerce: sklad/ceny %d položek, chyb %d", len(done), sum(not r.ok for r in done))
        return done

    @_guarded
    def create_products(self, products: Sequence[NewProduct]) -> list[Product]:
        """Create simple products in one batch per ``batch_size``; refusals raise ``EshopPartialFailure``."""
        status = self.connection.new_product_status
        payloads = [wmap.new_product_payload(p, status=status) for p in products]
        created: list[Product] = []
        failures: dict[str, str] = {}
        for index, (new, outcome) in enumerate(
            zip(products, self._batch("/products/batch", "create", payloads), strict=True)
        ):
            if isinstance(outcome, JsonObject):
                created.append(checked(outcome.where, wmap.product, outcome.data))
            else:
                failures[new.sku or f"#{index + 1}"] = outcome
        if failures:
            raise EshopPartialFailure(created, failures)
        return created

    # ------------------------------------------------------------------ orders

    def _order(self, obj: JsonObject) -> Order:
        return checked(f"objednávka {obj.raw('id')}", wmap.order, obj.data)

    def _ready_for_transfer(self, order: Order) -> bool:
        key = self.connection.transfer_meta_key
        if key:
            return wmap.truthy(order.meta_value(key))
        return order.status in self.connection.transfer_statuses

    @_guarded
    def iter_orders_for_transfer(self, *, since: datetime | None) -> Iterator[Order]:
        """Orders marked for transfer (status, or meta flag with any status), modified since ``since`` − overlap."""
        params = [("orderby", "modified"), ("order", "asc"), ("dates_are_gmt", "true")]
        if self.connection.transfer_meta_key:
            params.append(("status", "any"))
        else:
            params.append(("status", ",".join(self.connection.transfer_statuses)))
        after = since - timedelta(seconds=self.connection.order_overlap_seconds) if since else None
        if after is not None:
            params.append(("modified_after", wmap.wc_time(after)))
        seen: set[int] = set()
        for obj in self._pages("/orders", params):
            order = self._order(obj)
            if order.id in seen or (after is not None and order.modified < after.replace(microsecond=0)):
                continue  # an order modified while paging shows twice; old stores ignore modified_after
            seen.add(order.id)
            if self._ready_for_transfer(order):
                yield order

    @_guarded
    def get_order(self, order_id: int) -> Order:
        """One order in full detail; a missing one raises ``EshopObjectNotFound``."""
        return self._order(JsonObject(self._get(f"/orders/{int(order_id)}"), f"objednávka {order_id}"))

    @_guarded
    def find_orders(self, numbers: Sequence[str]) -> dict[str, Order]:
        """Orders by number: numeric ones fetched by id (``include``), the rest (or misses) by ``search``."""
        wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
        found: dict[str, Order] = {}
        numeric = [n for n in wanted if n.isdigit() and len(n) < 16]
        for start in range(0, len(numeric), PER_PAGE):
            ids = ",".join(numeric[start : start + PER_PAGE])
            for obj in self._pages("/orders", [("include", ids), ("status", "any")]):
                order = self._order(obj)
                if order.number in wanted:
                    found.setdefault(order.number, order)
        for number in wanted:
            if number in found:
                continue
            search = self._pages("/orders", [("search", number), ("status", "any")])
            for obj in itertools.islice(search, SEARCH_LIMIT):
                order = self._order(obj)
                if order.number == number:
                    found[number] = order
                    break
        return found

    def _put_order(self, order_id: int, body: dict[str, object]) -> Order:
        data = self._http.call("PUT", f"{API}/orders/{int(order_id)}", body=body).data
        return self._order(JsonObject(data, f"objednávka {order_id}"))

    def _add_note(self, order_id: int, note: str) -> None:
        body = {"note": note, "customer_note": False}
        self._http.call("POST", f"{API}/orders/{int(order_id)}/notes", body=body)

    def _ensure_note(self, order_id: int, note: str, marker: str) -> None:
        """Add ``note`` unless a note mentioning ``marker`` is there already.

        The order update and its note are two requests; when the second one
        failed (or the process died between them) the order already carries
        the meta, and this puts the missing note back without doubling it.
        """
        notes = self._get(f"/orders/{int(order_id)}/notes")
        if isinstance(notes, list) and any(
            isinstance(n, dict) and marker in str(n.get("note", "")) for n in notes
        ):
            return
        self._add_note(order_id, note)

    @_guarded
    def mark_transferred(
        self, order_id: int, *, pohoda_number: str, note: str, status: str | None = None
    ) -> None:
        """Store the POHODA number in order meta, add a private note, optionally set a status.

        ``status`` None uses the connection's ``transferred_status`` ("" leaves
        the status). An order already carrying this number (and status) is
        left alone, so a repeated call adds no second note.
        """
        target = self.connection.transferred_status if status is None else status
        key = self.connection.pohoda_number_meta_key
        text = note or f"Přeneseno do POHODY jako objednávka {pohoda_number}."
        current = self.get_order(order_id)
        if current.meta_value(key) == pohoda_number and (not target or current.status == target):
            self._ensure_note(order_id, text, pohoda_number)
            return
        body: dict[str, object] = {"meta_data": [{"key": key, "value": pohoda_number}]}
        if target:
            body["status"] = target
        self._put_order(order_id, body)
        self._add_note(order_id, text)

    @_guarded
    def mark_transferred_many(self, marks: Sequence[TransferMark]) -> dict[int, str]:
        """Mark orders like :meth:`mark_transferred` with one batch call per ``batch_size`` orders.

        Per order: read it unless ``current`` is given; one already carrying
        the number (and target status) only gets its note ensured; the others
        get meta (and status) by ``POST /orders/batch``, then their note (meta
        first, so a retry after a crash only ensures the note). Reads and notes
        run ``parallel_requests`` at a time. Returns order id → "" or the Czech
        reason; nothing raises for one order. After the shop turns out to be
        down or to refuse the keys, the remaining orders get that reason
        without further requests. A repeated order id is marked once.
        """
        unique: dict[int, TransferMark] = {}
        for mark in marks:
            unique.setdefault(int(mark.order_id), mark)
        answers: dict[int, str] = {}
        stop: list[str] = []
        pool = self._marks_pool() if self.parallel_requests > 1 and len(unique) > 1 else None
        currents = {oid: m.current for oid, m in unique.items() if m.current is not None}
        to_read = [oid for oid in unique if oid not in currents]
        reads = self._each(pool, stop, [(oid, functools.partial(self.get_order, oid)) for oid in to_read])
        for oid, (order, reason) in zip(to_read, reads, strict=True):
            if order is None:
                answers[oid] = reason
            else:
                currents[oid] = order
        key = self.connection.pohoda_number_meta_key
        status_problems: dict[str, str] = {}
        pending: list[tuple[int, dict[str, object], str, str]] = []  # id, payload, target, note
        notes: list[tuple[int, Callable[[], None]]] = []
        for oid, mark in unique.items():
            if oid in answers:
                continue
            current = currents[oid]
            target = self.connection.transferred_status if mark.status is None else mark.status
            text = mark.note or f"Přeneseno do POHODY jako objednávka {mark.pohoda_number}."
            if current.meta_value(key) == mark.pohoda_number and (not target or current.status == target):
                notes.append((oid, functools.partial(self._ensure_note, oid, text, mark.pohoda_number)))
                continue
            if target:
                if target not in status_problems:
                    check = functools.partial(self._check_status, target)
                    status_problems[target] = self._attempt(f"stav {target}", stop, check)[1]
                if status_problems[target]:
                    answers[oid] = status_problems[target]
                    continue
            meta = [{"key": key, "value": mark.pohoda_number}]
            payload: dict[str, object] = {"id": oid, "meta_data": meta}
            if target:
                payload["status"] = target
            pending.append((oid, payload, target, text))
        start = 0
        while start < len(pending):
            chunk = pending[start : start + self.batch_size]
            start += len(chunk)
            outcomes, reason = self._attempt(
                f"dávka objednávek {chunk[0][0]}…", stop,
                functools.partial(self._batch, "/orders/batch", "update", [item[1] for item in chunk]),
            )
            if outcomes is None:
                answers.update((item[0], reason) for item in chunk)
                continue
            for (oid, _, target, text), outcome in zip(chunk, outcomes, strict=True):
                problem = self._batch_mark_problem(outcome, target)
                if problem:
                    answers[oid] = problem
                else:
                    notes.append((oid, functools.partial(self._add_note, oid, text)))
        for (oid, _), (_, reason) in zip(notes, self._each(pool, stop, notes), strict=True):
            answers[oid] = reason
        failed = sum(bool(answers.get(oid, "")) for oid in unique)
        log.info("WooCommerce: označení %d objednávek jako přenesených, chyb %d", len(unique), failed)
        return {int(m.order_id): answers.get(int(m.order_id), "") for m in marks}

    @staticmethod
    def _attempt(what: str, stop: list[str], action: Callable[[], R]) -> tuple[R | None, str]:
        """Run one step of a many-order call: (result, "") or (None, the Czech reason); nothing escapes.

        ``stop`` holds the reason once the shop is down or refuses the keys;
        later steps then answer with it and send nothing.
        """
        if stop:
            return None, stop[0]
        try:
            return action(), ""
        except EshopError as exc:
            if isinstance(exc, _STOPPERS):
                stop.append(exc.message)
            return None, exc.message
        except Exception as exc:  # one order's surprise must not lose the answers of the others
            log.exception("WooCommerce: %s — neočekávaná chyba", what)
            return None, f"neočekávaná chyba ({type(exc).__name__})"

    def _each(
        self, pool: ThreadPoolExecutor | None, stop: list[str], jobs: Sequence[tuple[int, Callable[[], R]]]
    ) -> list[tuple[R | None, str]]:
        """:meth:`_attempt` for each (order id, action), on ``pool`` when given; results in order."""

        def one(job: tuple[int, Callable[[], R]]) -> tuple[R | None, str]:
            return self._attempt(f"objednávka {job[0]}", stop, job[1])

        if pool is None:
            return [one(job) for job in jobs]
        return list(pool.map(one, jobs))

    def _check_status(self, status: str) -> None:
        """Make sure the shop knows order status ``status`` before a batch sets it.

        A batch does not validate its items: WooCommerce turns a status it
        does not know into "pending" without a word (``set_status``), where a
        single update refuses it. A status beyond the core ones is asked about
        once per connector: the orders list validates ``status`` against every
        registered status. Raises ``EshopRejected`` (Czech) for an unknown one.
        """
        if status in self._known_statuses:
            return
        unknown = EshopRejected(
            f"E-shop nezná stav objednávky „{status}“. Opravte stav po přenosu v Nastavení na stav, "
            "který e-shop používá (např. completed nebo processing).",
            detail=f"status={status!r}",
        )
        if not re.fullmatch(r"[a-z0-9_-]{1,20}", status):
            raise unknown
        try:
            params = [("status", status), ("per_page", "1"), ("_fields", "id")]
            self._http.call("GET", API + "/orders", params=params)
        except EshopRejected as exc:
            raise unknown from exc
        self._known_statuses.add(status)

    @staticmethod
    def _batch_mark_problem(outcome: JsonObject | str, target: str) -> str:
        """"" when a batch item stored the order as asked, else the Czech reason."""
        if isinstance(outcome, str):
            return f"E-shop změnu objednávky odmítl: {outcome}"
        if target:
            got = outcome.raw("status")
            if got != target:
                return f"E-shop nastavil objednávce stav „{str(got)[:40]}“ místo „{target}“."
        return ""

    @_guarded
    def mark_paid(self, order_id: int, *, invoice_number: str, paid_on: date) -> str:
        """Mark an order paid per POHODA; return its resulting status.

        An order still awaiting payment (``awaiting_payment_statuses``) moves to
        ``paid_status`` and WooCommerce records ``date_paid`` itself (the REST
        API cannot write it, and ``set_paid`` does nothing for on-hold); an
        order past that keeps its status. The invoice number and paid date
        are stored as meta and a private note is added. Repeating the call
        with the same invoice and date changes nothing.
        """
        conn = self.connection
        current = self.get_order(order_id)
        paid_text = paid_on.isoformat()
        note = f"Zaplaceno dle POHODA, faktura {invoice_number}, datum {_czech_date(paid_on)}"
        if (
            current.meta_value(conn.invoice_number_meta_key) == invoice_number
            and current.meta_value(conn.paid_date_meta_key) == paid_text
            and current.status not in conn.awaiting_payment_statuses
        ):
            self._ensure_note(order_id, note, f"faktura {invoice_number},")
            return current.status
        body: dict[str, object] = {
            "meta_data": [
                {"key": conn.invoice_number_meta_key, "value": invoice_number},
                {"key": conn.paid_date_meta_key, "value": paid_text},
            ]
        }
        if current.status in conn.awaiting_payment_statuses:
            body["status"] = conn.paid_status
        updated = self._put_order(order_id, body)
        self._add_note(order_id, note)
        return updated.status

    @_guarded
    def write_back(self, order_id: int, *, status: str = "", meta: Mapping[str, str] | None = None, note: str = "",
                   customer_note: bool = False) -> str:
        """Write POHODA's news onto an order (see :mod:`adapter.eshop.woo_writeback`); returns its status."""
        return woo_writeback.write_back(self, order_id, status=status, meta=meta or {}, note=note,
                                        customer_note=customer_note)

    # ------------------------------------------------------------------ customers

    def _customer(self, data: object, where: str) -> Customer:
        return checked(where, wmap.customer, data)

    @_guarded
    def iter_customers(self, *, since: datetime | None = None) -> Iterator[Customer]:
        """All registered users (``role=all``); ``since`` filters client-side by ``date_modified_gmt``.

        WordPress users are not posts, so ``modified_after`` is not reliable
        for them; a customer without a modification date is always yielded.
        """
        for obj in self._pages("/customers", [("role", "all"), ("orderby", "id"), ("order", "asc")]):
            found = self._customer(obj.data, obj.where)
            if since is None or found.modified is None or found.modified >= since:
                yield found

    @_guarded
    def find_customer(self, email: str) -> Customer | None:
        """The customer with this e-mail (compared case-insensitively), or None."""
        wanted = email.strip().casefold()
        if not wanted:
            return None
        for obj in self._pages("/customers", [("email", email.strip()), ("role", "all")]):
            found = self._customer(obj.data, obj.where)
            if found.email.strip().casefold() == wanted:
                return found
        return None

    def _customer_body(self, customer: NewCustomer) -> dict[str, object]:
        conn = self.connection
        return wmap.customer_payload(
            customer, ico_key=conn.customer_ico_meta_key, dic_key=conn.customer_dic_meta_key
        )

    @_guarded
    def create_customer(self, customer: NewCustomer) -> Customer:
        """Create a customer with e-mail, names and addresses only.

        No username or password is sent: WooCommerce generates the username,
        and the password when "generate password" is on in its account
        settings; otherwise it refuses ("Please enter an account password"),
        which surfaces as ``EshopRejected`` with its message.
        """
        data = self._http.call("POST", f"{API}/customers", body=self._customer_body(customer)).data
        return self._customer(data, "nový zákazník")

    @_guarded
    def update_customer(self, customer_id: int, customer: NewCustomer) -> Customer:
        """Overwrite a customer's e-mail, names and (non-empty) addresses."""
        data = self._http.call(
            "PUT", f"{API}/customers/{int(customer_id)}", body=self._customer_body(customer)
        ).data
        return self._customer(data, f"zákazník {customer_id}")
