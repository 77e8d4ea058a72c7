"""Create/update/delete rules of WooCommerce products and variations (``WC_REST_Products_Controller``)."""

from __future__ import annotations

import re

from adapter.emulators.woocommerce.object_base import B, Doc, I, O, ObjectsBase, S, Schema
from adapter.emulators.woocommerce.rest import WpError, invalid_id, validate
from adapter.emulators.woocommerce.shapes import derive_price, derive_stock, format_decimal, slugify

_STOCK_FIELDS: Schema = {
    "sku": S, "global_unique_id": S, "regular_price": S, "sale_price": S, "virtual": B, "downloadable": B,
    "tax_status": {"type": "string", "enum": ["taxable", "shipping", "none"]}, "tax_class": S,
    "manage_stock": B, "stock_quantity": {"type": "integer", "nullable": True},
    "stock_status": {"type": "string", "enum": ["instock", "outofstock", "onbackorder"]},
    "backorders": {"type": "string", "enum": ["no", "notify", "yes"]},
    "low_stock_amount": {"type": "integer", "nullable": True}, "weight": S, "description": S,
    "status": {"type": "string", "enum": ["draft", "pending", "private", "publish", "future"]},
    "meta_data": {"type": "array", "items": O}, "menu_order": I, "id": I,
}
PRODUCT_SCHEMA: Schema = {
    **_STOCK_FIELDS, "name": S, "slug": S, "type": {"type": "string", "enum": ["simple", "grouped", "external", "variable"]},
    "featured": B, "catalog_visibility": {"type": "string", "enum": ["visible", "catalog", "search", "hidden"]},
    "short_description": S, "purchase_note": S, "parent_id": I, "attributes": {"type": "array", "items": O},
    "categories": {"type": "array", "items": O}, "tags": {"type": "array", "items": O},
}
VARIATION_SCHEMA: Schema = {**_STOCK_FIELDS, "attributes": {"type": "array", "items": O}, "product_id": I}
_PLAIN_PRODUCT = ("name", "description", "short_description", "status", "featured", "catalog_visibility",
                  "virtual", "downloadable", "tax_status", "tax_class", "backorders", "low_stock_amount",
                  "purchase_note", "menu_order", "weight", "categories", "tags")


class ProductRules(ObjectsBase):
    """Products and their variations; a variable parent's summary follows its variations."""

    def product(self, product_id: int) -> Doc:
        """A product (or variation, as /products/{id} shows it) or 404."""
        doc = self.store.get("products", product_id)
        if doc is None:
            raise invalid_id("product")
        return doc

    def _product_for_update(self, params: Doc) -> Doc:
        doc = self.store.get("products", int(params.get("id") or 0))
        if doc is None:
            raise invalid_id("product", 400)
        return doc

    def _check_unique(self, column: str, value: str, own_id: int | None) -> int | None:
        ids = self.store.ids("products", [f"{column} = ?"], [value])
        return next((i for i in ids if i != own_id), None)

    def _apply_stock_and_price(self, doc: Doc, p: Doc) -> None:
        if "sku" in p:
            sku = p["sku"].strip()
            clash = self._check_unique("sku", sku, doc.get("id")) if sku else None
            if clash:
                raise WpError("product_invalid_sku", "Invalid or duplicated SKU.", 400, resource_id=clash,
                              unique_sku=f"{sku}-1")
            doc["sku"] = sku
        if "global_unique_id" in p:
            gid = p["global_unique_id"].strip()
            if gid and (not re.fullmatch(r"[0-9\-]+", gid) or self._check_unique("gid", gid, doc.get("id"))):
                raise WpError("product_invalid_global_unique_id", "Invalid or duplicated GTIN, UPC, EAN or ISBN.", 400)
            doc["global_unique_id"] = gid
        for field in ("regular_price", "sale_price"):
            if field in p:
                doc[field] = format_decimal(p[field])
        if "manage_stock" in p:
            doc["manage_stock"] = p["manage_stock"]
        if doc.get("manage_stock") is True:
            if p.get("stock_quantity") is not None:
                doc["stock_quantity"] = p["stock_quantity"]
            doc.setdefault("stock_quantity", 0)
            if doc.get("stock_quantity") is None:
                doc["stock_quantity"] = 0
        else:
            doc["manage_stock"] = False
            if "stock_status" in p:
                doc["stock_status"] = p["stock_status"]
        if "meta_data" in p:
            self._apply_meta(doc, p["meta_data"])
        derive_stock(doc)
        derive_price(doc)

    def _apply_product(self, doc: Doc, p: Doc) -> None:
        for field in _PLAIN_PRODUCT:
            if field in p:
                doc[field] = p[field]
        if "slug" in p or not doc.get("slug"):
            doc["slug"] = slugify(p.get("slug") or doc.get("name") or str(doc["id"]))
        if "attributes" in p:
            doc["attributes"] = [
                {"id": int(a.get("id", 0)), "name": str(a.get("name", "")), "slug": slugify(str(a.get("name", ""))),
                 "position": int(a.get("position", n)), "visible": bool(a.get("visible", False)),
                 "variation": bool(a.get("variation", False)), "options": list(a.get("options", []))}
                for n, a in enumerate(p["attributes"])
            ]
        self._apply_stock_and_price(doc, p)
        if doc["type"] == "variable":
            self._sync_parent(doc, save=False)

    def create_product(self, params: Doc) -> Doc:
        """POST /products."""
        p = validate(params, PRODUCT_SCHEMA)
        if p.get("id"):
            raise WpError("woocommerce_rest_product_exists", "Cannot create existing product.", 400)
        doc: Doc = {"id": self.store.next_id("post"), "type": p.get("type", "simple"), "status": "publish",
                    "name": "", "sku": "", "regular_price": "", "sale_price": "", "manage_stock": False}
        self._apply_product(doc, p)
        self._stamp(doc, creating=True)
        self.store.put("products", doc)
        return doc

    def update_product(self, params: Doc) -> Doc:
        """PUT /products/{id} (a variation id works too, as in WooCommerce)."""
        doc = self._product_for_update(params)
        p = validate(params, PRODUCT_SCHEMA)
        if doc["type"] == "variation":
            self._stamp(doc)
            return self._save_variation(doc, p)
        if "type" in p:
            doc["type"] = p["type"]
        self._apply_product(doc, p)
        self._stamp(doc)
        self.store.put("products", doc)
        return doc

    def delete_product(self, params: Doc) -> Doc:
        """DELETE /products/{id}: trash, or remove with force (children too)."""
        doc = self.store.get("products", int(params.get("id") or 0))
        if doc is None:
            raise invalid_id("product")
        rendered = self.render_product(doc)
        if str(params.get("force", "")).lower() in ("1", "true"):
            for child in doc.get("variations", []):
                self.store.delete("products", child)
            self.store.delete("products", doc["id"])
            return rendered
        if doc.get("status") == "trash":
            raise WpError("woocommerce_rest_already_trashed", "The product has already been deleted.", 410)
        doc["status"] = "trash"
        self._stamp(doc)
        self.store.put("products", doc)
        return self.render_product(doc)

    # ------------------------------------------------------------------ variations

    def variation(self, parent_id: int, variation_id: int) -> Doc:
        """A variation of ``parent_id`` or 404."""
        doc = self.store.get("products", variation_id)
        if doc is None or doc["type"] != "variation" or doc.get("parent_id") != parent_id:
            raise invalid_id("product_variation")
        return doc

    def create_variation(self, params: Doc) -> Doc:
        """POST /products/{pid}/variations."""
        parent = self.store.get("products", int(params.get("product_id") or 0))
        if parent is None or parent["type"] != "variable":
            raise WpError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        p = validate(params, VARIATION_SCHEMA)
        if p.get("id"):
            raise WpError("woocommerce_rest_product_variation_exists", "Cannot create existing product_variation.", 400)
        doc: Doc = {"id": self.store.next_id("post"), "type": "variation", "parent_id": parent["id"],
                    "status": "publish", "sku": "", "regular_price": "", "sale_price": "", "manage_stock": False,
                    "tax_class": parent.get("tax_class", "")}
        self._stamp(doc, creating=True)
        return self._save_variation(doc, p, parent)

    def _save_variation(self, doc: Doc, p: Doc, parent: Doc | None = None) -> Doc:
        for field in ("description", "status", "virtual", "downloadable", "tax_status", "tax_class",
                      "backorders", "low_stock_amount", "menu_order", "weight"):
            if field in p:
                doc[field] = p[field]
        if "attributes" in p:
            doc["attributes"] = [{"id": int(a.get("id", 0)), "name": str(a.get("name", "")),
                                  "slug": slugify(str(a.get("name", ""))), "option": str(a.get("option", ""))}
                                 for a in p["attributes"]]
        self._apply_stock_and_price(doc, p)
        parent = parent or self.store.get("products", doc["parent_id"]) or {}
        options = ", ".join(a["option"] for a in doc.get("attributes", []))
        if parent and not doc.get("name"):
            doc["name"] = f"{parent.get('name', '')} - {options}" if options else parent.get("name", "")
        self.store.put("products", doc)
        deferred: set[int] | None = getattr(self._batch_state, "parents", None)
        if parent and deferred is not None:
            deferred.add(parent["id"])
        elif parent:
            self._sync_parent(parent)
        return doc

    def update_variation(self, params: Doc) -> Doc:
        """PUT /products/{pid}/variations/{id}."""
        doc = self.store.get("products", int(params.get("id") or 0))
        if doc is None or doc["type"] != "variation" or doc.get("parent_id") != int(params.get("product_id") or 0):
            raise invalid_id("product_variation", 400)
        p = validate(params, VARIATION_SCHEMA)
        self._stamp(doc)
        return self._save_variation(doc, p)

    def delete_variation(self, params: Doc) -> Doc:
        """DELETE /products/{pid}/variations/{id}: needs force=true."""
        doc = self.variation(int(params.get("product_id") or 0), int(params.get("id") or 0))
        if str(params.get("force", "")).lower() not in ("1", "true"):
            raise WpError("woocommerce_rest_trash_not_supported", "The product variation does not support trashing.", 501)
        rendered = self.render_variation(doc)
        self.store.delete("products", doc["id"])
        parent = self.store.get("products", doc["parent_id"])
        if parent:
            self._sync_parent(parent)
        return rendered
