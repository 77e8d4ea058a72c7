"""Pure mapping between WooCommerce REST v3 JSON and :mod:`adapter.records`.

Reading goes through :class:`adapter.eshop._json.JsonObject`, so any
surprise in the JSON raises ``EshopBadAnswer`` naming the field. Writing
builds plain dicts; money is sent as strings (WooCommerce's own format),
quantities as integers when integral.

Czech company ids. WooCommerce core has no IČO/DIČ fields; Czech and Slovak
checkout plugins store them as order meta (with a leading underscore) and
user meta (without), some also inside the ``billing`` object, and the
checkout block stores additional fields as ``_wc_billing/<namespace>/<field>``.
Keys are compared without leading underscores and lower-cased; the first
non-empty value in :data:`ICO_KEYS` / :data:`DIC_KEYS` order wins:

* IČO: ``billing_ic``, ``billing_ico``, ``billing_company_id``, ``billing_companyid``,
  ``billing_company_number``, ``billing_reg_no``, ``ic``, ``ico``, ``company_id``;
* DIČ: ``billing_dic``, ``billing_vat_number``, ``billing_eu_vat_number``, ``billing_vat_id``,
  ``billing_vat``, ``dic``, ``vat_number``, ``eu_vat_number``, ``vat_id``, ``billing_dic_dph``,
  ``billing_ic_dph``, ``dic_dph``, ``ic_dph`` (Slovak IČ DPH only when no DIČ is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from adapter.eshop._json import JsonObject, meta_text
from adapter.records import (
    ZERO,
    Address,
    Customer,
    NewCustomer,
    NewProduct,
    Order,
    OrderLine,
    Product,
    StockUpdate,
)

ICO_KEYS = (
    "billing_ic", "billing_ico", "billing_company_id", "billing_companyid", "billing_company_number",
    "billing_reg_no", "ic", "ico", "company_id",
)  # fmt: skip
DIC_KEYS = (
    "billing_dic", "billing_vat_number", "billing_eu_vat_number", "billing_vat_id", "billing_vat",
    "dic", "vat_number", "eu_vat_number", "vat_id", "billing_dic_dph", "billing_ic_dph", "dic_dph", "ic_dph",
)  # fmt: skip
#: meta keys that EAN/GTIN plugins use (after ``global_unique_id``, WooCommerce ≥ 9.2)
EAN_META_KEYS = (
    "_ean", "ean", "_wpm_gtin_code", "_alg_ean", "_ts_gtin", "_gtin", "gtin", "_barcode", "barcode",
    "hwp_product_gtin", "hwp_var_gtin", "_wc_gla_gtin", "_ywbc_barcode_display_value",
)  # fmt: skip

_Q2 = Decimal("0.01")
_Q4 = Decimal("0.0001")
_KINDS = {"simple": "simple", "variable": "variable", "variation": "variation"}


# --------------------------------------------------------------------------- small helpers


def wc_time(moment: datetime) -> str:
    """An aware datetime as WooCommerce's GMT query format ("2024-05-01T10:00:00")."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def money_text(amount: Decimal) -> str:
    """A price as WooCommerce wants it: a plain decimal string."""
    return format(amount, "f")


def quantity_json(quantity: Decimal) -> int | Decimal:
    """A stock quantity: ``int`` when integral (WooCommerce's schema), else the exact number."""
    if quantity == quantity.to_integral_value():
        return int(quantity)
    return quantity


def per_unit(amount: Decimal, quantity: Decimal) -> Decimal:
    """``amount / quantity`` to 4 places (2 when that is exact); the amount itself for quantity 0."""
    if quantity == 0:
        return amount
    value = (amount / quantity).quantize(_Q4, rounding=ROUND_HALF_UP)
    return value.quantize(_Q2) if value == value.quantize(_Q2) else value


def meta_pairs(obj: JsonObject) -> tuple[tuple[str, str], ...]:
    """``meta_data`` as (key, text) pairs."""
    return tuple((m.text("key"), meta_text(m.raw("value"))) for m in obj.children("meta_data"))


def _plain_key(key: str) -> str:
    key = key.strip().lower().lstrip("_")
    if key.startswith("wc_billing/"):
        return "billing_" + key.rsplit("/", 1)[-1]
    return key


def _first_value(candidates: Iterable[tuple[str, str]], keys: Sequence[str]) -> str:
    found: dict[str, str] = {}
    for key, value in candidates:
        plain = _plain_key(key)
        if plain in keys and value.strip() and plain not in found:
            found[plain] = value.strip()
    return next((found[k] for k in keys if k in found), "")


def company_ids(billing: JsonObject, meta: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(IČO, DIČ) from the billing object's extra fields and the meta data (see module docs)."""
    extra = [(k, meta_text(v)) for k, v in billing.data.items() if isinstance(v, str | int)]
    candidates = [*extra, *meta]
    ico = "".join(_first_value(candidates, ICO_KEYS).split())
    dic = "".join(_first_value(candidates, DIC_KEYS).split()).upper()
    return ico, dic


def address(obj: JsonObject, ids: tuple[str, str] = ("", "")) -> Address:
    """A WooCommerce billing/shipping object as an :class:`Address`."""
    street = ", ".join(p for p in (obj.text("address_1").strip(), obj.text("address_2").strip()) if p)
    name = " ".join(p for p in (obj.text("first_name").strip(), obj.text("last_name").strip()) if p)
    return Address(
        company=obj.text("company").strip(),
        name=name,
        street=street,
        city=obj.text("city").strip(),
        zip=obj.text("postcode").strip(),
        country=obj.text("country").strip().upper(),
        email=obj.text("email").strip(),
        phone=obj.text("phone").strip(),
        ico=ids[0],
        dic=ids[1],
    )


# --------------------------------------------------------------------------- products


def ean_of(obj: JsonObject) -> str:
    """EAN/GTIN: ``global_unique_id`` (WooCommerce ≥ 9.2), else a common plugin meta key."""
    gtin = obj.text("global_unique_id").strip()
    if gtin:
        return gtin
    meta = dict(reversed(meta_pairs(obj)))  # first occurrence wins
    return next((meta[k].strip() for k in EAN_META_KEYS if meta.get(k, "").strip()), "")


def _variation_name(obj: JsonObject, parent_name: str) -> str:
    name = obj.text("name").strip()
    if name:
        return name
    options = [a.text("option").strip() for a in obj.children("attributes")]
    suffix = ", ".join(o for o in options if o)
    return f"{parent_name} – {suffix}" if suffix else parent_name


def product(obj: JsonObject, *, parent: Product | None = None) -> Product:
    """A product (or, with ``parent``, a variation of it) as a :class:`Product`."""
    tax_class = obj.text("tax_class")
    if parent is not None:
        kind = "variation"
        name = _variation_name(obj, parent.name)
        if tax_class == "parent":
            tax_class = parent.tax_class
    else:
        kind = _KINDS.get(obj.text("type", "simple"), "other")
        name = obj.text("name")
    return Product(
        id=obj.ident(),
        name=name,
        sku=obj.text("sku").strip(),
        ean=ean_of(obj),
        parent_id=parent.id if parent is not None else None,
        kind=kind,  # type: ignore[arg-type]
        regular_price=obj.decimal_or("regular_price", None),
        sale_price=obj.decimal_or("sale_price", None),
        stock_quantity=obj.decimal_or("stock_quantity", None),
        manage_stock=obj.raw("manage_stock") is True,  # variations may say "parent"
        tax_class=tax_class,
        status=obj.text("status", "publish"),
        modified=obj.moment("date_modified_gmt"),
    )


def stock_payload(update: StockUpdate) -> dict[str, object]:
    """One item of a products/variations batch ``update``."""
    item: dict[str, object] = {"id": update.product_id}
    if update.quantity is not None:
        item["manage_stock"] = True
        item["stock_quantity"] = quantity_json(update.quantity)
    if update.regular_price is not None:
        item["regular_price"] = money_text(update.regular_price)
    if update.clear_sale:
        item["sale_price"] = ""
    elif update.sale_price is not None:
        item["sale_price"] = money_text(update.sale_price)
    return item


def new_product_payload(new: NewProduct, *, status: str) -> dict[str, object]:
    """One item of a products batch ``create``."""
    item: dict[str, object] = {"name": new.name, "type": "simple", "status": status, "sku": new.sku}
    if new.regular_price is not None:
        item["regular_price"] = money_text(new.regular_price)
    if new.tax_class:
        item["tax_class"] = new.tax_class
    if new.ean:
        item["global_unique_id"] = new.ean
    item["manage_stock"] = new.manage_stock
    if new.manage_stock and new.stock_quantity is not None:
        item["stock_quantity"] = quantity_json(new.stock_quantity)
    return item


# --------------------------------------------------------------------------- orders


def _rate_percents(order: JsonObject) -> dict[int, Decimal]:
    """Tax rate id → percent, from the order's ``tax_lines`` (``rate_percent``, WooCommerce ≥ 3.7)."""
    rates: dict[int, Decimal] = {}
    for line in order.children("tax_lines"):
        percent = line.decimal_or("rate_percent", None)
        if percent is not None and line.has("rate_id"):
            rates[line.integer("rate_id")] = _tidy_percent(percent)
    return rates


def _tidy_percent(value: Decimal) -> Decimal:
    """``21.0`` → ``21``; other values keep their digits (``5.5``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _rate_from_amounts(base: Decimal, tax: Decimal) -> Decimal:
    """Fallback when ``rate_percent`` is missing: the percent the amounts imply, to one place."""
    if base == 0:
        return ZERO
    return _tidy_percent((tax * 100 / base).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _tax_rate(line: JsonObject, rates: dict[int, Decimal], base: Decimal, tax: Decimal) -> Decimal:
    """The line's total tax percent: its taxes' rates summed, else derived from the amounts."""
    percents: list[Decimal] = []
    for tax_item in line.children("taxes"):
        rate_id = tax_item.integer("id", 0)
        if rate_id in rates:
            percents.append(rates[rate_id])
        elif tax_item.decimal_or("total", ZERO) or tax_item.decimal_or("subtotal", ZERO):
            return _rate_from_amounts(base, tax)  # a rate the order's tax_lines do not describe
    if percents:
        return sum(percents, ZERO)
    return _rate_from_amounts(base, tax)


def _product_line(line: JsonObject, rates: dict[int, Decimal]) -> tuple[OrderLine, Decimal, Decimal]:
    """A product line, plus the amount and tax coupons took off it."""
    quantity = line.decimal("quantity")
    subtotal = line.decimal("subtotal")
    subtotal_tax = line.decimal_or("subtotal_tax", ZERO) or ZERO
    total = line.decimal("total")
    total_tax = line.decimal_or("total_tax", ZERO) or ZERO
    variation = line.integer("variation_id", 0)
    mapped = OrderLine(
        kind="product",
        name=line.text("name"),
        quantity=quantity,
        unit_price=per_unit(subtotal, quantity),
        unit_price_incl=per_unit(subtotal + subtotal_tax, quantity),
        total=total,
        total_tax=total_tax,
        tax_rate=_tax_rate(line, rates, subtotal, subtotal_tax),
        product_id=line.integer("product_id", 0) or None,
        variation_id=variation or None,
        sku=line.text("sku").strip(),
    )
    return mapped, subtotal - total, subtotal_tax - total_tax


def _discount_lines(
    offs: Sequence[tuple[Decimal, Decimal, Decimal]], codes: Sequence[str]
) -> list[OrderLine]:
    """One discount line per tax rate from (rate, amount off, tax off) of each product line.

    What coupons took off a product line is its ``subtotal − total`` (and
    the same for tax); grouping by rate keeps the VAT recap exact even when
    one coupon spans several rates.
    """
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for rate, off, off_tax in offs:
        if off or off_tax:
            old = by_rate.get(rate, (ZERO, ZERO))
            by_rate[rate] = (old[0] + off, old[1] + off_tax)
    label = "Sleva" + (f" – kupón {', '.join(codes)}" if codes else "")
    lines = []
    for rate, (off, off_tax) in sorted(by_rate.items()):
        name = f"{label} ({rate} %)" if len(by_rate) > 1 else label
        lines.append(
            OrderLine(
                kind="discount", name=name, quantity=Decimal(1), unit_price=-off, unit_price_incl=-(off + off_tax),
                total=-off, total_tax=-off_tax, tax_rate=rate, method_id=",".join(codes),
            )
        )  # fmt: skip
    return lines


def _charge_line(line: JsonObject, rates: dict[int, Decimal], *, shipping: bool) -> OrderLine:
    """A shipping line or a fee (a negative fee is a discount)."""
    total = line.decimal("total")
    total_tax = line.decimal_or("total_tax", ZERO) or ZERO
    if shipping:
        kind, name, method = "shipping", line.text("method_title"), line.text("method_id")
    else:
        kind, name, method = ("discount" if total < 0 else "fee"), line.text("name"), ""
    return OrderLine(
        kind=kind,  # type: ignore[arg-type]
        name=name,
        quantity=Decimal(1),
        unit_price=total,
        unit_price_incl=total + total_tax,
        total=total,
        total_tax=total_tax,
        tax_rate=_tax_rate(line, rates, total, total_tax),
        method_id=method,
    )


def order_lines(obj: JsonObject) -> tuple[OrderLine, ...]:
    """Products, then coupon discounts per tax rate, shipping and fees."""
    rates = _rate_percents(obj)
    mapped = [_product_line(line, rates) for line in obj.children("line_items")]
    products = [line for line, _, _ in mapped]
    offs = [(line.tax_rate, off, off_tax) for line, off, off_tax in mapped]
    codes = [c.text("code") for c in obj.children("coupon_lines") if c.text("code")]
    shipping = [_charge_line(line, rates, shipping=True) for line in obj.children("shipping_lines")]
    fees = [_charge_line(line, rates, shipping=False) for line in obj.children("fee_lines")]
    return (*products, *_discount_lines(offs, codes), *shipping, *fees)


def in_shop_zone(gmt: datetime | None, local: datetime | None) -> datetime | None:
    """The moment in the shop's own time zone (WordPress › Settings › General, e.g. Europe/Prague).

    WooCommerce gives each date twice: ``date_*_gmt`` in UTC and ``date_*`` on the shop's
    wall clock; their difference is the shop's offset at that moment (summer time included).
    The POHODA document date is the calendar day in that zone, whatever the PC's zone.
    """
    if gmt is None or local is None:
        return gmt or local
    offset = local.replace(tzinfo=UTC) - gmt
    if abs(offset) > timedelta(hours=14) or offset % timedelta(minutes=15):
        return gmt
    return gmt.astimezone(timezone(offset))


def order(obj: JsonObject) -> Order:
    """A full WooCommerce order as an :class:`Order`."""
    meta = meta_pairs(obj)
    billing_obj = obj.child("billing")
    created = in_shop_zone(obj.moment("date_created_gmt"), obj.moment("date_created"))
    if created is None:
        raise ValueError("date_created_gmt missing")
    shipping_lines = obj.children("shipping_lines")
    date_paid = obj.moment("date_paid_gmt")
    return Order(
        id=obj.ident(),
        number=obj.text("number") or str(obj.ident()),
        status=obj.text("status"),
        currency=obj.text("currency").upper(),
        created=created,
        modified=obj.moment("date_modified_gmt") or created,
        total=obj.decimal("total"),
        total_tax=obj.decimal_or("total_tax", ZERO) or ZERO,
        prices_include_tax=obj.flag("prices_include_tax"),
        lines=order_lines(obj),
        billing=address(billing_obj, company_ids(billing_obj, meta)),
        shipping=address(obj.child("shipping")),
        customer_note=obj.text("customer_note"),
        payment_method=obj.text("payment_method"),
        payment_method_title=obj.text("payment_method_title"),
        shipping_method=shipping_lines[0].text("method_id") if shipping_lines else "",
        customer_id=obj.integer("customer_id", 0),
        paid=date_paid is not None,
        date_paid=date_paid,
        meta=meta,
    )


# --------------------------------------------------------------------------- customers


def customer(obj: JsonObject) -> Customer:
    """A WooCommerce customer as a :class:`Customer`."""
    billing_obj = obj.child("billing")
    return Customer(
        id=obj.ident(),
        email=obj.text("email"),
        first_name=obj.text("first_name"),
        last_name=obj.text("last_name"),
        billing=address(billing_obj, company_ids(billing_obj, meta_pairs(obj))),
        shipping=address(obj.child("shipping")),
        modified=obj.moment("date_modified_gmt"),
        username=obj.text("username"),
    )


def _split_name(full: str, first: str, last: str) -> tuple[str, str]:
    if not full.strip():
        return first, last
    head, _, tail = full.strip().rpartition(" ")
    return (head, tail) if head else (tail, "")


def address_payload(addr: Address, *, first: str, last: str, with_email: bool) -> dict[str, str]:
    """A billing/shipping object for WooCommerce."""
    first_name, last_name = _split_name(addr.name, first, last)
    out = {
        "first_name": first_name, "last_name": last_name, "company": addr.company, "address_1": addr.street,
        "address_2": "", "city": addr.city, "postcode": addr.zip, "country": addr.country, "phone": addr.phone,
    }  # fmt: skip
    if with_email:
        out["email"] = addr.email
    return out


def customer_payload(new: NewCustomer, *, ico_key: str, dic_key: str) -> dict[str, object]:
    """Body of a customer create/update: e-mail, names, addresses, IČO/DIČ meta; never a password."""
    body: dict[str, object] = {"email": new.email, "first_name": new.first_name, "last_name": new.last_name}
    if not new.billing.is_empty():
        billing = address_payload(new.billing, first=new.first_name, last=new.last_name, with_email=True)
        billing["email"] = new.billing.email or new.email
        body["billing"] = billing
    if not new.shipping.is_empty():
        body["shipping"] = address_payload(
            new.shipping, first=new.first_name, last=new.last_name, with_email=False
        )
    meta = [
        {"key": k, "value": v} for k, v in ((ico_key, new.billing.ico), (dic_key, new.billing.dic)) if k and v
    ]
    if meta:
        body["meta_data"] = meta
    return body
