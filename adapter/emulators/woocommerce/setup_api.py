"""The WooCommerce emulator's shop set-up reads: payment gateways, shipping zones and methods,
tax rates and the order status totals, in WooCommerce's REST shapes (``/wc/v3``).

A Czech shop as it is usually set up: bank transfer, cash on delivery and a card gateway;
one zone "Česko" with Zásilkovna, PPL, personal pickup and free shipping; the standard
(21 %) and reduced (12 %) rates and a zero rate. Read-only, as the adapter only reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapter.emulators.woocommerce.rest import Request, Response, WpError, json_response
from adapter.emulators.woocommerce.shapes import ORDER_STATUSES, STATUS_LABELS

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
    """GET /taxes."""
    return json_response([{"id": tid, "country": country, "state": "", "postcode": "", "city": "", "rate": rate,
                           "name": name, "priority": 1, "compound": False, "shipping": True, "order": tid,
                           "class": cls} for tid, country, rate, name, cls in TAXES])


def status_totals(count: Callable[[str], int]) -> Handler:
    """GET /reports/orders/totals: every order status with its slug, Czech name and count."""

    def handler(req: Request, _: dict[str, str]) -> Response:
        return json_response([{"slug": s, "name": STATUS_LABELS.get(s, s), "total": count(s)}
                              for s in ORDER_STATUSES if s != "checkout-draft"])

    return handler


def routes(count_status: Callable[[str], int]) -> list[tuple[str, dict[tuple[str, ...], tuple[str, Any]]]]:
    """The route table entries (pattern, methods) for :class:`~adapter.emulators.woocommerce.api.WooApi`."""
    return [
        (r"/wc/v3/payment_gateways/?", {("GET",): ("list", gateways)}),
        (r"/wc/v3/shipping/zones/?", {("GET",): ("list", zones)}),
        (r"/wc/v3/shipping/zones/(?P<zone_id>\d+)/methods/?", {("GET",): ("list", zone_methods)}),
        (r"/wc/v3/taxes/?", {("GET",): ("list", taxes)}),
        (r"/wc/v3/reports/orders/totals/?", {("GET",): ("list", status_totals(count_status))}),
    ]
