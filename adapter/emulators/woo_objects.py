"""Create/update/delete rules of WooCommerce objects (products, variations, orders, notes, customers).

Error codes and messages follow the WooCommerce REST controllers and data
classes (``woocommerce_rest_{post_type}_invalid_id``, ``product_invalid_sku``,
``registration-error-email-exists`` …).
"""

from __future__ import annotations

import random
import re
import string
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from adapter.emulators.woo_http import WpError, invalid_id, validate
from adapter.emulators.woo_seed import sync_variable
from adapter.emulators.woo_shapes import (
    COUPONS,
    ORDER_STATUSES,
    STATUS_LABELS,
    TAX_RATES,
    ChargeIn,
    Clock,
    LineIn,
    compute_order,
    derive_price,
    derive_stock,
    format_decimal,
    money,
    render_customer,
    render_note,
    render_order,
    render_product,
    render_variation,
    slugify,
)
from adapter.emulators.woo_store import Store

Doc = dict[str, Any]
S = {"type": "string"}
B = {"type": "boolean"}
I = {"type": "integer"}  # noqa: E741
A = {"type": "array"}
O = {"type": "object"}  # noqa: E741

_STOCK_FIELDS = {
    "sku": S, "global_unique_id": S, "regular_price": S, "sale_price": S, "virtual": B, "downloadable": B,
    "tax_status": {"type": "string", "enum": ["taxable", "shipping", "none"]}, "tax_class": S,
    "manage_stock": B, "stock_quantity": {"type": "integer", "nullable": True},
    "stock_status": {"type": "string", "enum": ["instock", "outofstock", "onbackorder"]},
    "backorders": {"type": "string", "enum": ["no", "notify", "yes"]},
    "low_stock_amount": {"type": "integer", "nullable": True}, "weight": S, "description": S,
    "status": {"type": "string", "enum": ["draft", "pending", "private", "publish", "future"]},
    "meta_data": {"type": "array", "items": O}, "menu_order": I, "id": I,
}
PRODUCT_SCHEMA = {
    **_STOCK_FIELDS, "name": S, "slug": S, "type": {"type": "string", "enum": ["simple", "grouped", "external", "variable"]},
    "featured": B, "catalog_visibility": {"type": "string", "enum": ["visible", "catalog", "search", "hidden"]},
    "short_description": S, "purchase_note": S, "parent_id": I, "attributes": {"type": "array", "items": O},
    "categories": {"type": "array", "items": O}, "tags": {"type": "array", "items": O},
}
VARIATION_SCHEMA = {**_STOCK_FIELDS, "attributes": {"type": "array", "items": O}, "product_id": I}
ORDER_SCHEMA = {
    "id": I, "parent_id": I, "status": {"type": "string", "enum": list(ORDER_STATUSES)},
    "currency": {"type": "string", "enum": ["CZK", "EUR", "USD", "GBP", "PLN", "HUF"]}, "customer_id": I,
    "customer_note": S, "billing": O, "shipping": O, "payment_method": S, "payment_method_title": S,
    "transaction_id": S, "meta_data": {"type": "array", "items": O}, "line_items": {"type": "array", "items": O},
    "shipping_lines": {"type": "array", "items": O}, "fee_lines": {"type": "array", "items": O},
    "coupon_lines": {"type": "array", "items": O}, "set_paid": B,
}
CUSTOMER_SCHEMA = {
    "id": I, "email": {"type": "string", "format": "email"}, "first_name": S, "last_name": S, "username": S,
    "password": S, "billing": O, "shipping": O, "meta_data": {"type": "array", "items": O},
}
_PLAIN_PRODUCT = ("name", "description", "short_description", "status", "featured", "catalog_visibility",
                  "virtual", "downloadable", "tax_status", "tax_class", "backorders", "low_stock_amount",
                  "purchase_note", "menu_order", "weight", "categories", "tags")


def _batch_item(item: Any) -> Any:
    """A batch item as ``update_item`` sees it: ``batch_items`` skips the route's argument validation,
    so a fractional ``stock_quantity`` is not refused but truncated by ``wc_stock_amount()``."""
    if isinstance(item, dict) and isinstance(item.get("stock_quantity"), float):
        return {**item, "stock_quantity": int(item["stock_quantity"])}
    return item


class Objects:
    """The shop's objects over a ``Store``; every write stamps ``date_modified_gmt``."""

    def __init__(self, store: Store, clock: Clock, api_base: Callable[[], str], site_url: Callable[[], str],
                 batch_limit: Callable[[], int], on_batch: Callable[[int], None]) -> None:
        self.store = store
        self.clock = clock
        self._api = api_base
        self._site = site_url
        self._batch_limit = batch_limit
        self._on_batch = on_batch
        #: per request thread, during a batch: variable parents re-derived once at its end
        self._batch_state = threading.local()
        #: "posts" (the legacy order storage, WooCommerce's default here) or "hpos"
        self.order_storage = "posts"

    # ------------------------------------------------------------------ rendering

    def render_product(self, doc: Doc, *, copy: bool = True) -> Doc:
        """Product JSON (``copy=False`` for an answer serialised at once: nested values are shared)."""
        return render_product(doc, self._api(), self._site(), copy=copy)

    def render_variation(self, doc: Doc, *, copy: bool = True) -> Doc:
        """Variation JSON (``copy=False`` as for :meth:`render_product`)."""
        return render_variation(doc, self._api(), self._site(), copy=copy)

    def answer_product(self, doc: Doc) -> Doc:
        """Product JSON for an HTTP answer (serialised at once, so nothing is copied)."""
        return self.render_product(doc, copy=False)

    def answer_variation(self, doc: Doc) -> Doc:
        """Variation JSON for an HTTP answer (serialised at once, so nothing is copied)."""
        return self.render_variation(doc, copy=False)

    def render_order(self, doc: Doc) -> Doc:
        """Order JSON."""
        return render_order(doc, self._api())

    def render_customer(self, doc: Doc) -> Doc:
        """Customer JSON."""
        return render_customer(doc, self._api())

    # ------------------------------------------------------------------ shared helpers

    def _stamp(self, doc: Doc, *, creating: bool = False) -> None:
        stamp = self.clock.stamp(None if creating else doc.get("date_modified_gmt"))
        if creating:
            doc["date_created_gmt"] = stamp
        doc["date_modified_gmt"] = stamp

    def _apply_meta(self, doc: Doc, entries: list[Doc]) -> None:
        """``WC_Data::update_meta_data(key, value, id)`` for each entry; ``value: null`` deletes.

        With an ``id`` only that entry is updated (an unknown id adds the key
        afresh, replacing every entry with that key); without one the first
        entry with the key gets the value and the other entries with that key
        go away, so the key ends up once.
        """
        meta: list[Doc] = doc.setdefault("meta_data", [])
        for entry in entries:
            key, value, meta_id = entry.get("key"), entry.get("value"), entry.get("id")
            target: Doc | None = None
            if meta_id:
                target = next((m for m in meta if str(m["id"]) == str(meta_id)), None)
            elif key is not None:
                same = [m for m in meta if m["key"] == key]
                for extra in same[1:]:
                    meta.remove(extra)
                target = same[0] if same else None
            if value is None and target is not None:
                meta.remove(target)
            elif target is not None:
                target.update(key=key if key is not None else target["key"], value=value)
            elif key is not None:
                if meta_id:  # add_meta_data(key, value, unique=true)
                    meta[:] = [m for m in meta if m["key"] != key]
                if value is not None:
                    meta.append({"id": self.store.next_id("meta"), "key": str(key), "value": value})

    def batch(self, params: Doc, create: Callable[[Doc], Doc], update: Callable[[Doc], Doc],
              delete: Callable[[Doc], Doc], render: Callable[[Doc], Doc],
              extra: Mapping[str, Any] | None = None) -> Doc | list[Any]:
        """``WC_REST_Controller::batch_items``: limit check, then per-item results or errors.

        A request with nothing to do answers ``[]`` (PHP's empty array), as WooCommerce does.
        """
        items = {k: params[k] for k in ("create", "update", "delete") if params.get(k)}
        if not items:
            return []
        for name, value in items.items():
            if not isinstance(value, list):
                raise WpError("rest_invalid_param", f"Invalid parameter(s): {name}", 400,
                              params={name: f"{name} is not of type array."})
        total = sum(len(v) for v in items.values())
        limit = self._batch_limit()
        if total > limit:
            raise WpError("woocommerce_rest_request_entity_too_large",
                          f"Unable to accept more than {limit} items for this request.", 413)
        self._on_batch(total)
        extra = dict(extra or {})
        out: Doc = {}
        # one transaction for the whole request (items still succeed or fail one by one); a variable
        # parent's summary is re-derived once at the end instead of after each of its variations
        with self.store.transaction(keep_on_error=True):
            self._batch_state.parents = set()
            try:
                for item in map(_batch_item, items.get("create", [])):
                    out.setdefault("create", []).append(self._one(lambda i=item: render(create({**i, **extra})), 0))
                for item in map(_batch_item, items.get("update", [])):
                    item_id = item.get("id") if isinstance(item, dict) else None
                    out.setdefault("update", []).append(
                        self._one(lambda i=item: render(update({**i, **extra})), item_id))
                for raw in items.get("delete", []):
                    obj_id = int(raw) if str(raw).lstrip("-").isdigit() else 0
                    if obj_id == 0:
                        continue
                    args = {**extra, "id": obj_id, "force": True}
                    out.setdefault("delete", []).append(self._one(lambda a=args: delete(a), obj_id))
            finally:
                parents, self._batch_state.parents = self._batch_state.parents, None
                for parent_id in sorted(parents):
                    parent = self.store.get("products", parent_id)
                    if parent is not None and parent.get("type") == "variable":
                        self._sync_parent(parent)
        return out

    @staticmethod
    def _one(action: Callable[[], Doc], obj_id: Any) -> Doc:
        try:
            return action()
        except WpError as err:
            return {"id": obj_id, "error": {"code": err.code, "message": err.message,
                                            "data": {"status": err.status, **err.data}}}

    # ------------------------------------------------------------------ products

    def product(self, product_id: int) -> Doc:
        """A product (or variation, as /products/{id} shows it) or 404."""
        doc = self.store.get("products", product_id)
        if doc is None:
            raise invalid_id("product")
        return doc

    def _product_for_update(self, params: Doc) -> Doc:
        doc = self.store.get("products", int(params.get("id") or 0))
        if doc is None:
            raise invalid_id("product", 400)
        return doc

    def _check_unique(self, column: str, value: str, own_id: int | None) -> int | None:
        ids = self.store.ids("products", [f"{column} = ?"], [value])
        return next((i for i in ids if i != own_id), None)

    def _apply_stock_and_price(self, doc: Doc, p: Doc) -> None:
        if "sku" in p:
            sku = p["sku"].strip()
            clash = self._check_unique("sku", sku, doc.get("id")) if sku else None
            if clash:
                raise WpError("product_invalid_sku", "Invalid or duplicated SKU.", 400, resource_id=clash,
                              unique_sku=f"{sku}-1")
            doc["sku"] = sku
        if "global_unique_id" in p:
            gid = p["global_unique_id"].strip()
            if gid and (not re.fullmatch(r"[0-9\-]+", gid) or self._check_unique("gid", gid, doc.get("id"))):
                raise WpError("product_invalid_global_unique_id", "Invalid or duplicated GTIN, UPC, EAN or ISBN.", 400)
            doc["global_unique_id"] = gid
        for field in ("regular_price", "sale_price"):
            if field in p:
                doc[field] = format_decimal(p[field])
        if "manage_stock" in p:
            doc["manage_stock"] = p["manage_stock"]
        if doc.get("manage_stock") is True:
            if p.get("stock_quantity") is not None:
                doc["stock_quantity"] = p["stock_quantity"]
            doc.setdefault("stock_quantity", 0)
            if doc.get("stock_quantity") is None:
                doc["stock_quantity"] = 0
        else:
            doc["manage_stock"] = False
            if "stock_status" in p:
                doc["stock_status"] = p["stock_status"]
        if "meta_data" in p:
            self._apply_meta(doc, p["meta_data"])
        derive_stock(doc)
        derive_price(doc)

    def _apply_product(self, doc: Doc, p: Doc) -> None:
        for field in _PLAIN_PRODUCT:
            if field in p:
                doc[field] = p[field]
        if "slug" in p or not doc.get("slug"):
            doc["slug"] = slugify(p.get("slug") or doc.get("name") or str(doc["id"]))
        if "attributes" in p:
            doc["attributes"] = [
                {"id": int(a.get("id", 0)), "name": str(a.get("name", "")), "slug": slugify(str(a.get("name", ""))),
                 "position": int(a.get("position", n)), "visible": bool(a.get("visible", False)),
                 "variation": bool(a.get("variation", False)), "options": list(a.get("options", []))}
                for n, a in enumerate(p["attributes"])
            ]
        self._apply_stock_and_price(doc, p)
        if doc["type"] == "variable":
            self._sync_parent(doc, save=False)

    def create_product(self, params: Doc) -> Doc:
        """POST /products."""
        p = validate(params, PRODUCT_SCHEMA)
        if p.get("id"):
            raise WpError("woocommerce_rest_product_exists", "Cannot create existing product.", 400)
        doc: Doc = {"id": self.store.next_id("post"), "type": p.get("type", "simple"), "status": "publish",
                    "name": "", "sku": "", "regular_price": "", "sale_price": "", "manage_stock": False}
        self._apply_product(doc, p)
        self._stamp(doc, creating=True)
        self.store.put("products", doc)
        return doc

    def update_product(self, params: Doc) -> Doc:
        """PUT /products/{id} (a variation id works too, as in WooCommerce)."""
        doc = self._product_for_update(params)
        p = validate(params, PRODUCT_SCHEMA)
        if doc["type"] == "variation":
            self._stamp(doc)
            return self._save_variation(doc, p)
        if "type" in p:
            doc["type"] = p["type"]
        self._apply_product(doc, p)
        self._stamp(doc)
        self.store.put("products", doc)
        return doc

    def delete_product(self, params: Doc) -> Doc:
        """DELETE /products/{id}: trash, or remove with force (children too)."""
        doc = self.store.get("products", int(params.get("id") or 0))
        if doc is None:
            raise invalid_id("product")
        rendered = self.render_product(doc)
        if str(params.get("force", "")).lower() in ("1", "true"):
            for child in doc.get("variations", []):
                self.store.delete("products", child)
            self.store.delete("products", doc["id"])
            return rendered
        if doc.get("status") == "trash":
            raise WpError("woocommerce_rest_already_trashed", "The product has already been deleted.", 410)
        doc["status"] = "trash"
        self._stamp(doc)
        self.store.put("products", doc)
        return self.render_product(doc)

    def _sync_parent(self, parent: Doc, *, save: bool = True) -> None:
        children, _ = self.store.find("products", ["parent_id = ?", "type = 'variation'"], [parent["id"]])
        parent["variations"] = [c["id"] for c in children]
        sync_variable(parent, children)
        if save:
            self.store.put("products", parent)

    # ------------------------------------------------------------------ variations

    def variation(self, parent_id: int, variation_id: int) -> Doc:
        """A variation of ``parent_id`` or 404."""
        doc = self.store.get("products", variation_id)
        if doc is None or doc["type"] != "variation" or doc.get("parent_id") != parent_id:
            raise invalid_id("product_variation")
        return doc

    def create_variation(self, params: Doc) -> Doc:
        """POST /products/{pid}/variations."""
        parent = self.store.get("products", int(params.get("product_id") or 0))
        if parent is None or parent["type"] != "variable":
            raise WpError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        p = validate(params, VARIATION_SCHEMA)
        if p.get("id"):
            raise WpError("woocommerce_rest_product_variation_exists", "Cannot create existing product_variation.", 400)
        doc: Doc = {"id": self.store.next_id("post"), "type": "variation", "parent_id": parent["id"],
                    "status": "publish", "sku": "", "regular_price": "", "sale_price": "", "manage_stock": False,
                    "tax_class": parent.get("tax_class", "")}
        self._stamp(doc, creating=True)
        return self._save_variation(doc, p, parent)

    def _save_variation(self, doc: Doc, p: Doc, parent: Doc | None = None) -> Doc:
        for field in ("description", "status", "virtual", "downloadable", "tax_status", "tax_class",
                      "backorders", "low_stock_amount", "menu_order", "weight"):
            if field in p:
                doc[field] = p[field]
        if "attributes" in p:
            doc["attributes"] = [{"id": int(a.get("id", 0)), "name": str(a.get("name", "")),
                                  "slug": slugify(str(a.get("name", ""))), "option": str(a.get("option", ""))}
                                 for a in p["attributes"]]
        self._apply_stock_and_price(doc, p)
        parent = parent or self.store.get("products", doc["parent_id"]) or {}
        options = ", ".join(a["option"] for a in doc.get("attributes", []))
        if parent and not doc.get("name"):
            doc["name"] = f"{parent.get('name', '')} - {options}" if options else parent.get("name", "")
        self.store.put("products", doc)
        deferred: set[int] | None = getattr(self._batch_state, "parents", None)
        if parent and deferred is not None:
            deferred.add(parent["id"])
        elif parent:
            self._sync_parent(parent)
        return doc

    def update_variation(self, params: Doc) -> Doc:
        """PUT /products/{pid}/variations/{id}."""
        doc = self.store.get("products", int(params.get("id") or 0))
        if doc is None or doc["type"] != "variation" or doc.get("parent_id") != int(params.get("product_id") or 0):
            raise invalid_id("product_variation", 400)
        p = validate(params, VARIATION_SCHEMA)
        self._stamp(doc)
        return self._save_variation(doc, p)

    def delete_variation(self, params: Doc) -> Doc:
        """DELETE /products/{pid}/variations/{id}: needs force=true."""
        doc = self.variation(int(params.get("product_id") or 0), int(params.get("id") or 0))
        if str(params.get("force", "")).lower() not in ("1", "true"):
            raise WpError("woocommerce_rest_trash_not_supported", "The product variation does not support trashing.", 501)
        rendered = self.render_variation(doc)
        self.store.delete("products", doc["id"])
        parent = self.store.get("products", doc["parent_id"])
        if parent:
            self._sync_parent(parent)
        return rendered

    # ------------------------------------------------------------------ orders

    def order(self, order_id: int) -> Doc:
        """An order or 404."""
        doc = self.store.get("orders", order_id)
        if doc is None:
            raise invalid_id("shop_order")
        return doc

    def _line_in(self, item: Doc) -> LineIn:
        """An order line from a REST line item (product by sku, product_id or variation_id)."""
        if item.get("sku"):
            ids = self.store.ids("products", ["sku = ?"], [str(item["sku"])])
            ref = ids[0] if ids else 0
        elif item.get("variation_id"):
            ref = int(item["variation_id"])
        elif item.get("product_id"):
            ref = int(item["product_id"])
        else:
            raise WpError("woocommerce_rest_required_product_reference", "Product ID or SKU is required.", 400)
        product = self.store.get("products", ref)
        if product is None:
            raise WpError("order_item_product_invalid_product", "Invalid product", 400)
        qty = int(item.get("quantity", 1) or 1)
        tax_class = product.get("tax_class", "")
        gross = None
        if item.get("total") not in (None, ""):
            net = Decimal(format_decimal(str(item["total"])))
            rate = TAX_RATES.get(tax_class, TAX_RATES[""])[1]
            gross = net + money(net * rate / 100)
        is_var = product["type"] == "variation"
        parent = self.store.get("products", product["parent_id"]) if is_var else None
        return LineIn(
            name=str(item.get("name") or product.get("name", "")), product_id=product["parent_id"] if is_var else product["id"],
            variation_id=product["id"] if is_var else 0, sku=product.get("sku", ""), quantity=qty,
            unit_gross=Decimal(product.get("price") or 0), tax_class=tax_class,
            meta=tuple((a["name"], a["option"]) for a in product.get("attributes", [])) if is_var else (),
            parent_name=parent.get("name") if parent else None, gross_override=gross,
        )

    @staticmethod
    def _charge(item: Doc, title_key: str) -> ChargeIn:
        net = Decimal(format_decimal(str(item.get("total") or "0")) or "0")
        return ChargeIn(str(item.get(title_key, "")), str(item.get("method_id", "")), net + money(net * 21 / 100))

    @staticmethod
    def _coupons(items: list[Doc]) -> list[tuple[str, str, Decimal]]:
        out = []
        for item in items:
            code = str(item.get("code", "")).strip().lower()
            if code not in COUPONS:
                raise WpError("woocommerce_rest_invalid_coupon", f'Coupon "{code}" does not exist!', 400)
            kind, amount = COUPONS[code]
            out.append((code, kind, amount))
        return out

    def _recalculate(self, doc: Doc, lines: list[LineIn], p: Doc) -> None:
        shipping = [self._charge(s, "method_title") for s in p.get("shipping_lines", [])] or [
            ChargeIn(s["method_title"], s["method_id"], Decimal(s["total"]) + Decimal(s["total_tax"]))
            for s in doc.get("shipping_lines", [])]
        fees = [self._charge(f, "name") for f in p.get("fee_lines", [])] or [
            ChargeIn(f["name"], "", Decimal(f["total"]) + Decimal(f["total_tax"])) for f in doc.get("fee_lines", [])]
        coupons = self._coupons(p["coupon_lines"]) if "coupon_lines" in p else [
            (c["code"], c["discount_type"], Decimal(str(c["nominal_amount"]))) for c in doc.get("coupon_lines", [])]
        doc.update(compute_order(lines, shipping, fees, coupons, lambda: self.store.next_id("item")))

    def _existing_lines(self, doc: Doc) -> list[LineIn]:
        out = []
        for item in doc.get("line_items", []):
            gross = Decimal(item["subtotal"]) + Decimal(item["subtotal_tax"])
            out.append(LineIn(item["name"], item["product_id"], item["variation_id"], item["sku"], item["quantity"],
                              gross / item["quantity"], item["tax_class"],
                              tuple((m["key"], m["value"]) for m in item.get("meta_data", [])),
                              item.get("parent_name"), gross))
        return out

    def _apply_order(self, doc: Doc, p: Doc) -> None:
        for side in ("billing", "shipping"):
            if side in p:
                doc[side] = {**doc.get(side, {}), **{k: str(v) for k, v in p[side].items()}}
        for field in ("customer_note", "payment_method", "payment_method_title", "transaction_id", "currency", "parent_id"):
            if field in p:
                doc[field] = p[field]
        if "customer_id" in p:
            if p["customer_id"] and self.store.get("customers", p["customer_id"]) is None:
                raise WpError("woocommerce_rest_invalid_customer_id", "Customer ID is invalid.", 400)
            doc["customer_id"] = p["customer_id"]
        if "meta_data" in p:
            self._apply_meta(doc, p["meta_data"])
        if any(k in p for k in ("line_items", "shipping_lines", "fee_lines", "coupon_lines")):
            lines = self._merge_lines(doc, p.get("line_items", []))
            self._recalculate(doc, lines, p)

    def _merge_lines(self, doc: Doc, posted: list[Doc]) -> list[LineIn]:
        existing = {item["id"]: line for item, line in zip(doc.get("line_items", []), self._existing_lines(doc), strict=True)}
        for item in posted:
            if item.get("id"):
                if int(item["id"]) not in existing:
                    raise WpError("woocommerce_rest_invalid_item_id", "Order item ID provided is not associated with order.", 400)
                line = existing[int(item["id"])]
                qty = int(item.get("quantity", line.quantity))
                if qty <= 0:
                    del existing[int(item["id"])]
                else:
                    unit = line.gross / line.quantity
                    existing[int(item["id"])] = LineIn(**{**line.__dict__, "quantity": qty, "unit_gross": unit,
                                                          "gross_override": money(unit * qty)})
            else:
                existing[-len(existing) - 1] = self._line_in(item)
        return list(existing.values())

    def create_order(self, params: Doc) -> Doc:
        """POST /orders."""
        p = validate(params, ORDER_SCHEMA)
        if p.get("id"):
            raise WpError("woocommerce_rest_shop_order_exists", "Cannot create existing shop_order.", 400)
        rng = random.Random()
        doc: Doc = {"id": self.store.next_id("post"), "status": "pending", "currency": "CZK", "created_via": "rest-api",
                    "order_key": "wc_order_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(13))}
        self._stamp(doc, creating=True)
        self._apply_order(doc, {**p, "line_items": p.get("line_items", []), "shipping_lines": p.get("shipping_lines", [])})
        self._set_status(doc, p.get("status", "pending"), initial=True)
        if p.get("set_paid") is True:
            self._payment_complete(doc, p.get("transaction_id", ""))
        self.store.put("orders", doc)
        return doc

    def update_order(self, params: Doc) -> Doc:
        """PUT /orders/{id}: fields, status (date_paid like WooCommerce), set_paid only when payment is needed."""
        doc = self.store.get("orders", int(params.get("id") or 0))
        if doc is None:
            raise invalid_id("shop_order", 400)
        p = validate(params, ORDER_SCHEMA)
        post_fields = (doc.get("status"), doc.get("customer_note"), doc.get("parent_id"))
        self._apply_order(doc, p)
        if p.get("status"):
            self._set_status(doc, p["status"])
        needs_payment = doc["status"] in ("pending", "failed") and Decimal(doc.get("total", "0")) > 0
        if p.get("set_paid") is True and needs_payment:
            self._payment_complete(doc, p.get("transaction_id", ""))
        # The legacy posts storage moves post_modified only with a post field (status, customer note,
        # parent); a change of meta, addresses or line items alone leaves date_modified. HPOS always moves it.
        if self.order_storage == "hpos" or (doc.get("status"), doc.get("customer_note"), doc.get("parent_id")) != post_fields:
            self._stamp(doc)
        self.store.put("orders", doc)
        return doc

    def batch_update_order(self, params: Doc) -> Doc:
        """An ``update`` item of POST /orders/batch.

        ``batch_items`` calls ``update_item`` directly, past the route's
        argument validation, so a status WooCommerce does not know is not
        refused as in PUT /orders/{id}: ``WC_Abstract_Order::set_status``
        quietly makes it "pending" (a ``wc-`` prefix is dropped first).
        """
        status = params.get("status")
        if isinstance(status, str) and status:
            status = status.removeprefix("wc-")
            params = {**params, "status": status if status in (*ORDER_STATUSES, "trash") else "pending"}
        return self.update_order(params)

    def delete_order(self, params: Doc) -> Doc:
        """DELETE /orders/{id}: trash, or remove with force."""
        doc = self.store.get("orders", int(params.get("id") or 0))
        if doc is None:
            raise invalid_id("shop_order")
        rendered = self.render_order(doc)
        if str(params.get("force", "")).lower() in ("1", "true"):
            self.store.delete("orders", doc["id"])
            return rendered
        doc["status"] = "trash"
        self._stamp(doc)
        self.store.put("orders", doc)
        return self.render_order(doc)

    def set_status(self, order_id: int, status: str) -> Doc:
        """Change an order's status as the shop admin would (notes, date_paid, stock)."""
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        doc = self.order(order_id)
        self._set_status(doc, status)
        self._stamp(doc)
        self.store.put("orders", doc)
        return doc

    def _set_status(self, doc: Doc, new: str, *, initial: bool = False) -> None:
        """``WC_Order::set_status`` + ``status_transition``: paid/completed dates, stock, a note."""
        old = doc.get("status", "pending")
        doc["status"] = new
        if old == new and not initial:
            return
        now = self.clock.stamp()
        if new in ("processing", "completed") and not doc.get("date_paid_gmt"):
            doc["date_paid_gmt"] = now
        if new == "completed" and not doc.get("date_completed_gmt"):
            doc["date_completed_gmt"] = now
        if new in ("processing", "completed", "on-hold") and not doc.get("_stock_reduced"):
            self._adjust_stock(doc, -1)
        elif new in ("cancelled", "pending", "failed") and doc.get("_stock_reduced"):
            self._adjust_stock(doc, +1)
        if old != new:
            self.add_note(doc["id"], f"Stav objednávky byl změněn z {STATUS_LABELS.get(old, old)} na "
                                     f"{STATUS_LABELS.get(new, new)}.")

    def _payment_complete(self, doc: Doc, transaction_id: str) -> None:
        """``WC_Order::payment_complete``: only from on-hold, pending, failed or cancelled."""
        if doc["status"] not in ("on-hold", "pending", "failed", "cancelled"):
            return
        if transaction_id:
            doc["transaction_id"] = transaction_id
        if not doc.get("date_paid_gmt"):
            doc["date_paid_gmt"] = self.clock.stamp()
        self._set_status(doc, "processing")

    def _adjust_stock(self, doc: Doc, sign: int) -> None:
        """Reduce (sign −1) or restore (+1) managed stock of the order's products."""
        for item in doc.get("line_items", []):
            product = self.store.get("products", item["variation_id"] or item["product_id"])
            if product is None or product.get("manage_stock") is not True:
                continue
            product["stock_quantity"] = (product.get("stock_quantity") or 0) + sign * item["quantity"]
            derive_stock(product)
            self._stamp(product)
            self.store.put("products", product)
            parent = self.store.get("products", product.get("parent_id") or 0) if item["variation_id"] else None
            if parent is not None:  # WooCommerce re-syncs and saves the variable parent: its date_modified moves
                self._sync_parent(parent, save=False)
                self._stamp(parent)
                self.store.put("products", parent)
        doc["_stock_reduced"] = sign < 0

    # ------------------------------------------------------------------ notes

    def add_note(self, order_id: int, text: str, *, customer_note: bool = False, author: str = "system") -> Doc:
        """Store an order note."""
        note = {"id": self.store.next_id("comment"), "order_id": order_id, "note": text, "author": author,
                "customer_note": customer_note, "date_created_gmt": self.clock.stamp()}
        self.store.put("notes", note)
        return note

    def notes_of(self, order_id: int) -> list[Doc]:
        """Rendered notes of an order, newest first."""
        docs, _ = self.store.find("notes", ["order_id = ?"], [order_id], "id DESC")
        return [render_note(d, self._api()) for d in docs]

    def note(self, order_id: int, note_id: int) -> Doc:
        """One rendered note or 404."""
        self.order(order_id)
        doc = self.store.get("notes", note_id)
        if doc is None or doc["order_id"] != order_id:
            raise WpError("woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
        return render_note(doc, self._api())

    def create_note(self, order_id: int, params: Doc) -> Doc:
        """POST /orders/{id}/notes (``note`` required)."""
        self.order(order_id)
        p = validate(params, {"note": {"type": "string", "required": True}, "customer_note": {**B, "default": False},
                              "added_by_user": {**B, "default": False}})
        if not p["note"]:
            raise WpError("woocommerce_rest_invalid_order_note", "Cannot create order note, please try again.", 500)
        doc = self.add_note(order_id, p["note"], customer_note=p["customer_note"],
                            author="admin" if p["added_by_user"] else "system")
        return render_note(doc, self._api())

    def delete_note(self, order_id: int, note_id: int, params: Doc) -> Doc:
        """DELETE /orders/{id}/notes/{nid}?force=true."""
        rendered = self.note(order_id, note_id)
        if str(params.get("force", "")).lower() not in ("1", "true"):
            raise WpError("woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501)
        self.store.delete("notes", note_id)
        return rendered

    # ------------------------------------------------------------------ customers

    def customer(self, customer_id: int) -> Doc:
        """A customer or 404."""
        doc = self.store.get("customers", customer_id)
        if doc is None:
            raise WpError("woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
        return doc

    def _email_owner(self, email: str) -> int | None:
        ids = self.store.ids("customers", ["email = ?"], [email.casefold()])
        return ids[0] if ids else None

    def _apply_customer(self, doc: Doc, p: Doc) -> None:
        for field in ("first_name", "last_name"):
            if field in p:
                doc[field] = p[field]
        for side in ("billing", "shipping"):
            if side in p:
                doc[side] = {**doc.get(side, {}), **{k: str(v) for k, v in p[side].items()}}
        if "meta_data" in p:
            self._apply_meta(doc, p["meta_data"])

    def _username(self, email: str) -> str:
        base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower()) or "zakaznik"
        name, n = base, 1
        while self.store.ids("customers", ["username = ?"], [name]):
            n += 1
            name = f"{base}-{n}"
        return name

    def create_customer(self, params: Doc) -> Doc:
        """POST /customers: email required and unique; username generated; password never returned."""
        p = validate(params, {**CUSTOMER_SCHEMA, "email": {**CUSTOMER_SCHEMA["email"], "required": True}})
        if p.get("id"):
            raise WpError("woocommerce_rest_customer_exists", "Cannot create existing resource.", 400)
        if self._email_owner(p["email"]):
            raise WpError("registration-error-email-exists",
                          'An account is already registered with your email address. '
                          '<a href="#" class="showlogin">Please log in.</a>', 400)
        username = p.get("username") or self._username(p["email"])
        if self.store.ids("customers", ["username = ?"], [username]):
            raise WpError("registration-error-username-exists",
                          "An account is already registered with that username. Please choose another.", 400)
        doc: Doc = {"id": self.store.next_id("user"), "email": p["email"], "username": username, "role": "customer"}
        self._apply_customer(doc, p)
        self._stamp(doc, creating=True)
        self.store.put("customers", doc)
        return doc

    def update_customer(self, params: Doc) -> Doc:
        """PUT /customers/{id}."""
        doc = self.store.get("customers", int(params.get("id") or 0))
        if doc is None:
            raise WpError("woocommerce_rest_invalid_id", "Invalid resource id.", 400)
        p = validate(params, CUSTOMER_SCHEMA)
        owner = self._email_owner(p["email"]) if p.get("email") else None
        if owner and owner != doc["id"]:
            raise WpError("woocommerce_rest_customer_invalid_email", "Email address is invalid.", 400)
        if p.get("username") and p["username"] != doc["username"]:
            raise WpError("woocommerce_rest_customer_invalid_argument", "Username isn't editable.", 400)
        if p.get("email"):
            doc["email"] = p["email"]
        self._apply_customer(doc, p)
        self._stamp(doc)
        self.store.put("customers", doc)
        return doc

    def delete_customer(self, params: Doc) -> Doc:
        """DELETE /customers/{id}?force=true."""
        doc = self.customer(int(params.get("id") or 0))
        if str(params.get("force", "")).lower() not in ("1", "true"):
            raise WpError("woocommerce_rest_trash_not_supported", "Customers do not support trashing.", 501)
        rendered = self.render_customer(doc)
        self.store.delete("customers", doc["id"])
        return rendered
