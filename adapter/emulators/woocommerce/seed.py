"""Seed data for the WooCommerce emulator, from the shared catalogue.

Products come from ``catalogue.generate(seed, size).products`` (ids = catalogue
keys), customers from ``catalogue.people(seed, 50)``, orders are realistic
Czech orders built deterministically from ``seed``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from adapter.emulators import catalogue
from adapter.emulators.woocommerce.dates import to_gmt
from adapter.emulators.woocommerce.shapes import derive_price, derive_stock, slugify
from adapter.emulators.woocommerce.totals import COUPONS, ChargeIn, LineIn, compute_order, money

Doc = dict[str, Any]
SEED_CUSTOMERS = 50
EUR_RATE = Decimal(25)

SHIPPING = (
    ("Zásilkovna", "flat_rate", Decimal(79)),
    ("PPL", "flat_rate", Decimal(119)),
    ("Osobní odběr", "local_pickup", Decimal(0)),
)
PAYMENTS = (
    ("cod", "Dobírka"),
    ("bacs", "Bankovní převod"),
    ("gopay", "Platba kartou (GoPay)"),
)
COD_FEE = Decimal(39)
NOTES = (
    "", "", "", "Prosím doručit po 16. hodině.", "Zboží je dárek – nepřikládejte fakturu.",
    "Zavolejte prosím před doručením, děkuji 😊", "", "Ověřte prosím, že je zboží skladem.",
)


def product_docs(seed: int, size: int, created: datetime) -> list[Doc]:
    """Compact product and variation documents for ``catalogue.generate(seed, size)``."""
    products = catalogue.generate(seed, size).products
    children: dict[int, list[catalogue.CatalogueProduct]] = {}
    for p in products:
        if p.parent_key:
            children.setdefault(p.parent_key, []).append(p)
    docs = []
    for p in products:
        stamp = to_gmt(created - timedelta(minutes=len(products) - p.key))
        docs.append(_product_doc(p, children.get(p.key, []), stamp))
    return docs


def _product_doc(p: catalogue.CatalogueProduct, kids: Sequence[catalogue.CatalogueProduct], stamp: str) -> Doc:
    doc: Doc = {
        "id": p.key, "name": p.name, "type": p.kind, "status": "publish", "sku": p.sku,
        "global_unique_id": p.ean, "tax_class": p.tax_class, "date_created_gmt": stamp,
        "date_modified_gmt": stamp, "regular_price": f"{p.regular_price:.2f}", "sale_price": "",
        "manage_stock": True, "stock_quantity": p.stock,
    }
    if p.kind != "variation":
        doc["slug"] = slugify(p.name)
    if p.key % 13 == 0 and p.kind == "simple":
        doc["sale_price"] = f"{money(p.regular_price * Decimal('0.9')):.2f}"
    if p.role == "no_sku":
        doc.update(manage_stock=False, virtual=True, shipping_required=False)
    if p.key % 29 == 0 and p.kind == "simple":
        doc["meta_data"] = [{"id": 100000 + p.key, "key": "dodavatel", "value": "Velkoobchod Brno s.r.o."}]
    if p.kind == "variation":
        doc["parent_id"] = p.parent_key
        doc["attributes"] = [{"id": 0, "name": a, "slug": slugify(a), "option": v} for a, v in p.attributes]
    if p.kind == "variable":
        _variable_parent(doc, kids)
    derive_stock(doc)
    derive_price(doc)
    return doc


def _variable_parent(doc: Doc, kids: Sequence[catalogue.CatalogueProduct]) -> None:
    axis = kids[0].attributes[0][0] if kids else "varianta"
    doc.update(
        manage_stock=False, regular_price="", sale_price="", has_options=True,
        variations=[k.key for k in kids],
        attributes=[{"id": 0, "name": axis, "slug": slugify(axis), "position": 0, "visible": True,
                     "variation": True, "options": [k.attributes[0][1] for k in kids if k.attributes]}],
    )
    sync_variable(doc, [{"price": f"{k.regular_price:.2f}", "stock_status": "instock" if k.stock > 0 else "outofstock"}
                        for k in kids])


def sync_variable(parent: Doc, children: Sequence[Doc]) -> None:
    """Parent price (lowest child price) and stock status (in stock if any child is)."""
    prices = [Decimal(c["price"]) for c in children if c.get("price")]
    parent["price"] = f"{min(prices):.2f}" if prices else ""
    parent["regular_price"] = ""
    parent["on_sale"] = any(c.get("on_sale") for c in children)
    statuses = {c.get("stock_status", "instock") for c in children}
    parent["stock_status"] = next((s for s in ("instock", "onbackorder") if s in statuses), "outofstock")
    parent["stock_quantity"] = None


def customer_docs(seed: int, created: datetime) -> list[Doc]:
    """Customers from ``catalogue.people(seed, 50)``: id = key + 1 (user 1 is the shop admin).

    Company buyers carry ``billing_ic``/``billing_dic`` meta.
    """
    docs = []
    for person in catalogue.people(seed, SEED_CUSTOMERS):
        stamp = to_gmt(created - timedelta(days=SEED_CUSTOMERS - person.key))
        docs.append({
            "id": person.key + 1, "email": person.email, "first_name": person.first_name,
            "last_name": person.last_name, "username": person.email.split("@")[0].replace(".", ""),
            "role": "customer", "date_created_gmt": stamp, "date_modified_gmt": stamp,
            "billing": billing_of(person), "shipping": shipping_of(person),
            "meta_data": _company_meta(person, 200000 + person.key * 2),
        })
    return docs


def staff_docs(created: datetime, manager_id: int) -> list[Doc]:
    """The shop's staff as WooCommerce lists them under ``customers?role=all``: the administrator
    (user 1) and a shop manager. Without ``role`` (or with ``role=customer``) they are not listed."""
    stamp = to_gmt(created)
    blank = {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "", "city": "",
             "state": "", "postcode": "", "country": "", "phone": ""}
    return [
        {"id": user_id, "email": email, "first_name": first, "last_name": last, "username": username,
         "role": role, "date_created_gmt": stamp, "date_modified_gmt": stamp,
         "billing": {**blank, "email": ""}, "shipping": dict(blank), "meta_data": []}
        for user_id, email, first, last, username, role in (
            (1, "admin@example.test", "", "", "admin", "administrator"),
            (manager_id, "spravce@example.test", "Petra", "Správcová", "spravce", "shop_manager"),
        )
    ]


def billing_of(person: catalogue.CataloguePerson) -> Doc:
    """WooCommerce billing address of a catalogue person."""
    return {
        "first_name": person.first_name, "last_name": person.last_name, "company": person.company,
        "address_1": person.street, "address_2": "", "city": person.city, "state": "",
        "postcode": person.zip, "country": "CZ", "email": person.email, "phone": person.phone,
    }


def shipping_of(person: catalogue.CataloguePerson) -> Doc:
    """WooCommerce shipping address of a catalogue person."""
    billing = billing_of(person)
    billing.pop("email")
    return billing


def _company_meta(person: catalogue.CataloguePerson, first_id: int) -> list[Doc]:
    if not person.ico:
        return []
    return [{"id": first_id, "key": "billing_ic", "value": person.ico},
            {"id": first_id + 1, "key": "billing_dic", "value": person.dic}]


def sellable(docs: Sequence[Doc]) -> list[Doc]:
    """Products an order line can hold: simple products and variations with a price."""
    return [d for d in docs if d["type"] in ("simple", "variation") and d.get("price")]


def order_docs(
    seed: int, count: int, goods: Sequence[Doc], parents: dict[int, str], ids: Callable[[], int],
    item_ids: Callable[[], int], created: datetime,
) -> list[Doc]:
    """``count`` deterministic Czech orders over ``goods`` (products or variations)."""
    rng = random.Random(seed * 104_729 + count)
    people = catalogue.people(seed, SEED_CUSTOMERS)
    statuses = ("processing", "completed", "on-hold", "pending", "cancelled", "processing", "completed")
    pools = Pools(goods, [g for g in goods if g["type"] == "variation"],
                  [g for g in goods if str(g.get("sku", "")).startswith("NEZNAMY-")], parents)
    docs = []
    for n in range(count):
        person = people[rng.randrange(len(people))]
        when = created - timedelta(hours=(count - n) * 5, minutes=rng.randrange(60))
        status = statuses[n % len(statuses)]
        docs.append(_order(rng, n, person, pools, status, ids(), item_ids, when))
    return docs


@dataclass(frozen=True)
class Pools:
    """What order lines are drawn from: all goods, variations, products with unknown SKUs."""

    goods: Sequence[Doc]
    variations: Sequence[Doc]
    unknown: Sequence[Doc]
    parents: dict[int, str]


def _pick_lines(rng: random.Random, n: int, pools: Pools) -> list[LineIn]:
    goods, variations, unknown, parents = pools.goods, pools.variations, pools.unknown, pools.parents
    chosen = [goods[rng.randrange(len(goods))] for _ in range(rng.randrange(1, 4))]
    if n % 6 == 1 and variations:
        chosen.append(variations[rng.randrange(len(variations))])
    if n % 7 == 5 and unknown:
        chosen.append(unknown[n % len(unknown)])
    lines, seen = [], set()
    for g in chosen:
        if g["id"] in seen:
            continue
        seen.add(g["id"])
        lines.append(_line(g, rng.randrange(1, 4), parents))
    return lines


def _line(g: Doc, qty: int, parents: dict[int, str]) -> LineIn:
    is_var = g["type"] == "variation"
    meta = tuple((a["name"], a["option"]) for a in g.get("attributes", [])) if is_var else ()
    return LineIn(
        name=g["name"], product_id=g["parent_id"] if is_var else g["id"], variation_id=g["id"] if is_var else 0,
        sku=g.get("sku", ""), quantity=qty, unit_gross=Decimal(g["price"]), tax_class=g.get("tax_class", ""),
        meta=meta, parent_name=parents.get(g["parent_id"]) if is_var else None,
    )


def _in_currency(lines: list[LineIn], eur: bool) -> list[LineIn]:
    if not eur:
        return lines
    return [LineIn(**{**line.__dict__, "unit_gross": money(line.unit_gross / EUR_RATE)}) for line in lines]


def _order(
    rng: random.Random, n: int, person: catalogue.CataloguePerson, pools: Pools, status: str, order_id: int,
    item_ids: Callable[[], int], when: datetime,
) -> Doc:
    eur = n % 8 == 3
    lines = _in_currency(_pick_lines(rng, n, pools), eur)
    subtotal = sum((line.gross for line in lines), Decimal(0))
    coupons = _coupons(n, eur)
    title, method, cost = SHIPPING[rng.randrange(len(SHIPPING))]
    if cost and subtotal > (Decimal(80) if eur else Decimal(2000)):
        title, method, cost = "Doprava zdarma", "free_shipping", Decimal(0)
    pay_id, pay_title = PAYMENTS[n % len(PAYMENTS)]
    if status in ("pending", "on-hold") and pay_id == "cod":
        pay_id, pay_title = PAYMENTS[1]
    scale = (lambda v: money(v / EUR_RATE)) if eur else (lambda v: v)
    fees = [ChargeIn("Příplatek za dobírku", "", scale(COD_FEE))] if pay_id == "cod" else []
    totals = compute_order(lines, [ChargeIn(title, method, scale(cost))], fees, coupons, item_ids)
    stamp = to_gmt(when)
    modified = to_gmt(when + timedelta(minutes=30 + rng.randrange(120)))
    guest = n % 4 == 2
    doc: Doc = {
        "id": order_id, "status": status, "currency": "EUR" if eur else "CZK", "customer_id": 0 if guest else person.key + 1,
        "order_key": "wc_order_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(13)),
        "billing": billing_of(person), "shipping": shipping_of(person), "payment_method": pay_id,
        "payment_method_title": pay_title, "created_via": "checkout", "customer_ip_address": f"192.0.2.{n % 250 + 1}",
        "customer_user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0",
        "customer_note": NOTES[n % len(NOTES)], "date_created_gmt": stamp, "date_modified_gmt": modified,
        "meta_data": _company_meta(person, 300000 + order_id * 2), **totals,
    }
    if status in ("processing", "completed"):
        doc["date_paid_gmt"] = modified if pay_id == "cod" else stamp
    if status == "completed":
        doc["date_completed_gmt"] = modified
    return doc


def _coupons(n: int, eur: bool) -> list[tuple[str, str, Decimal]]:
    if n % 5 == 1:
        kind, amount = COUPONS["sleva10"]
        return [("sleva10", kind, amount)]
    if n % 9 == 4:
        kind, amount = COUPONS["darkovy200"]
        return [("darkovy200", kind, money(amount / EUR_RATE) if eur else amount)]
    return []
