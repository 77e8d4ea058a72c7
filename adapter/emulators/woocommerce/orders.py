"""Create/update/delete rules of WooCommerce orders and order notes (status transitions, stock, totals)."""

from __future__ import annotations

import random
import string
from decimal import Decimal

from adapter.emulators.woocommerce.object_base import B, Doc, I, O, ObjectsBase, S, Schema
from adapter.emulators.woocommerce.rest import WpError, invalid_id, validate
from adapter.emulators.woocommerce.shapes import (
    ORDER_STATUSES,
    STATUS_LABELS,
    derive_stock,
    format_decimal,
    render_note,
)
from adapter.emulators.woocommerce.totals import COUPONS, TAX_RATES, ChargeIn, LineIn, compute_order, money

ORDER_SCHEMA: Schema = {
    "id": I, "parent_id": I, "status": {"type": "string", "enum": list(ORDER_STATUSES)},
    "currency": {"type": "string", "enum": ["CZK", "EUR", "USD", "GBP", "PLN", "HUF"]}, "customer_id": I,
    "customer_note": S, "billing": O, "shipping": O, "payment_method": S, "payment_method_title": S,
    "transaction_id": S, "meta_data": {"type": "array", "items": O}, "line_items": {"type": "array", "items": O},
    "shipping_lines": {"type": "array", "items": O}, "fee_lines": {"type": "array", "items": O},
    "coupon_lines": {"type": "array", "items": O}, "set_paid": B,
}


class OrderRules(ObjectsBase):
    """Orders (lines, totals, status transitions with stock and notes) and their notes."""

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
