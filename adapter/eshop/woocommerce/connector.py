"""WooCommerce REST API v3 connector (``/wp-json/wc/v3/``) with plain ``requests``.

Every call goes through :class:`adapter.eshop._http.JsonHttp` (retries,
typed Czech errors, see :mod:`adapter.eshop.woocommerce.api`) and every
answer through :mod:`adapter.eshop.woocommerce.mapping` (typed records); the
public methods are additionally guarded so that no ``KeyError``/``TypeError``
can escape, only ``EshopError``. Signing is in
:mod:`adapter.eshop.woocommerce.auth`, marking many orders in
:mod:`adapter.eshop.woocommerce.marks`.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from adapter.errors import EshopNotFound
from adapter.eshop._json import JsonObject, as_list, checked, guard
from adapter.eshop.base import EshopObjectNotFound, EshopPartialFailure, TransferMark, ready_for_transfer
from adapter.eshop.refunds import OrderChange, ShopRefund
from adapter.eshop.woocommerce import mapping as wmap
from adapter.eshop.woocommerce import writeback
from adapter.eshop.woocommerce.api import API, PER_PAGE, log
from adapter.eshop.woocommerce.catalogue_values import CatalogueValues
from adapter.eshop.woocommerce.marks import Marking, transfer_note
from adapter.eshop.woocommerce.refunds import read_order_changes, read_refunds
from adapter.records import (
    Customer,
    NewCustomer,
    NewProduct,
    Order,
    Product,
    ShopInfo,
    StockUpdate,
    UpdateResult,
    truthy,
)
from adapter.shop_plugin import STATUS_PATH, transferred_meta

#: a full-text order search looks at no more than this many hits for an exact number
SEARCH_LIMIT = 300
#: what :func:`adapter.eshop.woocommerce.mapping.product` reads; listings ask for only these (WordPress
#: ``_fields``), so long descriptions, images and links of thousands of products never travel
PRODUCT_FIELDS = ",".join((
    "id", "name", "type", "status", "sku", "global_unique_id", "regular_price", "sale_price", "stock_quantity",
    "manage_stock", "tax_class", "date_modified_gmt", "meta_data", "attributes",
))

#: what the stock run's drift check reads of a product the shop changed (values, not descriptions)
CHANGED_FIELDS = "id,type,sku,regular_price,sale_price,stock_quantity,manage_stock"

F = TypeVar("F", bound=Callable[..., Any])


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


class WooCommerce(CatalogueValues):
    """The :class:`adapter.eshop.base.Eshop` implementation for WooCommerce REST v3."""

    platform = "woocommerce"
    label = "WooCommerce"
    #: WooCommerce's default ``woocommerce_rest_batch_items_limit``
    batch_size = 100
    orders_sorted = True

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

    @_guarded
    def check_write(self) -> None:
        """Prove the key may write, with a call that changes nothing: an empty products batch.

        WooCommerce answers 200 ``[]`` to a read/write key and 401 "The API key provided
        does not have write permissions." to a read-only one (raised as ``EshopForbidden``).
        """
        self._http.call("POST", API + "/products/batch", body={})

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

    @_guarded
    def iter_products_changed(self, *, since: datetime) -> Iterator[Product]:
        """Products the shop modified after ``since``, a variable one followed by its variations.

        The shop lowers stock itself (orders, paid marking) and saves the product then, which moves
        its ``date_modified`` (a variation's parent too): the stock job compares these with POHODA.
        Only the values the stock job compares are asked for (:data:`CHANGED_FIELDS`: no names), and
        of a variable product only the variations modified after ``since`` (a variation sold moves its
        own date; the parent's date moves with every variation written, so it cannot tell which).
        """
        after = wmap.wc_time(since)
        params = [("status", "any"), ("orderby", "id"), ("order", "asc"), ("modified_after", after),
                  ("dates_are_gmt", "true"), ("_fields", CHANGED_FIELDS)]
        changed = [("modified_after", after), ("dates_are_gmt", "true")]
        for obj in self._pages("/products", params):
            parent = checked(obj.where, wmap.product, obj.data)
            yield parent
            if parent.kind == "variable":
                yield from self._variations(parent, changed, fields=CHANGED_FIELDS)

    def _variations(self, parent: Product, where: Sequence[tuple[str, str]] = (), *,
                    fields: str = PRODUCT_FIELDS) -> list[Product]:
        """The variations of a variable product (those matching ``where``, e.g. ``modified_after``), in id order."""
        out = []
        params = [("orderby", "id"), ("order", "asc"), *where, ("_fields", fields)]
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
            payloads = [wmap.stock_payload(updates[i]) for i in indexes]
            outcomes = self._batch(path, "update", payloads, fields=("id", "error"))
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

    @_guarded
    def iter_orders_for_transfer(self, *, since: datetime | None) -> Iterator[Order]:
        """Orders marked for transfer (status, or meta flag with any status), modified since ``since`` − overlap."""
        rules = self.connection.orders
        params = [("orderby", "modified"), ("order", "asc"), ("dates_are_gmt", "true")]
        if rules.transfer_meta_key:
            params.append(("status", "any"))
        else:
            params.append(("status", ",".join(rules.transfer_statuses)))
        after = since - timedelta(seconds=self.connection.order_overlap_seconds) if since else None
        if after is not None and rules.transfer_meta_key:
            yield from self._flagged_orders(after)
            return
        if after is not None:
            params.append(("modified_after", wmap.wc_time(after)))
        seen: set[int] = set()
        for obj in self._pages("/orders", params):
            order = self._order(obj)
            if order.id in seen or (after is not None and order.modified < after.replace(microsecond=0)):
                continue  # an order modified while paging shows twice; old stores ignore modified_after
            seen.add(order.id)
            if ready_for_transfer(order, rules):
                yield order

    def _flagged_orders(self, after: datetime) -> Iterator[Order]:
        """Orders flagged by ``transfer_meta_key`` and not yet marked transferred, or changed since ``after``.

        WooCommerce's legacy posts storage does not move ``date_modified`` when only meta changes, so a
        flag set after the last run hides from ``modified_after``: scan every order's id, modification
        time and meta (a light page of 100), then read the candidates in full, in modification order.
        """
        rules, number_key = self.connection.orders, self.connection.pohoda_number_meta_key
        stamp = wmap.wc_time(after)
        scan = [("orderby", "id"), ("order", "asc"), ("status", "any"), ("_fields", "id,date_modified_gmt,meta_data")]
        wanted: list[str] = []
        for obj in self._pages("/orders", scan):
            meta = dict(wmap.meta_pairs(obj))
            changed = obj.text("date_modified_gmt") >= stamp
            if truthy(meta.get(rules.transfer_meta_key)) and (changed or not meta.get(number_key)):
                wanted.append(str(obj.raw("id")))
        found: dict[int, Order] = {}
        for start in range(0, len(wanted), PER_PAGE):
            ids = ",".join(wanted[start : start + PER_PAGE])
            for obj in self._pages("/orders", [("include", ids), ("status", "any")]):
                order = self._order(obj)
                found[order.id] = order
        ordered = sorted(found.values(), key=lambda order: (order.modified, order.id))
        yield from (order for order in ordered if ready_for_transfer(order, rules))

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

    def mark_transferred(
        self, order_id: int, *, pohoda_number: str, note: str, status: str | None = None
    ) -> None:
        """Store the POHODA number in order meta, add a private note, optionally set a status.

        ``status`` None uses the connection's ``transferred_status`` ("" leaves
        the status). An order already carrying this number (and status) is
        left alone, so a repeated call adds no second note.
        """
        target = self.connection.orders.transferred_status if status is None else status
        key = self.connection.pohoda_number_meta_key
        text = transfer_note(pohoda_number, note)
        current = self.get_order(order_id)
        if current.meta_value(key) == pohoda_number and (not target or current.status == target):
            self._ensure_note(order_id, text, pohoda_number)
            return
        body: dict[str, object] = {"meta_data": [{"key": key, "value": pohoda_number}, *transferred_meta(current)]}
        if target:
            body["status"] = target
        self._put_order(order_id, body)
        self._add_note(order_id, text)

    # ------------------------------------------------------------------ refunds (read in adapter.eshop.refunds)

    @_guarded
    def iter_order_changes(self, *, since: datetime | None, statuses: Sequence[str] = ()) -> Iterator[OrderChange]:
        """Orders of ``statuses`` (empty: any) changed since ``since``, with their refund ids."""
        yield from read_order_changes(self._pages, since=since, statuses=statuses,
                                      overlap_seconds=self.connection.order_overlap_seconds)

    @_guarded
    def get_refunds(self, order_id: int) -> list[ShopRefund]:
        """Every refund of one order, oldest first."""
        return read_refunds(self._pages, order_id)

    @_guarded
    def add_private_note(self, order_id: int, note: str, *, marker: str) -> None:
        """A private order note, unless a note mentioning ``marker`` is there already."""
        self._ensure_note(order_id, note, marker)

    @_guarded
    def plugin_status(self) -> object:
        """The companion plugin's status answer (``adapter.shop_plugin``); None when the shop has no such route."""
        try:
            return self._http.call("GET", STATUS_PATH).data
        except (EshopNotFound, EshopObjectNotFound):
            return None

    @_guarded
    def update_order_meta(self, order_id: int, meta: dict[str, str]) -> None:
        """Write these order meta keys (only these) with one request."""
        self._put_order(order_id, {"meta_data": [{"key": k, "value": v} for k, v in meta.items()]})

    @_guarded
    def mark_transferred_many(self, marks: Sequence[TransferMark]) -> dict[int, str]:
        """Mark orders like :meth:`mark_transferred` with one batch call per ``batch_size`` orders.

        See :mod:`adapter.eshop.woocommerce.marks`. Returns order id → "" or
        the Czech reason; nothing raises for one order. A repeated order id is
        marked once.
        """
        return Marking(self, marks, self.get_order).run()

    @_guarded
    def add_note(self, order_id: int, note: str, *, marker: str) -> None:
        """A private order note, once (see :meth:`_ensure_note`)."""
        self._ensure_note(order_id, note, marker)

    def mark_paid(self, order_id: int, *, invoice_number: str, paid_on: date) -> str:
        """Mark an order paid per POHODA; return its resulting status.

        An order still awaiting payment (``[payments] awaiting_statuses``) moves to
        ``paid_status`` and WooCommerce records ``date_paid`` itself (the REST
        API cannot write it, and ``set_paid`` does nothing for on-hold); an
        order past that keeps its status. The invoice number and paid date
        are stored as meta and a private note is added. Repeating the call
        with the same invoice and date changes nothing.
        """
        conn, statuses = self.connection, self.connection.payments
        current = self.get_order(order_id)
        paid_text = paid_on.isoformat()
        note = f"Zaplaceno dle POHODA, faktura {invoice_number}, datum {_czech_date(paid_on)}"
        if (
            current.meta_value(conn.invoice_number_meta_key) == invoice_number
            and current.meta_value(conn.paid_date_meta_key) == paid_text
            and current.status not in statuses.awaiting_statuses
        ):
            self._ensure_note(order_id, note, f"faktura {invoice_number},")
            return current.status
        body: dict[str, object] = {
            "meta_data": [
                {"key": conn.invoice_number_meta_key, "value": invoice_number},
                {"key": conn.paid_date_meta_key, "value": paid_text},
            ]
        }
        if current.status in statuses.awaiting_statuses:
            body["status"] = statuses.paid_status
        updated = self._put_order(order_id, body)
        self._add_note(order_id, note)
        return updated.status

    @_guarded
    def write_back(self, order_id: int, *, status: str = "", meta: Mapping[str, str] | None = None, note: str = "",
                   customer_note: bool = False) -> str:
        """Write POHODA's news onto an order (see :mod:`adapter.eshop.woocommerce.writeback`); returns its status."""
        return writeback.write_back(self, order_id, status=status, meta=meta or {}, note=note,
                                    customer_note=customer_note)

    # ------------------------------------------------------------------ customers

    def _customer(self, data: object, where: str) -> Customer:
        return checked(where, wmap.customer, data)

    @_guarded
    def iter_customers(self, *, since: datetime | None = None) -> Iterator[Customer]:
        """The shop's customers (``role=customer``); ``since`` filters client-side by ``date_modified_gmt``.

        Staff accounts (administrators, shop managers, ``role=all`` lists them
        too) are no customers and never go to the POHODA address book.
        WordPress users are not posts, so ``modified_after`` is not reliable
        for them; a customer without a modification date is always yielded.
        """
        for obj in self._pages("/customers", [("role", "customer"), ("orderby", "id"), ("order", "asc")]):
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
