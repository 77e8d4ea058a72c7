"""The /wp-json/wc/v3 routes of the WooCommerce emulator: routing, permissions, collections."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapter.emulators.woocommerce.dates import local_to_gmt, parse_request_date
from adapter.emulators.woocommerce.objects import Objects
from adapter.emulators.woocommerce.rest import (
    Request,
    Response,
    WpError,
    collection_schema,
    filter_fields,
    json_response,
    page_headers,
    response_fields,
    validate,
)
from adapter.emulators.woocommerce.setup_api import routes as setup_routes
from adapter.emulators.woocommerce.shapes import ORDER_STATUSES

Doc = dict[str, Any]
Handler = Callable[[Request, dict[str, str]], Response]
NS = "/wp-json/wc/v3"
EDITABLE = ("POST", "PUT", "PATCH")

_DENIED = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "read": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    "batch": ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."),
}

_PRODUCT_ORDERBY = ("date", "modified", "id", "include", "title", "slug", "price", "popularity", "rating", "menu_order")
_ORDER_ORDERBY = ("date", "modified", "id", "include", "title", "slug")


@dataclass(frozen=True)
class Route:
    """One route: a path pattern, handlers per method and the permission kind per method."""

    pattern: re.Pattern[str]
    handlers: dict[str, tuple[str, Handler]]


class WooApi:
    """Dispatches authenticated (or not) requests to the object layer."""

    def __init__(self, objects: Objects, site: dict[str, str]) -> None:
        self.objects = objects
        self.site = site
        self.routes = self._routes()

    # ------------------------------------------------------------------ routing

    def _routes(self) -> list[Route]:
        o = self
        table: list[tuple[str, dict[tuple[str, ...], tuple[str, Handler]]]] = [
            (r"/?", {("GET",): ("public", o.index)}),
            (r"/wc/v3/?", {("GET",): ("public", o.namespace_index)}),
            (r"/wc/v3/products/?", {("GET",): ("list", o.list_products), ("POST",): ("create", o.create_product)}),
            (r"/wc/v3/products/batch/?", {EDITABLE: ("batch", o.batch_products)}),
            (r"/wc/v3/products/(?P<id>\d+)/?", {("GET",): ("read", o.get_product),
                                                 EDITABLE: ("edit", o.update_product),
                                                 ("DELETE",): ("delete", o.delete_product)}),
            (r"/wc/v3/products/(?P<product_id>\d+)/variations/?",
             {("GET",): ("list", o.list_variations), ("POST",): ("create", o.create_variation)}),
            (r"/wc/v3/products/(?P<product_id>\d+)/variations/batch/?", {EDITABLE: ("batch", o.batch_variations)}),
            (r"/wc/v3/products/(?P<product_id>\d+)/variations/(?P<id>\d+)/?",
             {("GET",): ("read", o.get_variation), EDITABLE: ("edit", o.update_variation),
              ("DELETE",): ("delete", o.delete_variation)}),
            (r"/wc/v3/orders/?", {("GET",): ("list", o.list_orders), ("POST",): ("create", o.create_order)}),
            (r"/wc/v3/orders/batch/?", {EDITABLE: ("batch", o.batch_orders)}),
            (r"/wc/v3/orders/(?P<id>\d+)/?", {("GET",): ("read", o.get_order), EDITABLE: ("edit", o.update_order),
                                               ("DELETE",): ("delete", o.delete_order)}),
            (r"/wc/v3/orders/(?P<order_id>\d+)/notes/?",
             {("GET",): ("list", o.list_notes), ("POST",): ("create", o.create_note)}),
            (r"/wc/v3/orders/(?P<order_id>\d+)/notes/(?P<id>\d+)/?",
             {("GET",): ("read", o.get_note), ("DELETE",): ("delete", o.delete_note)}),
            (r"/wc/v3/orders/(?P<order_id>\d+)/refunds/?",
             {("GET",): ("list", o.list_refunds), ("POST",): ("create", o.create_refund)}),
            (r"/wc/v3/orders/(?P<order_id>\d+)/refunds/(?P<id>\d+)/?", {("GET",): ("read", o.get_refund)}),
            (r"/wc/v3/customers/?", {("GET",): ("list", o.list_customers), ("POST",): ("create", o.create_customer)}),
            (r"/wc/v3/customers/batch/?", {EDITABLE: ("batch", o.batch_customers)}),
            (r"/wc/v3/customers/(?P<id>\d+)/?", {("GET",): ("read", o.get_customer),
                                                  EDITABLE: ("edit", o.update_customer),
                                                  ("DELETE",): ("delete", o.delete_customer)}),
            (r"/wc/v3/settings/general/?", {("GET",): ("list", o.settings_general)}),
            (r"/wc/v3/settings/tax/?", {("GET",): ("list", o.settings_tax)}),
            (r"/wc/v3/system_status/?", {("GET",): ("list", o.system_status)}),
            *setup_routes(o.objects.store),
        ]
        routes = []
        for pattern, methods in table:
            handlers = {m: h for ms, h in methods.items() for m in ms}
            routes.append(Route(re.compile(f"^/wp-json{pattern}$"), handlers))
        return routes

    def match(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]]:
        """(permission kind, handler, URL params) or rest_no_route."""
        for route in self.routes:
            found = route.pattern.match(path)
            if found and method in route.handlers:
                kind, handler = route.handlers[method]
                return kind, handler, found.groupdict()
        raise WpError("rest_no_route", "No route was found matching the URL and request method.", 404)

    def dispatch(self, req: Request, authenticated: bool) -> Response:
        """Route, check permissions (after WP's own argument checks, as WordPress does) and run."""
        kind, handler, url_params = self.match(req.method, req.path)
        req.params = {**url_params, **req.params}
        if kind != "public" and not authenticated and self._object_exists(kind, req.path, url_params):
            code, message = _DENIED[kind]
            raise WpError(code, message, 401)
        response = handler(req, url_params)
        keyed = response_fields(req.params.get("_fields"))
        if keyed is None or response.fields_applied or response.status >= 400 or not response.body:
            return response
        data = filter_fields(json.loads(response.body), keyed)  # rest_filter_response_fields
        return json_response(data, response.status, response.headers)

    def _object_exists(self, kind: str, path: str, url: dict[str, str]) -> bool:
        """CRUD permission checks only refuse access to objects that exist."""
        if kind not in ("read", "edit", "delete") or "id" not in url:
            return True
        table = next(t for t in ("notes", "products", "orders", "customers") if f"/{t}/" in path)
        return self.objects.store.get(table, int(url["id"])) is not None

    # ------------------------------------------------------------------ site

    def index(self, req: Request, _: dict[str, str]) -> Response:
        """GET /wp-json/: site name, description, url, namespaces."""
        return json_response({
            "name": self.site["name"], "description": self.site["description"], "url": self.site["url"],
            "home": self.site["url"], "gmt_offset": json.loads(self.site["gmt_offset"]), "timezone_string": "Europe/Prague",
            "namespaces": ["oembed/1.0", "wc/v1", "wc/v2", "wc/v3", "wc/store/v1", "wp/v2", "wp-site-health/v1"],
            "authentication": [], "routes": {},
        })

    def namespace_index(self, req: Request, _: dict[str, str]) -> Response:
        """GET /wp-json/wc/v3."""
        routes = {r.pattern.pattern[9:-1].replace("/?", ""): {"methods": sorted(r.handlers)} for r in self.routes[2:]}
        return json_response({"namespace": "wc/v3", "routes": routes})

    def settings_general(self, req: Request, _: dict[str, str]) -> Response:
        """GET /settings/general (a subset of the real options, same shape)."""
        options = [
            ("woocommerce_store_address", "Adresa", "Náměstí Míru 1"), ("woocommerce_store_city", "Město", "Praha"),
            ("woocommerce_default_country", "Země", "CZ"), ("woocommerce_store_postcode", "PSČ", "120 00"),
            ("woocommerce_currency", "Měna", "CZK"), ("woocommerce_currency_pos", "Pozice měny", "right_space"),
            ("woocommerce_price_thousand_sep", "Oddělovač tisíců", " "),
            ("woocommerce_price_decimal_sep", "Desetinný oddělovač", ","),
            ("woocommerce_price_num_decimals", "Počet desetinných míst", "2"),
            ("woocommerce_calc_taxes", "Povolit daně", "yes"),
        ]
        return self._settings("general", options)

    def settings_tax(self, req: Request, _: dict[str, str]) -> Response:
        """GET /settings/tax (a subset of the real options, same shape)."""
        options = [
            ("woocommerce_prices_include_tax", "Ceny zadány s daní", "yes"),
            ("woocommerce_tax_based_on", "Vypočítat daň na základě", "base"),
            ("woocommerce_tax_round_at_subtotal", "Zaokrouhlení", "no"),
            ("woocommerce_tax_display_shop", "Zobrazit ceny v obchodě", "incl"),
            ("woocommerce_tax_display_cart", "Zobrazit ceny v košíku", "incl"),
        ]
        return self._settings("tax", options)

    def _settings(self, group: str, options: list[tuple[str, str, str]]) -> Response:
        return json_response([{"id": key, "label": label, "description": "", "type": "text", "default": "",
                               "value": value, "group_id": group,
                               "_links": {"self": [{"href": f"{self.site['api']}/settings/{group}/{key}"}]}}
                              for key, label, value in options])

    def system_status(self, req: Request, _: dict[str, str]) -> Response:
        """GET /system_status, minimal."""
        return json_response({
            "environment": {"home_url": self.site["url"], "site_url": self.site["url"], "version": "9.8.5",
                            "wp_version": "6.8.1", "language": "cs_CZ", "server_info": "WooCommerce emulator"},
            "database": {"wc_database_version": "9.8.5"},
            "active_plugins": [{"plugin": "woocommerce/woocommerce.php", "name": "WooCommerce", "version": "9.8.5"}],
            "settings": {"api_enabled": True, "currency": "CZK", "currency_symbol": "Kč",
                         "thousand_separator": " ", "decimal_separator": ",", "number_of_decimals": 2,
                         "taxonomies": {}, "woocommerce_com_connected": "no"},
            "security": {"secure_connection": self.site["url"].startswith("https"), "hide_errors": True},
        })

    # ------------------------------------------------------------------ collections

    def _list(self, req: Request, table: str, where: list[str], args: list[Any], params: Doc,
              render: Callable[[Doc], Doc]) -> Response:
        self._date_filters(params, where, args)
        if params["include"]:
            where.append(f"id IN ({','.join('?' * len(params['include']))})")
            args.extend(params["include"])
        if params["exclude"]:
            where.append(f"id NOT IN ({','.join('?' * len(params['exclude']))})")
            args.extend(params["exclude"])
        if params.get("search"):
            where.append("instr(search, ?) > 0")
            args.append(params["search"].casefold())
        per_page = params["per_page"]
        offset = params["offset"] if params.get("offset") is not None else (params["page"] - 1) * per_page
        docs, total = self.objects.store.find(table, where, args, _order_sql(params, table), per_page, offset)
        headers = page_headers(req, self.site["url"], total, params["page"], per_page)
        items = [render(d) for d in docs]
        keyed = response_fields(params.get("_fields"))
        response = json_response(items if keyed is None else filter_fields(items, keyed), 200, headers)
        response.fields_applied = True
        return response

    @staticmethod
    def _date_filters(params: Doc, where: list[str], args: list[Any]) -> None:
        gmt = params["dates_are_gmt"]
        for name, column, op in (("after", "created", ">"), ("before", "created", "<"),
                                 ("modified_after", "modified", ">"), ("modified_before", "modified", "<")):
            if params.get(name):
                where.append(f"{column} {op} ?")
                args.append(_gmt_bound(params[name], gmt))

    def list_products(self, req: Request, _: dict[str, str]) -> Response:
        """GET /products."""
        schema = {
            **collection_schema(_PRODUCT_ORDERBY),
            "status": {"type": "string", "enum": ["any", "future", "trash", "draft", "pending", "private", "publish"],
                       "default": "any"},
            "type": {"type": "string", "enum": ["simple", "grouped", "external", "variable"]},
            "sku": {"type": "string"}, "slug": {"type": "string"},
            "parent": {"type": "array", "items": {"type": "integer"}, "default": []},
            "stock_status": {"type": "string", "enum": ["instock", "outofstock", "onbackorder"]},
        }
        p = validate(req.params, schema)
        where, args = ([] if p.get("sku") else ["type != 'variation'"]), []
        where.append("status != 'trash'" if p["status"] == "any" else "status = ?")
        if p["status"] != "any":
            args.append(p["status"])
        for column in ("type", "slug"):
            if p.get(column):
                where.append(f"{column} = ?")
                args.append(p[column])
        if p.get("sku"):
            skus = [s.strip() for s in p["sku"].split(",")]
            where.append(f"sku COLLATE NOCASE IN ({','.join('?' * len(skus))})")  # MySQL collation: case-blind
            args.extend(skus)
        if p["parent"]:
            where.append(f"parent_id IN ({','.join('?' * len(p['parent']))})")
            args.extend(p["parent"])
        if p.get("stock_status"):
            where.append("json_extract(doc, '$.stock_status') = ?")
            args.append(p["stock_status"])
        return self._list(req, "products", where, args, p, self.objects.answer_product)

    def list_variations(self, req: Request, url: dict[str, str]) -> Response:
        """GET /products/{id}/variations."""
        parent = self.objects.product(int(url["product_id"]))
        p = validate(req.params, {**collection_schema(_ORDER_ORDERBY), "sku": {"type": "string"}})
        where, args = ["parent_id = ?", "type = 'variation'"], [parent["id"]]
        if p.get("sku"):
            where.append("sku = ? COLLATE NOCASE")
            args.append(p["sku"])
        return self._list(req, "products", where, args, p, self.objects.answer_variation)

    def list_orders(self, req: Request, _: dict[str, str]) -> Response:
        """GET /orders."""
        schema = {
            **collection_schema(_ORDER_ORDERBY),
            "status": {"type": "array", "items": {"type": "string", "enum": ["any", "trash", *ORDER_STATUSES]},
                       "default": ["any"]},
            "customer": {"type": "integer"}, "product": {"type": "integer"},
        }
        p = validate(req.params, schema)
        where, args = [], []
        statuses = [s for s in p["status"] if s != "any"]
        if statuses and "any" not in p["status"]:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        else:
            where.append("status NOT IN ('trash', 'checkout-draft')")
        if p.get("customer") is not None:
            where.append("customer_id = ?")
            args.append(p["customer"])
        return self._list(req, "orders", where, args, p, self.objects.render_order)

    def list_customers(self, req: Request, _: dict[str, str]) -> Response:
        """GET /customers (role defaults to customer, name ascending)."""
        schema = {
            **collection_schema(("id", "include", "name", "registered_date"), "name", "asc"),
            "email": {"type": "string", "format": "email"},
            "role": {"type": "string", "enum": ["all", "administrator", "shop_manager", "customer", "subscriber"],
                     "default": "customer"},
        }
        p = validate(req.params, schema)
        where, args = [], []
        if p["role"] != "all":
            where.append("role = ?")
            args.append(p["role"])
        if p.get("email"):
            where.append("email = ?")
            args.append(p["email"].casefold())
        return self._list(req, "customers", where, args, p, self.objects.render_customer)

    def list_notes(self, req: Request, url: dict[str, str]) -> Response:
        """GET /orders/{id}/notes (newest first; type any|customer|internal)."""
        order = self.objects.order(int(url["order_id"]))
        p = validate(req.params, {"type": {"type": "string", "enum": ["any", "customer", "internal"], "default": "any"}})
        notes = self.objects.notes_of(order["id"])
        if p["type"] != "any":
            notes = [n for n in notes if n["customer_note"] == (p["type"] == "customer")]
        return json_response(notes)

    def list_refunds(self, req: Request, url: dict[str, str]) -> Response:
        """GET /orders/{id}/refunds (newest first, one page: an order has few refunds)."""
        order = self.objects.order(int(url["order_id"]))
        refunds = [self.objects.render_refund(r) for r in self.objects.refunds_of(order)]
        return json_response(refunds, headers=[("X-WP-Total", str(len(refunds))), ("X-WP-TotalPages", "1")])

    def get_refund(self, req: Request, url: dict[str, str]) -> Response:
        """GET /orders/{oid}/refunds/{id}."""
        order = self.objects.order(int(url["order_id"]))
        return json_response(self.objects.render_refund(self.objects.refund(order, int(url["id"]))))

    def create_refund(self, req: Request, url: dict[str, str]) -> Response:
        """POST /orders/{oid}/refunds."""
        return json_response(self.objects.render_refund(self.objects.create_refund(int(url["order_id"]), req.params)),
                             201)

    # ------------------------------------------------------------------ single objects

    def get_product(self, req: Request, url: dict[str, str]) -> Response:
        """GET /products/{id}."""
        return json_response(self.objects.render_product(self.objects.product(int(url["id"]))))

    def create_product(self, req: Request, _: dict[str, str]) -> Response:
        """POST /products."""
        doc = self.objects.create_product(req.params)
        return json_response(self.objects.render_product(doc), 201,
                             [("Location", f"{self.site['api']}/products/{doc['id']}")])

    def update_product(self, req: Request, url: dict[str, str]) -> Response:
        """PUT /products/{id}."""
        return json_response(self.objects.render_product(self.objects.update_product(req.params)))

    def delete_product(self, req: Request, url: dict[str, str]) -> Response:
        """DELETE /products/{id}[?force=true]."""
        return json_response(self.objects.delete_product(req.params))

    def get_variation(self, req: Request, url: dict[str, str]) -> Response:
        """GET /products/{pid}/variations/{id}."""
        doc = self.objects.variation(int(url["product_id"]), int(url["id"]))
        return json_response(self.objects.render_variation(doc))

    def create_variation(self, req: Request, url: dict[str, str]) -> Response:
        """POST /products/{pid}/variations."""
        doc = self.objects.create_variation(req.params)
        return json_response(self.objects.render_variation(doc), 201)

    def update_variation(self, req: Request, url: dict[str, str]) -> Response:
        """PUT /products/{pid}/variations/{id}."""
        return json_response(self.objects.render_variation(self.objects.update_variation(req.params)))

    def delete_variation(self, req: Request, url: dict[str, str]) -> Response:
        """DELETE /products/{pid}/variations/{id}?force=true."""
        return json_response(self.objects.delete_variation(req.params))

    def get_order(self, req: Request, url: dict[str, str]) -> Response:
        """GET /orders/{id}."""
        return json_response(self.objects.render_order(self.objects.order(int(url["id"]))))

    def create_order(self, req: Request, _: dict[str, str]) -> Response:
        """POST /orders."""
        doc = self.objects.create_order(req.params)
        return json_response(self.objects.render_order(doc), 201,
                             [("Location", f"{self.site['api']}/orders/{doc['id']}")])

    def update_order(self, req: Request, url: dict[str, str]) -> Response:
        """PUT /orders/{id}."""
        return json_response(self.objects.render_order(self.objects.update_order(req.params)))

    def delete_order(self, req: Request, url: dict[str, str]) -> Response:
        """DELETE /orders/{id}[?force=true]."""
        return json_response(self.objects.delete_order(req.params))

    def get_note(self, req: Request, url: dict[str, str]) -> Response:
        """GET /orders/{oid}/notes/{id}."""
        return json_response(self.objects.note(int(url["order_id"]), int(url["id"])))

    def create_note(self, req: Request, url: dict[str, str]) -> Response:
        """POST /orders/{oid}/notes."""
        return json_response(self.objects.create_note(int(url["order_id"]), req.params), 201)

    def delete_note(self, req: Request, url: dict[str, str]) -> Response:
        """DELETE /orders/{oid}/notes/{id}?force=true."""
        return json_response(self.objects.delete_note(int(url["order_id"]), int(url["id"]), req.params))

    def get_customer(self, req: Request, url: dict[str, str]) -> Response:
        """GET /customers/{id}."""
        return json_response(self.objects.render_customer(self.objects.customer(int(url["id"]))))

    def create_customer(self, req: Request, _: dict[str, str]) -> Response:
        """POST /customers."""
        doc = self.objects.create_customer(req.params)
        return json_response(self.objects.render_customer(doc), 201,
                             [("Location", f"{self.site['api']}/customers/{doc['id']}")])

    def update_customer(self, req: Request, url: dict[str, str]) -> Response:
        """PUT /customers/{id}."""
        return json_response(self.objects.render_customer(self.objects.update_customer(req.params)))

    def delete_customer(self, req: Request, url: dict[str, str]) -> Response:
        """DELETE /customers/{id}?force=true."""
        return json_response(self.objects.delete_customer(req.params))

    # ------------------------------------------------------------------ batches

    def batch_products(self, req: Request, _: dict[str, str]) -> Response:
        """POST /products/batch."""
        o = self.objects
        return json_response(o.batch(req.params, o.create_product, o.update_product, o.delete_product,
                                     o.answer_product))

    def batch_variations(self, req: Request, url: dict[str, str]) -> Response:
        """POST /products/{pid}/variations/batch."""
        o = self.objects
        pid = url["product_id"]
        o.product(int(pid))
        return json_response(o.batch(req.params, o.create_variation, o.update_variation, o.delete_variation,
                                     o.answer_variation, {"product_id": pid}))

    def batch_orders(self, req: Request, _: dict[str, str]) -> Response:
        """POST /orders/batch."""
        o = self.objects
        return json_response(o.batch(req.params, o.create_order, o.batch_update_order, o.delete_order,
                                     o.render_order))

    def batch_customers(self, req: Request, _: dict[str, str]) -> Response:
        """POST /customers/batch."""
        o = self.objects
        return json_response(o.batch(req.params, o.create_customer, o.update_customer, o.delete_customer,
                                     o.render_customer))


def _gmt_bound(text: str, dates_are_gmt: bool) -> str:
    """A request date as a GMT column bound; naive dates are in the column's zone."""
    has_offset = re.search(r"(Z|[+-]\d{2}:?\d{2})$", text.strip()) is not None
    if dates_are_gmt or has_offset:
        return parse_request_date(text, gmt=True) or text
    return local_to_gmt(parse_request_date(text, gmt=False) or text)


def _order_sql(p: Doc, table: str) -> str:
    """ORDER BY for WooCommerce's orderby/order (date and modified tie-break on ID)."""
    direction = "ASC" if p["order"] == "asc" else "DESC"
    orderby = p["orderby"]
    if orderby == "include" and p["include"]:
        cases = " ".join(f"WHEN {int(i)} THEN {n}" for n, i in enumerate(p["include"]))
        return f"CASE id {cases} END ASC"
    if table == "orders" and orderby in ("title", "slug"):
        orderby = "id"
    column = {
        "date": "created", "registered_date": "created", "modified": "modified", "title": "name",
        "slug": "slug", "name": "name", "price": "CAST(json_extract(doc, '$.price') AS REAL)",
    }.get(orderby)
    if column is None:
        return f"id {direction}"
    return f"{column} {direction}, id {direction}"
