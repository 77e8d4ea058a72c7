"""Shop refunds as records, and WooCommerce's refund JSON → records (pure mapping).

WooCommerce stores a refund's lines as negative copies of the order's items
(``quantity``, ``total``, ``total_tax`` negative) and its ``amount`` positive;
the ``_refunded_item_id`` meta that names the original item is protected and
not in the REST answer, so a refund line is matched to the order by product
(variation, SKU) for goods, by method for shipping and by name for fees. The
records here hold everything *positive*: what was given back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from adapter.eshop._json import JsonObject, checked
from adapter.eshop.refunds import ZERO, OrderChange, RefundKind, RefundLine, ShopRefund
from adapter.eshop.woocommerce.mapping import order as woo_order
from adapter.eshop.woocommerce.mapping import wc_time


def _positive(obj: JsonObject, key: str) -> Decimal:
    value = obj.decimal_or(key, ZERO) or ZERO
    return -value if value < 0 else value


def _line(obj: JsonObject, kind: RefundKind) -> RefundLine:
    quantity = obj.decimal_or("quantity", ZERO) or ZERO
    product = obj.integer("product_id", 0) if kind == "product" else 0
    variation = obj.integer("variation_id", 0) if kind == "product" else 0
    return RefundLine(
        kind=kind,
        name=obj.text("name") or obj.text("method_title"),
        quantity=-quantity if quantity < 0 else quantity,
        total=_positive(obj, "total"),
        total_tax=_positive(obj, "total_tax"),
        product_id=product or None,
        variation_id=variation or None,
        sku=obj.text("sku"),
        method_id=obj.text("method_id"),
    )


def refund(obj: JsonObject, order_id: int) -> ShopRefund:
    """One ``/orders/{id}/refunds`` object as a :class:`ShopRefund`."""
    created = obj.moment("date_created_gmt") or obj.moment("date_created")
    if created is None:
        raise ValueError("date_created_gmt missing")
    lines = [_line(o, "product") for o in obj.children("line_items")]
    lines += [_line(o, "shipping") for o in obj.children("shipping_lines")]
    lines += [_line(o, "fee") for o in obj.children("fee_lines")]
    return ShopRefund(
        id=obj.ident(),
        order_id=order_id,
        amount=_positive(obj, "amount"),
        reason=obj.text("reason"),
        created=created,
        lines=tuple(line for line in lines if line.quantity or line.gross),
        currency=obj.text("currency").upper(),
    )


def refund_ids(obj: JsonObject) -> tuple[int, ...]:
    """The ids in an order's ``refunds`` list (``[{id, reason, total}]``)."""
    return tuple(sorted(r.ident() for r in obj.children("refunds")))


# --------------------------------------------------------------------------- WooCommerce reads (the connector delegates here)

Pages = Callable[[str, Sequence[tuple[str, str]]], Iterator[JsonObject]]


def read_order_changes(pages: Pages, *, since: datetime | None, statuses: Sequence[str],
                       overlap_seconds: int) -> Iterator[OrderChange]:
    """Orders of ``statuses`` ("" = any but trash) modified since ``since`` − overlap, oldest first, each once.

    WooCommerce bumps an order's ``date_modified`` when a refund is created
    (``wc_create_refund`` saves the parent), so refunds are found by this read.
    """
    params = [("orderby", "modified"), ("order", "asc"), ("dates_are_gmt", "true"),
              ("status", ",".join(statuses) or "any")]
    after = since - timedelta(seconds=overlap_seconds) if since else None
    if after is not None:
        params.append(("modified_after", wc_time(after)))
    seen: set[int] = set()
    for obj in pages("/orders", params):
        order = checked(f"objednávka {obj.raw('id')}", woo_order, obj.data)
        if order.id in seen or (after is not None and order.modified < after.replace(microsecond=0)):
            continue
        seen.add(order.id)
        yield OrderChange(order, refund_ids(obj))


def read_refunds(pages: Pages, order_id: int) -> list[ShopRefund]:
    """Every refund of one order, oldest first."""
    found = [checked(f"vrácení {obj.raw('id')} objednávky {order_id}", lambda o: refund(o, order_id), obj.data)
             for obj in pages(f"/orders/{int(order_id)}/refunds", [])]
    return sorted(found, key=lambda r: (r.created, r.id))
