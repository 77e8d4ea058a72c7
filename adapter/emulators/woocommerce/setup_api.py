"""The WooCommerce emulator's shop set-up reads: payment gateways, shipping zones and methods,
tax rates and the order status totals, in WooCommerce's REST shapes (``/wc/v3``).

A Czech shop as it is usually set up: bank transfer, cash on delivery and a card gateway;
one zone "Česko" with Zásilkovna, PPL, personal pickup and free shipping; the standard
(21 %) and reduced (12 %) rates and a zero rate. Read-only, as the adapter only reads them.

As the real shop answers (WooCommerce 10 sources, checked against the real-shop fixture):
``shipping/zones`` lists zone 0 first; ``taxes`` is a paged collection (``per_page`` 1–100,
default 10, ``X-WP-Total``/``X-WP-TotalPages``); ``taxes/classes`` starts with "standard";
``reports/orders/totals`` lists every registered status (plugins' too, see
:func:`register_order_status`) as ``slug`` without ``wc-``, ``name`` and ``total``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapter.emulators.woocommerce.rest import (
    Request,
    Response,
    WpError,
    json_response,
    page_headers,
    validate,
)
from adapter.emulators.woocommerce.shapes import ORDER_STATUSES, STATUS_LABELS

if TYPE_CHECKING:
    from adapter.emulators.woocommerce.store import Store

Handler = Callable[[Request, dict[str, str]], Response]

GATEWAYS = [
    ("bacs", "Bankovní převod", True), ("cod", "Dobírka", True), ("gopay", "Platební karta (GoPay)", True),
    ("cheque", "Šek", False),
]
ZONES = {0: "Místa, která nepokrývají jiné zóny", 1: "Česko"}
METHODS = {
    0: [],
    1: [("flat_rate", "Zásilkovna"), ("ppl", "PPL"), ("local_pickup", "Osobní odběr"), ("free_shipping", "Doprava zdarma")],
}
TAXES = [(1, "CZ", "21.0000", "DPH", "standard"), (2, "CZ", "12.0000", "DPH snížená", "reduced-rate"),
         (3, "CZ", "0.0000", "Osvobozeno", "zero-rate")]
TAX_CLASSES = [("standard", "Standard rate"), ("reduced-rate", "Reduced rate"), ("zero-rate", "Zero rate")]
#: the store's key of the statuses plugins registered (slug → name)
PLUGIN_STATUSES_KEY = "plugin_order_statuses"
_PAGING = {"page": {"type": "integer", "minimum": 1, "default": 1},
           "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}}


def gateways(req: Request, _: dict[str, str]) -> Response:
    """GET /payment_gateways."""
    return json_response([{"id": gid, "title": title, "description": "", "order": n, "enabled": on,
                           "method_title": title, "method_description": "", "settings": {}}
                          for n, (gid, title, on) in enumerate(GATEWAYS)])


def zones(req: Request, _: dict[str, str]) -> Response:
    """GET /shipping/zones."""
    return json_response([{"id": zid, "name": name, "order": zid} for zid, name in ZONES.items()])


def zone_methods(req: Request, url: dict[str, str]) -> Response:
    """GET /shipping/zones/<id>/methods."""
    zid = int(url["zone_id"])
    if zid not in METHODS:
        raise WpError("woocommerce_rest_shipping_zone_invalid", "Resource does not exist.", 404)
    return json_response([{"id": n + 1, "instance_id": n + 1, "title": title, "order": n, "enabled": True,
                           "method_id": mid, "method_title": title, "method_description": "", "settings": {}}
                          for n, (mid, title) in enumerate(METHODS[zid])])


def taxes(req: Request, _: dict[str, str]) -> Response:
    """GET /taxes: a paged collection."""
    p = validate(req.params, _PAGING)
    page, per_page = p["page"], p["per_page"]
    rows = TAXES[(page - 1) * per_page:page * per_page]
    return json_response([{"id": tid, "country": country, "state": "", "postcode": "", "city": "", "rate": rate,
                           "name": name, "priority": 1, "compound": False, "shipping": True, "order": tid,
                           "class": cls, "postcodes": [], "cities": []} for tid, country, rate, name, cls in rows],
                         headers=page_headers(req, "", len(TAXES), page, per_page))


def tax_classes(req: Request, _: dict[str, str]) -> Response:
    """GET /taxes/classes."""
    return json_response([{"slug": slug, "name": name} for slug, name in TAX_CLASSES])


def register_order_status(store: Store, slug: str, name: str) -> None:
    """Register an order status as a plugin does (``register_post_status`` + ``wc_order_statuses``)."""
    extra = plugin_statuses(store)
    extra[slug.removeprefix("wc-")] = name
    store.set_kv(PLUGIN_STATUSES_KEY, json.dumps(extra))


def plugin_statuses(store: Store) -> dict[str, str]:
    """The statuses plugins registered: slug → name."""
    raw = store.get_kv(PLUGIN_STATUSES_KEY)
    return dict(json.loads(raw)) if raw else {}


def status_totals(store: Store) -> Handler:
    """GET /reports/orders/totals: every registered order status with its slug, name and count."""

    def handler(req: Request, _: dict[str, str]) -> Response:
        def count(status: str) -> int:
            return len(store.ids("orders", ["status = ?"], [status]))

        core = [(s, STATUS_LABELS.get(s, s)) for s in ORDER_STATUSES if s != "checkout-draft"]
        return json_response([{"slug": s, "name": name, "total": count(s)}
                              for s, name in [*core, *plugin_statuses(store).items()]])

    return handler


def routes(store: Store) -> list[tuple[str, dict[tuple[str, ...], tuple[str, Any]]]]:
    """The route table entries (pattern, methods) for :class:`~adapter.emulators.woocommerce.api.WooApi`."""
    return [
        (r"/wc/v3/payment_gateways/?", {("GET",): ("list", gateways)}),
        (r"/wc/v3/shipping/zones/?", {("GET",): ("list", zones)}),
        (r"/wc/v3/shipping/zones/(?P<zone_id>\d+)/methods/?", {("GET",): ("list", zone_methods)}),
        (r"/wc/v3/taxes/?", {("GET",): ("list", taxes)}),
        (r"/wc/v3/taxes/classes/?", {("GET",): ("list", tax_classes)}),
        (r"/wc/v3/reports/orders/totals/?", {("GET",): ("list", status_totals(store))}),
    ]
