"""What every WooCommerce object rule shares: rendering, modified stamps, meta data and batches.

:class:`ObjectsBase` is the common ground of the rule mixins in ``products``,
``orders`` and ``customers``; :class:`~adapter.emulators.woocommerce.objects.Objects`
combines them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from adapter.emulators.woocommerce.dates import Clock
from adapter.emulators.woocommerce.rest import Spec, WpError
from adapter.emulators.woocommerce.seed import sync_variable
from adapter.emulators.woocommerce.shapes import (
    render_customer,
    render_order,
    render_product,
    render_variation,
)
from adapter.emulators.woocommerce.store import Store

Doc = dict[str, Any]


def _batch_item(item: Any) -> Any:
    """A batch item as ``update_item`` sees it: ``batch_items`` skips the route's argument validation,
    so a fractional ``stock_quantity`` is not refused but truncated by ``wc_stock_amount()``."""
    if isinstance(item, dict) and isinstance(item.get("stock_quantity"), float):
        return {**item, "stock_quantity": int(item["stock_quantity"])}
    return item
Schema = dict[str, Spec]  #: a route's arguments: name → ``WP_REST_Request`` spec
#: argument schema building blocks (``WP_REST_Request`` types)
S: Spec = {"type": "string"}
B: Spec = {"type": "boolean"}
I: Spec = {"type": "integer"}  # noqa: E741
A: Spec = {"type": "array"}
O: Spec = {"type": "object"}  # noqa: E741


class ObjectsBase:
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
                    out.setdefault("create", []).append(self._one(create, {**item, **extra}, 0, render))
                for item in map(_batch_item, items.get("update", [])):
                    item_id = item.get("id") if isinstance(item, dict) else None
                    out.setdefault("update", []).append(self._one(update, {**item, **extra}, item_id, render))
                for raw in items.get("delete", []):
                    obj_id = int(raw) if str(raw).lstrip("-").isdigit() else 0
                    if obj_id == 0:
                        continue
                    args = {**extra, "id": obj_id, "force": True}
                    out.setdefault("delete", []).append(self._one(delete, args, obj_id))
            finally:
                parents, self._batch_state.parents = self._batch_state.parents, None
                for parent_id in sorted(parents):
                    parent = self.store.get("products", parent_id)
                    if parent is not None and parent.get("type") == "variable":
                        self._sync_parent(parent)
        return out

    @staticmethod
    def _one(action: Callable[[Doc], Doc], params: Doc, obj_id: Any,
             render: Callable[[Doc], Doc] | None = None) -> Doc:
        """One batch item: ``render(action(params))``, or its error in WooCommerce's batch shape."""
        try:
            done = action(params)
            return render(done) if render is not None else done
        except WpError as err:
            return {"id": obj_id, "error": {"code": err.code, "message": err.message,
                                            "data": {"status": err.status, **err.data}}}

    def _sync_parent(self, parent: Doc, *, save: bool = True) -> None:
        """``WC_Product_Variable::sync``: the parent's summary from its variations.

        Saved (``save``), the parent's ``date_modified`` moves as in WooCommerce: a variation's save or
        delete queues ``wc_deferred_product_sync`` of its parent, whose ``$product->save()`` updates
        ``post_modified`` even when nothing else changed (``WC_Product_Data_Store_CPT::update``).
        """
        children, _ = self.store.find("products", ["parent_id = ?", "type = 'variation'"], [parent["id"]])
        parent["variations"] = [c["id"] for c in children]
        sync_variable(parent, children)
        if save:
            self._stamp(parent)
            self.store.put("products", parent)
