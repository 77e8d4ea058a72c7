"""Create/update/delete rules of WooCommerce customers (unique e-mail, generated username, no password out)."""

from __future__ import annotations

import re

from adapter.emulators.woocommerce.object_base import Doc, I, O, ObjectsBase, S, Schema
from adapter.emulators.woocommerce.rest import WpError, validate

CUSTOMER_SCHEMA: Schema = {
    "id": I, "email": {"type": "string", "format": "email"}, "first_name": S, "last_name": S, "username": S,
    "password": S, "billing": O, "shipping": O, "meta_data": {"type": "array", "items": O},
}


class CustomerRules(ObjectsBase):
    """Customers."""

    def customer(self, customer_id: int) -> Doc:
        """A customer or 404."""
        doc = self.store.get("customers", customer_id)
        if doc is None:
            raise WpError("woocommerce_rest_invalid_id", "Invalid resource ID.", 404)
        return doc

    def _email_owner(self, email: str) -> int | None:
        ids = self.store.ids("customers", ["email = ?"], [email.casefold()])
        return ids[0] if ids else None

    def _apply_customer(self, doc: Doc, p: Doc) -> None:
        for field in ("first_name", "last_name"):
            if field in p:
                doc[field] = p[field]
        for side in ("billing", "shipping"):
            if side in p:
                doc[side] = {**doc.get(side, {}), **{k: str(v) for k, v in p[side].items()}}
        if "meta_data" in p:
            self._apply_meta(doc, p["meta_data"])

    def _username(self, email: str) -> str:
        base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower()) or "zakaznik"
        name, n = base, 1
        while self.store.ids("customers", ["username = ?"], [name]):
            n += 1
            name = f"{base}-{n}"
        return name

    def create_customer(self, params: Doc) -> Doc:
        """POST /customers: email required and unique; username generated; password never returned."""
        p = validate(params, {**CUSTOMER_SCHEMA, "email": {**CUSTOMER_SCHEMA["email"], "required": True}})
        if p.get("id"):
            raise WpError("woocommerce_rest_customer_exists", "Cannot create existing resource.", 400)
        if self._email_owner(p["email"]):
            raise WpError("registration-error-email-exists",
                          'An account is already registered with your email address. '
                          '<a href="#" class="showlogin">Please log in.</a>', 400)
        username = p.get("username") or self._username(p["email"])
        if self.store.ids("customers", ["username = ?"], [username]):
            raise WpError("registration-error-username-exists",
                          "An account is already registered with that username. Please choose another.", 400)
        doc: Doc = {"id": self.store.next_id("user"), "email": p["email"], "username": username, "role": "customer"}
        self._apply_customer(doc, p)
        self._stamp(doc, creating=True)
        self.store.put("customers", doc)
        return doc

    def update_customer(self, params: Doc) -> Doc:
        """PUT /customers/{id}."""
        doc = self.store.get("customers", int(params.get("id") or 0))
        if doc is None:
            raise WpError("woocommerce_rest_invalid_id", "Invalid resource id.", 400)
        p = validate(params, CUSTOMER_SCHEMA)
        owner = self._email_owner(p["email"]) if p.get("email") else None
        if owner and owner != doc["id"]:
            raise WpError("woocommerce_rest_customer_invalid_email", "Email address is invalid.", 400)
        if p.get("username") and p["username"] != doc["username"]:
            raise WpError("woocommerce_rest_customer_invalid_argument", "Username isn't editable.", 400)
        if p.get("email"):
            doc["email"] = p["email"]
        self._apply_customer(doc, p)
        self._stamp(doc)
        self.store.put("customers", doc)
        return doc

    def delete_customer(self, params: Doc) -> Doc:
        """DELETE /customers/{id}?force=true."""
        doc = self.customer(int(params.get("id") or 0))
        if str(params.get("force", "")).lower() not in ("1", "true"):
            raise WpError("woocommerce_rest_trash_not_supported", "Customers do not support trashing.", 501)
        rendered = self.render_customer(doc)
        self.store.delete("customers", doc["id"])
        return rendered
