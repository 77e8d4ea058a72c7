"""WooCommerce: write what POHODA did with an order back onto it (status, meta, one note).

Used by :meth:`adapter.eshop.woocommerce.WooCommerce.write_back`. Repeating a call with the same
values changes nothing: the order is updated only when a meta value or the status differs, and
the note is added only when no note with the same text is there yet (the order update and its note
are two requests; after a crash between them the next call puts the missing note back, once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from adapter.eshop.woocommerce.api import API

if TYPE_CHECKING:
    from adapter.eshop.woocommerce.connector import WooCommerce


def _has_note(shop: WooCommerce, order_id: int, note: str) -> bool:
    notes = shop._get(f"/orders/{int(order_id)}/notes")
    return isinstance(notes, list) and any(isinstance(n, dict) and str(n.get("note", "")).strip() == note.strip()
                                           for n in notes)


def write_back(shop: WooCommerce, order_id: int, *, status: str, meta: Mapping[str, str], note: str,
               customer_note: bool) -> str:
    """Set ``meta`` (and ``status`` unless empty) on the order and add ``note``; returns the resulting status."""
    current = shop.get_order(order_id)
    resulting = current.status
    changed_meta = {k: v for k, v in meta.items() if current.meta_value(k) != v}
    if changed_meta or (status and current.status != status):
        body: dict[str, object] = {"meta_data": [{"key": k, "value": v} for k, v in changed_meta.items()]}
        if status and current.status != status:
            body["status"] = status
        resulting = shop._put_order(order_id, body).status
    if note and not _has_note(shop, order_id, note):
        shop._http.call("POST", f"{API}/orders/{int(order_id)}/notes",
                        body={"note": note, "customer_note": customer_note})
    return resulting
