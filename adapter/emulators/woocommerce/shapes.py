"""WooCommerce REST v3 JSON shapes: default documents, rendering, stock and price fields.

Stored documents are compact (only the fields the emulator manages or a
client wrote); ``render_*`` merges them over WooCommerce's full default
shape, adds the local-time twins of every ``*_gmt`` date and the ``_links``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from adapter.emulators.woocommerce.dates import gmt_to_local

Doc = dict[str, Any]
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft")
STATUS_LABELS = {
    "pending": "Čeká na platbu", "processing": "Zpracovává se", "on-hold": "Čeká na vyřízení",
    "completed": "Dokončeno", "cancelled": "Zrušeno", "refunded": "Vráceno", "failed": "Selhalo",
    "checkout-draft": "Koncept", "trash": "Koš",
}
CURRENCY_SYMBOLS = {"CZK": "Kč", "EUR": "€"}


_CZECH = str.maketrans("áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ", "acdeeinorstuuyzACDEEINORSTUUYZ")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """WordPress-like slug: ASCII, lower case, hyphens."""
    ascii_text = text.translate(_CZECH)
    if not ascii_text.isascii():
        ascii_text = unicodedata.normalize("NFKD", ascii_text).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")


# --------------------------------------------------------------------------- defaults

_ADDRESS = {
    "first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "", "city": "",
    "state": "", "postcode": "", "country": "",
}
BILLING_DEFAULT: Doc = {**_ADDRESS, "email": "", "phone": ""}
SHIPPING_DEFAULT: Doc = {**_ADDRESS, "phone": ""}

PRODUCT_DEFAULT: Doc = {
    "name": "", "slug": "", "permalink": "", "type": "simple", "status": "publish", "featured": False,
    "catalog_visibility": "visible", "description": "", "short_description": "", "sku": "",
    "global_unique_id": "", "price": "", "regular_price": "", "sale_price": "", "date_on_sale_from": None,
    "date_on_sale_from_gmt": None, "date_on_sale_to": None, "date_on_sale_to_gmt": None, "price_html": "",
    "on_sale": False, "purchasable": True, "total_sales": 0, "virtual": False, "downloadable": False,
    "downloads": [], "download_limit": -1, "download_expiry": -1, "external_url": "", "button_text": "",
    "tax_status": "taxable", "tax_class": "", "manage_stock": False, "stock_quantity": None,
    "backorders": "no", "backorders_allowed": False, "backordered": False, "low_stock_amount": None,
    "sold_individually": False, "weight": "", "dimensions": {"length": "", "width": "", "height": ""},
    "shipping_required": True, "shipping_taxable": True, "shipping_class": "", "shipping_class_id": 0,
    "reviews_allowed": True, "average_rating": "0.00", "rating_count": 0, "upsell_ids": [],
    "cross_sell_ids": [], "parent_id": 0, "purchase_note": "",
    "categories": [{"id": 15, "name": "Nezařazené", "slug": "nezarazene"}], "brands": [], "tags": [],
    "images": [], "attributes": [], "default_attributes": [], "variations": [], "grouped_products": [],
    "menu_order": 0, "related_ids": [], "meta_data": [], "stock_status": "instock", "has_options": False,
    "post_password": "",
}
VARIATION_DEFAULT: Doc = {
    "name": "", "type": "variation", "description": "", "permalink": "", "sku": "", "global_unique_id": "",
    "price": "", "regular_price": "", "sale_price": "", "date_on_sale_from": None,
    "date_on_sale_from_gmt": None, "date_on_sale_to": None, "date_on_sale_to_gmt": None, "on_sale": False,
    "status": "publish", "purchasable": True, "virtual": False, "downloadable": False, "downloads": [],
    "download_limit": -1, "download_expiry": -1, "tax_status": "taxable", "tax_class": "",
    "manage_stock": False, "stock_quantity": None, "stock_status": "instock", "backorders": "no",
    "backorders_allowed": False, "backordered": False, "low_stock_amount": None, "weight": "",
    "dimensions": {"length": "", "width": "", "height": ""}, "shipping_class": "", "shipping_class_id": 0,
    "image": None, "attributes": [], "menu_order": 0, "meta_data": [], "parent_id": 0,
}
ORDER_DEFAULT: Doc = {
    "parent_id": 0, "status": "pending", "currency": "CZK", "version": "9.8.5", "prices_include_tax": True,
    "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "0.00", "shipping_tax": "0.00",
    "cart_tax": "0.00", "total": "0.00", "total_tax": "0.00", "customer_id": 0, "order_key": "",
    "billing": BILLING_DEFAULT, "shipping": SHIPPING_DEFAULT, "payment_method": "",
    "payment_method_title": "", "transaction_id": "", "customer_ip_address": "", "customer_user_agent": "",
    "created_via": "rest-api", "customer_note": "", "date_completed_gmt": None, "date_paid_gmt": None,
    "cart_hash": "", "meta_data": [], "line_items": [], "tax_lines": [], "shipping_lines": [],
    "fee_lines": [], "coupon_lines": [], "refunds": [],
}
CUSTOMER_DEFAULT: Doc = {
    "email": "", "first_name": "", "last_name": "", "role": "customer", "username": "",
    "billing": BILLING_DEFAULT, "shipping": SHIPPING_DEFAULT, "is_paying_customer": False,
    "avatar_url": "", "meta_data": [],
}


#: meta keys WooCommerce's data stores keep for themselves (``internal_meta_keys``); the REST
#: API leaves these out, and ``wp_``-prefixed ones — but it returns other ``_``-prefixed meta.
INTERNAL_META_KEYS = frozenset({
    "_order_key", "_customer_user", "_payment_method", "_payment_method_title", "_transaction_id",
    "_customer_ip_address", "_customer_user_agent", "_created_via", "_date_completed", "_completed_date",
    "_date_paid", "_paid_date", "_cart_hash", "_order_currency", "_cart_discount", "_cart_discount_tax",
    "_order_shipping", "_order_shipping_tax", "_order_tax", "_order_total", "_order_version",
    "_prices_include_tax", "_sku", "_price", "_regular_price", "_sale_price", "_stock", "_stock_status",
    "_manage_stock", "_tax_class", "_tax_status", "_edit_lock", "_edit_last",
})


def _public_meta(key: str) -> bool:
    return key not in INTERNAL_META_KEYS and not key.startswith("wp_")


#: id of a default shape → (the shape, its dict/list keys) for :func:`_fresh` (the shapes are constants)
_CONTAINERS: dict[int, tuple[Doc, tuple[str, ...]]] = {}


def _copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars) — much cheaper than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _fresh(default: Doc) -> Doc:
    """A deep copy of a default shape: a shallow copy, then fresh copies of its dicts and lists."""
    cached = _CONTAINERS.get(id(default))
    if cached is None or cached[0] is not default:
        keys = tuple(k for k, v in default.items() if isinstance(v, dict | list))
        cached = _CONTAINERS[id(default)] = (default, keys)
    out = default.copy()
    for key in cached[1]:
        out[key] = _copy(default[key])
    return out


def _with_defaults(default: Doc, doc: Doc, *, copy: bool = True) -> Doc:
    """Defaults, then the stored fields; the emulator's own ``_fields`` and internal meta are left out.

    ``copy=False`` shares nested dicts and lists with the defaults and the
    document: only for an answer that is serialised at once and never changed.
    """
    if not copy:
        out = default.copy()
        out.update({k: v for k, v in doc.items() if not k.startswith("_")})
        out["meta_data"] = [m for m in out.get("meta_data", []) if _public_meta(str(m.get("key", "")))]
        return out
    out = _fresh(default)
    for key, value in doc.items():
        if not key.startswith("_"):
            out[key] = _copy(value) if isinstance(value, dict | list) else value
    out["meta_data"] = [m for m in out.get("meta_data", []) if _public_meta(str(m.get("key", "")))]
    return out


def _dates(out: Doc, *names: str) -> None:
    for name in names:
        out[name] = gmt_to_local(out.get(f"{name}_gmt"))


def _order_keys(out: Doc, first: Sequence[str]) -> Doc:
    ordered = {key: out[key] for key in first if key in out}
    ordered.update(out)  # keys already placed keep their place
    return ordered


def _links(base: str, path: str, collection: str, **extra: str) -> Doc:
    links: Doc = {"self": [{"href": f"{base}{path}"}], "collection": [{"href": f"{base}{collection}"}]}
    for rel, href in extra.items():
        links[rel] = [{"href": f"{base}{href}"}]
    return links


def render_product(doc: Doc, base: str, site: str, *, copy: bool = True) -> Doc:
    """Full product (or variation seen through /products) JSON (``copy``: see :func:`_with_defaults`)."""
    out = _with_defaults(PRODUCT_DEFAULT, doc, copy=copy)
    out["permalink"] = f"{site}/produkt/{out['slug']}/"
    _dates(out, "date_created", "date_modified")
    out["price_html"] = _price_html(out)
    out = _order_keys(out, ("id", "name", "slug", "permalink", "date_created", "date_created_gmt",
                            "date_modified", "date_modified_gmt", "type", "status"))
    out["_links"] = _links(base, f"/products/{out['id']}", "/products")
    return out


def render_variation(doc: Doc, base: str, site: str, *, copy: bool = True) -> Doc:
    """Full variation JSON as /products/{id}/variations returns it (``copy``: see :func:`_with_defaults`)."""
    out = _with_defaults(VARIATION_DEFAULT, doc, copy=copy)
    out["permalink"] = f"{site}/produkt/?p={out['id']}"
    _dates(out, "date_created", "date_modified")
    for key in ("slug", "categories", "variations", "featured", "short_description", "catalog_visibility"):
        out.pop(key, None)
    out = _order_keys(out, ("id", "date_created", "date_created_gmt", "date_modified", "date_modified_gmt"))
    pid = out["parent_id"]
    out["_links"] = _links(base, f"/products/{pid}/variations/{out['id']}", f"/products/{pid}/variations",
                           up=f"/products/{pid}")
    return out


def _price_html(product: Doc) -> str:
    price = product.get("price") or ""
    if not price:
        return ""
    shown = f"{Decimal(price):,.2f}".replace(",", " ").replace(".", ",")
    return f'<span class="woocommerce-Price-amount amount"><bdi>{shown}&nbsp;<span class="woocommerce-Price-currencySymbol">&#75;&#269;</span></bdi></span>'


def render_order(doc: Doc, base: str) -> Doc:
    """Full order JSON."""
    out = _with_defaults(ORDER_DEFAULT, doc)
    _dates(out, "date_created", "date_modified", "date_completed", "date_paid")
    out["number"] = str(out["id"])
    out["payment_url"] = f"{base.split('/wp-json')[0]}/pokladna/order-pay/{out['id']}/?pay_for_order=true&key={out['order_key']}"
    out["is_editable"] = out["status"] in ("pending", "on-hold", "auto-draft")
    out["needs_payment"] = out["status"] in ("pending", "failed") and Decimal(out["total"]) > 0
    out["needs_processing"] = True
    out["currency_symbol"] = CURRENCY_SYMBOLS.get(out["currency"], out["currency"])
    out = _order_keys(out, ("id", "parent_id", "status", "currency", "version", "prices_include_tax",
                            "date_created", "date_modified", "discount_total", "discount_tax",
                            "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax", "customer_id",
                            "order_key", "billing", "shipping", "payment_method", "payment_method_title",
                            "transaction_id", "customer_ip_address", "customer_user_agent", "created_via",
                            "customer_note", "date_completed", "date_paid", "cart_hash", "number"))
    links = _links(base, f"/orders/{out['id']}", "/orders")
    if out["customer_id"]:
        links["customer"] = [{"href": f"{base}/customers/{out['customer_id']}"}]
    out["_links"] = links
    return out


def render_customer(doc: Doc, base: str) -> Doc:
    """Full customer JSON (never a password)."""
    out = _with_defaults(CUSTOMER_DEFAULT, doc)
    out.pop("password", None)
    _dates(out, "date_created", "date_modified")
    out["avatar_url"] = "https://secure.gravatar.com/avatar/?s=96&d=mm&r=g"
    out = _order_keys(out, ("id", "date_created", "date_created_gmt", "date_modified", "date_modified_gmt",
                            "email", "first_name", "last_name", "role", "username", "billing", "shipping"))
    out["_links"] = _links(base, f"/customers/{out['id']}", "/customers")
    return out


def render_note(doc: Doc, base: str) -> Doc:
    """Order note JSON."""
    out = {
        "id": doc["id"], "author": doc.get("author", "system"),
        "date_created": gmt_to_local(doc["date_created_gmt"]), "date_created_gmt": doc["date_created_gmt"],
        "note": doc["note"], "customer_note": bool(doc.get("customer_note", False)),
    }
    out["_links"] = _links(base, f"/orders/{doc['order_id']}/notes/{doc['id']}",
                           f"/orders/{doc['order_id']}/notes", up=f"/orders/{doc['order_id']}")
    return out


# --------------------------------------------------------------------------- stock and prices


def derive_stock(doc: Doc) -> None:
    """Recompute ``stock_status``/``backordered`` from stock the way ``validate_props`` does."""
    if doc.get("manage_stock") is True:
        qty = doc.get("stock_quantity") or 0
        if qty > 0:
            doc["stock_status"] = "instock"
        elif doc.get("backorders", "no") != "no":
            doc["stock_status"] = "onbackorder"
        else:
            doc["stock_status"] = "outofstock"
        doc["backordered"] = qty < 0 and doc.get("backorders", "no") != "no"
    elif doc.get("manage_stock") is False:
        doc["stock_quantity"] = None


def derive_price(doc: Doc) -> None:
    """``price`` and ``on_sale`` from regular and sale price."""
    regular = doc.get("regular_price", "")
    sale = doc.get("sale_price", "")
    on_sale = bool(sale) and bool(regular) and Decimal(sale) < Decimal(regular)
    doc["on_sale"] = on_sale
    doc["price"] = sale if on_sale else regular
    doc["purchasable"] = doc["price"] != ""


def format_decimal(value: str) -> str:
    """``wc_format_decimal``: localized comma → dot, strip everything but digits, dot and minus."""
    return re.sub(r"[^0-9.\-]", "", value.strip().replace(",", "."))
