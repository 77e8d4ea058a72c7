"""The e-shop's side: products, orders, customers and what a stock push answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from adapter.records.common import Address

# --------------------------------------------------------------------------- e-shop side


@dataclass(frozen=True, slots=True)
class Product:
    """An e-shop product or variation (platform-neutral)."""

    id: int
    name: str
    sku: str = ""
    ean: str = ""
    parent_id: int | None = None  #: set for variations
    kind: Literal["simple", "variable", "variation", "other"] = "simple"
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None
    stock_quantity: Decimal | None = None
    manage_stock: bool = False
    tax_class: str = ""
    status: str = "publish"
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class StockUpdate:
    """A stock (and optionally price) change to push to one product or variation."""

    product_id: int
    parent_id: int | None = None
    quantity: Decimal | None = None
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None  #: None leaves it; ``clear_sale`` removes it
    clear_sale: bool = False
    sku: str = ""


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """Outcome of one item of a bulk update."""

    product_id: int
    ok: bool
    error: str = ""


@dataclass(frozen=True, slots=True)
class NewProduct:
    """A product to create in the e-shop."""

    name: str
    sku: str
    regular_price: Decimal | None = None
    ean: str = ""
    stock_quantity: Decimal | None = None
    manage_stock: bool = True
    tax_class: str = ""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an e-shop order.

    ``kind`` says what it is: a product (with ids and SKU), shipping, a fee,
    or a discount (coupon). Money is in the order's currency. ``unit_price``
    excludes tax; ``unit_price_incl`` includes it. ``total``/``total_tax``
    are the shop's own line totals (after discounts).
    """

    kind: Literal["product", "shipping", "fee", "discount"]
    name: str
    quantity: Decimal
    unit_price: Decimal
    unit_price_incl: Decimal
    total: Decimal
    total_tax: Decimal
    tax_rate: Decimal  #: percent, e.g. Decimal("21")
    product_id: int | None = None
    variation_id: int | None = None
    sku: str = ""
    method_id: str = ""  #: shipping method id / coupon code


@dataclass(frozen=True, slots=True)
class Order:
    """An e-shop order with everything the transfer needs."""

    id: int
    number: str
    status: str
    currency: str
    created: datetime
    modified: datetime
    total: Decimal
    total_tax: Decimal
    prices_include_tax: bool
    lines: tuple[OrderLine, ...]
    billing: Address
    shipping: Address
    customer_note: str = ""
    payment_method: str = ""
    payment_method_title: str = ""
    shipping_method: str = ""
    customer_id: int = 0
    paid: bool = False
    date_paid: datetime | None = None
    meta: tuple[tuple[str, str], ...] = ()

    def meta_value(self, key: str) -> str | None:
        """The value of an order meta key, or None."""
        for k, v in self.meta:
            if k == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Customer:
    """An e-shop customer (registered account)."""

    id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    billing: Address = field(default_factory=Address)
    shipping: Address = field(default_factory=Address)
    modified: datetime | None = None
    username: str = ""


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """A customer to create or update in the e-shop (never carries a password)."""

    email: str
    first_name: str = ""
    last_name: str = ""
    billing: Address = field(default_factory=Address)
    shipping: Address = field(default_factory=Address)


@dataclass(frozen=True, slots=True)
class ShopInfo:
    """What a connection test found in the e-shop."""

    name: str
    url: str
    product_count: int
    currency: str = ""
    prices_include_tax: bool = True
    version: str = ""
