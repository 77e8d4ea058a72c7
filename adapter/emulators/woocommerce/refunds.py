"""Order refunds of the WooCommerce emulator (``/orders/{id}/refunds``), with WooCommerce 10's own rules.

Read from WooCommerce 10.0.2 (``WC_REST_Order_Refunds_Controller``,
``RestApiParameterUtil::adjust_create_refund_request_parameters`` and
``wc_create_refund``):

* ``amount`` (a positive string) must not exceed the order's remaining
  refundable amount → ``woocommerce_rest_cannot_create_order_refund``
  "Invalid refund amount." (HTTP 500); a negative one → HTTP 400
  ``woocommerce_rest_invalid_order_refund``. Without ``amount`` it is the sum of
  the lines' ``refund_total`` and ``refund_tax``.
* ``line_items`` in the request: ``id`` (the order's line, shipping or fee
  item), ``quantity``, ``refund_total`` (net), ``refund_tax``
  (``[{id: rate id, refund_total}]``). The stored refund copies the item with
  **negative** ``quantity``, ``total``, ``subtotal`` and taxes; the refund's
  ``amount`` stays positive. The ``_refunded_item_id`` meta is protected and
  does not show in the REST answer.
* ``api_refund`` defaults to true and asks the payment gateway to move money;
  the emulated gateways (cod, bacs, cheque) cannot, so such a request fails
  like WooCommerce's ``wc_refund_payment`` does. We never move money: the
  adapter only reads refunds.
* A refund leaving nothing to refund sets the order ``refunded``; the order's
  ``refunds`` list (``id``, ``reason``, ``total`` negative) and its
  ``date_modified`` change with every refund.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from adapter.emulators.woocommerce.dates import gmt_to_local
from adapter.emulators.woocommerce.object_base import A, B, Doc, S, Schema
from adapter.emulators.woocommerce.orders import OrderRules
from adapter.emulators.woocommerce.rest import WpError, validate
from adapter.emulators.woocommerce.totals import fmt

REFUND_SCHEMA: Schema = {"amount": S, "reason": S, "line_items": A, "api_refund": B, "api_restock": B,
                         "meta_data": A}
#: payment methods whose (emulated) gateway cannot refund automatically
MANUAL_GATEWAYS = ("cod", "bacs", "cheque", "")


def _money(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise WpError("rest_invalid_param", f"Invalid parameter(s): {what}", 400) from None


class RefundRules(OrderRules):
    """Refunds of orders, stored inside their order (``_refund_docs``)."""

    def refunds_of(self, order: Doc) -> list[Doc]:
        """The stored refunds of an order, newest first (as WooCommerce lists them)."""
        return list(reversed(order.get("_refund_docs", [])))

    def refund(self, order: Doc, refund_id: int) -> Doc:
        """One refund of an order or 404."""
        docs: list[Doc] = order.get("_refund_docs", [])
        for doc in docs:
            if doc["id"] == refund_id:
                return doc
        raise WpError("woocommerce_rest_invalid_id", "Invalid ID.", 404)

    def render_refund(self, doc: Doc) -> Doc:
        """Refund JSON as ``/orders/{id}/refunds`` answers it."""
        out = {k: v for k, v in doc.items() if not k.startswith("_")}
        out["date_created"] = gmt_to_local(doc["date_created_gmt"])
        base = self._api()
        out["_links"] = {"self": [{"href": f"{base}/orders/{doc['_order_id']}/refunds/{doc['id']}"}],
                         "collection": [{"href": f"{base}/orders/{doc['_order_id']}/refunds"}],
                         "up": [{"href": f"{base}/orders/{doc['_order_id']}"}]}
        return out

    def remaining_refund(self, order: Doc) -> Decimal:
        """``WC_Order::get_remaining_refund_amount``: total minus everything refunded."""
        refunded = sum((Decimal(r["amount"]) for r in order.get("_refund_docs", [])), Decimal(0))
        return Decimal(order.get("total", "0")) - refunded

    def create_refund(self, order_id: int, params: Doc) -> Doc:
        """POST /orders/{id}/refunds."""
        order = self.store.get("orders", order_id)
        if order is None:
            raise WpError("woocommerce_rest_invalid_order_id", "Invalid order ID.", 404)
        p = validate(params, REFUND_SCHEMA)
        items = [self._refund_item(order, line) for line in p.get("line_items") or []]
        if "amount" in p:
            amount = _money(p["amount"], "amount")
        else:
            amount = -sum((Decimal(i["total"]) + Decimal(i["total_tax"]) for i in items), Decimal(0))
        if amount < 0:
            raise WpError("woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.", 400)
        if amount > self.remaining_refund(order):
            raise WpError("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)
        if p.get("api_refund", True) and order.get("payment_method", "") in MANUAL_GATEWAYS:
            raise WpError("woocommerce_rest_cannot_create_order_refund",
                          "The payment gateway for this order does not support automatic refunds.", 500)
        doc: Doc = {
            "id": self.store.next_id("post"), "_order_id": order_id, "date_created_gmt": self.clock.stamp(),
            "amount": fmt(amount), "reason": p.get("reason") or "", "refunded_by": 1,
            "refunded_payment": False, "meta_data": [],
            "line_items": [i for i in items if i["_kind"] == "line_item"],
            "shipping_lines": [i for i in items if i["_kind"] == "shipping"],
            "fee_lines": [i for i in items if i["_kind"] == "fee"], "tax_lines": [],
        }
        for group in ("line_items", "shipping_lines", "fee_lines"):
            for item in doc[group]:
                item.pop("_kind")
        order.setdefault("_refund_docs", []).append(doc)
        order["refunds"] = [{"id": r["id"], "reason": r["reason"], "total": fmt(-Decimal(r["amount"]))}
                            for r in reversed(order["_refund_docs"])]
        if self.remaining_refund(order) <= 0:
            self._set_status(order, "refunded")
        self._stamp(order)
        self.store.put("orders", order)
        return doc

    def _refund_item(self, order: Doc, line: Any) -> Doc:
        """One requested refund line as WooCommerce stores it (a negative copy of the order item)."""
        if not isinstance(line, dict) or "id" not in line:
            raise WpError("rest_invalid_param", "Invalid parameter(s): line_items", 400)
        kinds = (("line_items", "line_item"), ("shipping_lines", "shipping"), ("fee_lines", "fee"))
        for group, kind in kinds:
            for item in order.get(group, []):
                if str(item["id"]) == str(line["id"]):
                    return self._negative_copy(item, kind, line)
        raise WpError("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500)

    def _negative_copy(self, item: Doc, kind: str, line: Doc) -> Doc:
        qty = int(line.get("quantity") or 0)
        if kind == "line_item" and qty > int(item.get("quantity", 0)):
            raise WpError("woocommerce_rest_cannot_create_order_refund", "Invalid refund quantity.", 500)
        total = _money(line.get("refund_total"), "refund_total")
        taxes = [{"id": int(t.get("id", 0)), "total": fmt(-_money(t.get("refund_total"), "refund_tax")),
                  "subtotal": fmt(-_money(t.get("refund_total"), "refund_tax"))}
                 for t in line.get("refund_tax") or [] if isinstance(t, dict)]
        tax = sum((Decimal(str(t["total"])) for t in taxes), Decimal(0))
        copy = {k: v for k, v in item.items() if k not in ("id", "meta_data", "taxes")}
        copy.update(id=self.store.next_id("item"), _kind=kind, total=fmt(-total), total_tax=fmt(tax), taxes=taxes,
                    meta_data=[])
        if kind == "line_item":
            copy.update(quantity=-qty, subtotal=fmt(-total), subtotal_tax=fmt(tax),
                        price=float(-total / qty) if qty else 0.0)
        return copy
