"""The plumbing of the WooCommerce connector: HTTP set-up, paging, batches, order notes.

Every call goes through :class:`adapter.eshop._http.JsonHttp` (retries,
typed Czech errors); :class:`WooApi` holds it and the few shop facts learnt
on the way (a smaller batch limit, order statuses the shop confirmed). The
public, guarded methods are in :mod:`adapter.eshop.woocommerce.connector`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Self

from adapter.czech import shop_error
from adapter.errors import EshopForbidden, EshopNotFound, EshopRejected
from adapter.eshop._http import JsonHttp, PayloadTooLarge
from adapter.eshop._json import JsonObject, as_list, bad_answer, checked
from adapter.eshop.base import EshopConnection
from adapter.eshop.woocommerce import mapping as wmap
from adapter.eshop.woocommerce.auth import make_authorizer, shop_base_url
from adapter.records import Order

log = logging.getLogger("adapter.eshop.woocommerce")

API = "/wp-json/wc/v3"
PER_PAGE = 100
#: safety stop for paging (100 000 pages of 100 is more than any shop has)
MAX_PAGES = 100_000
#: order statuses every WooCommerce has; a batch may set these without asking the shop first
CORE_ORDER_STATUSES = frozenset(
    {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"}
)


def _item_fields(op: str, count: int, fields: Sequence[str]) -> str:
    """The ``_fields`` value keeping ``fields`` of each of ``count`` items of a batch answer."""
    return ",".join(f"{op}.{n}.{name}" for n in range(count) for name in fields)


class WooApi:
    """A WooCommerce REST v3 session: the requests, not yet the :class:`adapter.eshop.base.Eshop` methods."""

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
        self.parallel_requests = max(1, connection.shop.parallel_requests)
        self.base_url = shop_base_url(connection.shop.url)
        #: order statuses known to exist in this shop (the core ones, plus any the shop confirmed)
        self._known_statuses: set[str] = set(CORE_ORDER_STATUSES)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._http = JsonHttp(
            self.base_url,
            authorize=make_authorizer(connection.shop, now),
            secrets=(connection.shop.consumer_key.strip(), connection.shop.consumer_secret.strip()),
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
        return f"{type(self).__name__}({self.base_url!r})"

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

    def __enter__(self) -> Self:
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

    def _batch(
        self, path: str, op: str, payloads: Sequence[dict[str, object]], fields: Sequence[str] = ()
    ) -> list[JsonObject | str]:
        """Send ``payloads`` as batch ``op`` in chunks; per payload the stored object or the shop's reason.

        ``fields`` (e.g. ``id``, ``error``) keeps only those keys of each answered
        item (WordPress ``_fields``; a batch answer's items are addressed by
        position, ``update.0.id``), so the shop does not send the whole stored
        objects back when the caller reads only the outcome.

        A 413 (batch limit lower than ours) halves the chunk and retries it;
        the smaller size is kept for the rest of this connector's life.
        A refusal of a whole chunk marks all its items failed.
        """
        results: list[JsonObject | str] = []
        start = 0
        while start < len(payloads):
            chunk = list(payloads[start : start + self.batch_size])
            params = [("_fields", _item_fields(op, len(chunk), fields))] if fields else []
            try:
                answer = self._http.call(
                    "POST", API + path, params=params, body={op: chunk}, idempotent=op == "update"
                )
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
                outcomes.append(shop_error(error.text("message") or error.text("code") or "neznámá chyba"))
            else:
                outcomes.append(item)
        return outcomes

    # ------------------------------------------------------------------ shop

    def reach(self) -> None:
        """One light signed request: the shop answers and takes the keys (a run's check that it reached the shop).

        :meth:`info` is for the connection test: four requests, one of them the
        WordPress index (every route of every plugin, often a megabyte), which
        cost a run that never needed the shop otherwise 2–3 s.
        """
        self._http.call("GET", API + "/products", params=[("per_page", "1"), ("_fields", "id")])

    def _settings(self, group: str) -> dict[str, str]:
        """A settings group as id → value; empty when the key may not read settings."""
        try:
            data = self._get(f"/settings/{group}")
        except (EshopForbidden, EshopNotFound, EshopRejected):
            return {}
        return {s.text("id"): s.text("value") for s in as_list(data, f"/settings/{group}") if s.has("id")}

    # ------------------------------------------------------------------ orders

    def _order(self, obj: JsonObject) -> Order:
        return checked(f"objednávka {obj.raw('id')}", wmap.order, obj.data)

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

