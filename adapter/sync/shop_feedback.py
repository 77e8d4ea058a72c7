"""What the orders job tells the shop order besides POHODA's number: state, held reason, error text.

The companion plugin (``shop-plugins/woocommerce/pohoda-adapter``) shows these
order meta on the order screen (keys in :mod:`adapter.shop_plugin`):

* ``_pohoda_status`` — ``transferred``, ``held`` or ``error`` ("" once the order is no longer marked);
* ``_pohoda_held_reason`` — why a held order waits (unpaired SKU, warehouse, VAT rate, currency rate …);
* ``_pohoda_error`` — POHODA's (or the adapter's) error text;
* ``_pohoda_transferred`` — when the order was transferred (ISO 8601, UTC), written with the number.

Each is written only when it differs from what the order already carries,
so a held order re-evaluated every run costs no request until its reason
changes. A connector without ``update_order_meta`` is left alone, and a
failed write is logged, never fatal: the ledger stays
the record, the meta is a courtesy to the shop's staff.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from adapter.errors import EshopError
from adapter.records import Order
from adapter.shop_plugin import ERROR_KEY, HELD_REASON_KEY, STATUS_KEY, changes, wanted
from adapter.sync.context import JobContext

log = logging.getLogger(__name__)


@runtime_checkable
class MetaWriter(Protocol):
    """A connector that can write order meta (WooCommerce)."""

    def update_order_meta(self, order_id: int, meta: dict[str, str]) -> None:
        """Write these meta keys (and only these) to the order."""
        ...


def report(ctx: JobContext, order: Order, state: str, text: str = "") -> None:
    """Write the order's held/error state (or clear it, ``state`` "") when it changed; never raises."""
    if ctx.dry_run:
        return
    if not state and not any(order.meta_value(k) for k in (STATUS_KEY, HELD_REASON_KEY, ERROR_KEY)):
        return
    meta = changes(order, wanted(state, text))
    if not meta:
        return
    try:
        shop = ctx.eshop()
        if not isinstance(shop, MetaWriter):
            return
        ctx.count_request("eshop")
        shop.update_order_meta(order.id, meta)
    except EshopError as exc:
        log.warning("order %s: state for the shop not written: %s", order.id, exc.message)
