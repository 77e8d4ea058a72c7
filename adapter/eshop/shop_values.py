"""The shop's own lists the mapping screens offer: payment gateways, shipping methods,
order statuses, tax rates and tax classes — typed records, no platform words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PaymentGateway:
    """A payment method the shop offers (or has switched off)."""

    id: str  #: the code orders carry as their payment method, e.g. "bacs"
    title: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    """A shipping method set up in one of the shop's shipping zones."""

    method_id: str  #: the code orders carry as their shipping method, e.g. "flat_rate"
    title: str
    zone: str  #: the zone's name
    enabled: bool


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """An order status registered in the shop (core or added by a plugin) and how many orders are in it."""

    slug: str  #: without a "wc-" prefix, e.g. "processing", "awaiting-shipment"
    name: str
    total: int


@dataclass(frozen=True, slots=True)
class TaxRate:
    """One tax rate row of the shop."""

    id: int
    country: str
    rate: Decimal  #: percent, e.g. 21
    name: str
    tax_class: str  #: the class slug; "standard" for the standard rates


@dataclass(frozen=True, slots=True)
class TaxClass:
    """A tax class (the standard one included)."""

    slug: str
    name: str
