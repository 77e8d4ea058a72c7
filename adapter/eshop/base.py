"""The e-shop interface every platform connector implements.

Sync code (``adapter.sync``) talks to an e-shop only through :class:`Eshop`
and the records in :mod:`adapter.records`; platform words (WooCommerce's
"line_items", Shoptet's "stocks/movements" …) never cross this boundary.
A connector is one module with one class whose class attributes state the
platform facts (name, batch size, whether orders come sorted), built by
:func:`connect` from an :class:`EshopConnection`.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from adapter.config import PARALLEL_REQUESTS_MAX, EshopSettings, OrdersSettings, PaymentsSettings
from adapter.errors import EshopRejected, SettingsError
from adapter.eshop.refunds import OrderChange, ShopRefund
from adapter.eshop.shop_values import OrderStatus, PaymentGateway, ShippingMethod, TaxClass, TaxRate
from adapter.records import (
    Customer,
    NewCustomer,
    NewProduct,
    Order,
    Product,
    ShopInfo,
    StockUpdate,
    UpdateResult,
    truthy,
)
from adapter.shop_plugin import NUMBER_KEY

#: platform name → "module:Class" of its connector (imported on demand)
PLATFORMS: dict[str, str] = {
    "woocommerce": "adapter.eshop.woocommerce:WooCommerce",
}


@dataclass(frozen=True, slots=True)
class TransferMark:
    """One shop order to mark as transferred to POHODA."""

    order_id: int
    pohoda_number: str
    note: str
    #: None → the connection's transferred_status; "" leaves the status as it is
    status: str | None = None
    #: the order as the caller just read it (saves a GET); None → the connector reads it
    current: Order | None = None
    #: False: meta (and status) only, no private note (``[orders] transfer_note``)
    with_note: bool = True


def ready_for_transfer(order: Order, orders: OrdersSettings) -> bool:
    """True when the shop marks ``order`` for transfer to POHODA.

    With ``[orders] transfer_meta_key`` set, a truthy order meta of that name
    marks it, whatever its status; otherwise its status must be one of
    ``transfer_statuses``.
    """
    if orders.transfer_meta_key:
        return truthy(order.meta_value(orders.transfer_meta_key))
    return order.status in orders.transfer_statuses


@runtime_checkable
class Eshop(Protocol):
    """A connection to one e-shop, speaking only :mod:`adapter.records`.

    Implementations raise only :class:`adapter.errors.EshopError` subclasses
    (with a Czech message); a surprise in the platform's answer becomes
    ``EshopBadAnswer``, never a ``KeyError``. Money and quantities are
    ``Decimal``; datetimes are timezone-aware (UTC).
    """

    #: platform id as used in settings (a key of ``PLATFORMS``)
    platform: str
    #: the platform's name as people know it (shown in the UI)
    label: str
    #: most items one write call carries (``update_stock`` chunks by it)
    batch_size: int
    #: how many calls (e.g. ``update_stock`` batches) a caller may have in flight at once from
    #: several threads; 1 = one at a time
    parallel_requests: int
    #: ``iter_orders_for_transfer`` yields orders in ascending modification time
    orders_sorted: bool

    def info(self) -> ShopInfo:
        """Test the connection and describe the shop (name, product count, currency)."""
        ...

    def check_write(self) -> None:
        """Prove the key may write with a call that changes nothing (raises ``EshopForbidden`` when read-only)."""
        ...

    def iter_products(self) -> Iterator[Product]:
        """Yield every product: simple ones, variable parents and their variations."""
        ...

    def iter_products_changed(self, *, since: datetime) -> Iterator[Product]:
        """Products the shop modified after ``since`` (it lowers stock itself), each variable one with its variations."""
        ...

    def update_stock(self, updates: Sequence[StockUpdate]) -> list[UpdateResult]:
        """Push quantities (and optional prices); one result per update, in order.

        Chunks to at most ``batch_size`` items per call internally. A refusal
        of one item (or one whole chunk) is returned as ``ok=False``; errors
        of the connection itself (auth, network, server down) are raised.
        """
        ...

    def create_products(self, products: Sequence[NewProduct]) -> list[Product]:
        """Create simple products; return them as the shop stored them.

        Raises :class:`EshopPartialFailure` (carrying the created ones) when
        the shop refused some of them.
        """
        ...

    def iter_orders_for_transfer(self, *, since: datetime | None) -> Iterator[Order]:
        """Yield orders marked for transfer and changed since ``since`` (None → all), full detail.

        The connector re-reads a small overlap before ``since``, so callers
        must expect (and de-duplicate) orders they have seen already.
        """
        ...

    def get_order(self, order_id: int) -> Order:
        """Read one order; a missing one raises :class:`EshopObjectNotFound`."""
        ...

    def find_orders(self, numbers: Sequence[str]) -> dict[str, Order]:
        """Find orders by the shop's order number; numbers not found are absent from the result."""
        ...

    def mark_transferred(
        self, order_id: int, *, pohoda_number: str, note: str, status: str | None = None
    ) -> None:
        """Record on the order that POHODA holds it as ``pohoda_number``; add ``note``; optionally set ``status``."""
        ...

    def mark_transferred_many(self, marks: Sequence[TransferMark]) -> dict[int, str]:
        """Mark several orders like ``mark_transferred``; order id → "" when marked, else the Czech reason.

        One order's failure never raises; every mark gets an answer.
        """
        ...

    def iter_order_changes(self, *, since: datetime | None, statuses: Sequence[str] = ()) -> Iterator[OrderChange]:
        """Yield orders of ``statuses`` (empty: any) changed since ``since`` (None → all), with their refund ids."""
        ...

    def get_refunds(self, order_id: int) -> list[ShopRefund]:
        """Every refund of one order, oldest first (amounts positive)."""
        ...

    def add_private_note(self, order_id: int, note: str, *, marker: str) -> None:
        """Add a private note to the order unless one mentioning ``marker`` is there already."""
        ...

    def mark_paid(self, order_id: int, *, invoice_number: str, paid_on: date) -> str:
        """Mark the order paid by POHODA invoice ``invoice_number``; return the order's resulting status."""
        ...

    def write_back(self, order_id: int, *, status: str = "", meta: Mapping[str, str] | None = None, note: str = "",
                   customer_note: bool = False) -> str:
        """Set order meta (and the status unless empty) and add a note once; returns the resulting status."""
        ...

    def add_note(self, order_id: int, note: str, *, marker: str) -> None:
        """Add a private order note once: nothing when a note mentioning ``marker`` is there already."""
        ...

    def iter_customers(self, *, since: datetime | None = None) -> Iterator[Customer]:
        """Yield registered customers, only those changed since ``since`` when given."""
        ...

    def find_customer(self, email: str) -> Customer | None:
        """The customer with this e-mail (case-insensitive), or None."""
        ...

    def create_customer(self, customer: NewCustomer) -> Customer:
        """Create a customer account (never with a password)."""
        ...

    def update_customer(self, customer_id: int, customer: NewCustomer) -> Customer:
        """Overwrite a customer's names and addresses."""
        ...

    def payment_gateways(self) -> list[PaymentGateway]:
        """The shop's payment methods, switched-off ones included (for the mapping screens)."""
        ...

    def shipping_methods(self) -> list[ShippingMethod]:
        """The shipping methods of every shipping zone (for the mapping screens)."""
        ...

    def order_statuses(self) -> list[OrderStatus]:
        """Every order status the shop knows, plugins' included, with how many orders are in it."""
        ...

    def tax_rates(self) -> list[TaxRate]:
        """Every tax rate row of the shop."""
        ...

    def tax_classes(self) -> list[TaxClass]:
        """The shop's tax classes, the standard one included."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...


class EshopObjectNotFound(EshopRejected):
    """Požadovaný záznam v e-shopu neexistuje (mohl být smazán)."""


class EshopPartialFailure(EshopRejected):
    """E-shop některé záznamy nepřijal."""

    def __init__(self, created: Sequence[Product], failures: dict[str, str], *, detail: str = "") -> None:
        #: what the shop did create
        self.created = list(created)
        #: natural key (SKU or position) → the shop's reason
        self.failures = dict(failures)
        listing = "; ".join(f"{key}: {why}" for key, why in list(self.failures.items())[:5])
        more = f" a dalších {len(self.failures) - 5}" if len(self.failures) > 5 else ""
        super().__init__(
            f"E-shop nepřijal {len(self.failures)} z {len(self.created) + len(self.failures)} záznamů ({listing}{more}). "
            "Opravte údaje a akci zopakujte.",
            detail=detail,
        )


@dataclass(frozen=True, slots=True)
class EshopConnection:
    """How to reach one e-shop and which of its statuses and meta keys mean what.

    What people configure is passed straight through as the settings sections
    themselves: ``shop`` is ``[eshop]`` (address, keys, TLS, timeout, parallel
    requests); ``orders`` and ``payments`` say which statuses and meta keys mark
    an order for transfer, transferred or paid. The fields here are the
    connector's own tuning, which settings.toml does not hold.
    """

    shop: EshopSettings
    orders: OrdersSettings = field(default_factory=OrdersSettings)
    payments: PaymentsSettings = field(default_factory=PaymentsSettings)
    #: a CA bundle file to trust instead of the system store (self-signed shops)
    ca_bundle: str = ""
    timeout_connect: float = 10.0
    #: attempts per request for transient failures (429, 5xx, timeouts, network)
    attempts: int = 4
    #: first backoff delay in seconds (doubles each retry, capped at ``backoff_max``)
    backoff: float = 1.0
    backoff_max: float = 60.0
    #: longest ``Retry-After`` we honour, in seconds
    retry_after_max: float = 300.0
    #: items per batch write call (WooCommerce's default limit is 100)
    batch_size: int = 100
    pohoda_number_meta_key: str = NUMBER_KEY
    invoice_number_meta_key: str = "_pohoda_invoice_number"
    paid_date_meta_key: str = "_pohoda_paid_date"
    #: status of products created from POHODA cards ("draft" lets staff review them first)
    new_product_status: str = "draft"
    #: customer meta keys written with IČO / DIČ ("" → not written)
    customer_ico_meta_key: str = "billing_ic"
    customer_dic_meta_key: str = "billing_dic"
    user_agent: str = "POHODA-adapter/0.1"

    @property
    def timeout_read(self) -> float:
        """How long one answer may take, in seconds (``[eshop] timeout``)."""
        return self.shop.timeout

    @property
    def order_overlap_seconds(self) -> int:
        """How far before the watermark incremental order reads start again (``[orders] overlap_minutes``)."""
        return self.orders.overlap_minutes * 60

    def problems(self) -> list[str]:
        """Czech descriptions of what is wrong with these settings (empty when usable)."""
        found: list[str] = []
        shop = self.shop
        if shop.platform not in PLATFORMS:
            known = ", ".join(sorted(PLATFORMS))
            found.append(f"Neznámá platforma e-shopu „{shop.platform}“. Zvolte jednu z: {known}.")
        parts = urlsplit(shop.url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            found.append(
                f"Adresa e-shopu „{shop.url}“ není platná. Zadejte ji ve tvaru https://www.mujeshop.cz."
            )
        if not shop.consumer_key.strip() or not shop.consumer_secret.strip():
            found.append("Chybí klíč nebo tajný klíč API e-shopu. Vyplňte oba v Nastavení › Připojení.")
        if self.attempts < 1 or self.batch_size < 1:
            found.append("Počet pokusů i velikost dávky musí být alespoň 1.")
        if not 1 <= shop.parallel_requests <= PARALLEL_REQUESTS_MAX:
            found.append("Počet souběžných požadavků na e-shop musí být 1 až 16.")
        if self.timeout_connect <= 0 or self.timeout_read <= 0:
            found.append("Časové limity spojení s e-shopem musí být kladné.")
        if not self.orders.transfer_statuses and not self.orders.transfer_meta_key:
            found.append(
                "Zvolte stav objednávky nebo příznak, podle kterého se objednávky přenášejí do POHODY."
            )
        return found

    @property
    def tls_verify(self) -> bool | str:
        """The ``verify`` value for requests: a CA bundle path, or True/False."""
        if not self.shop.verify_tls:
            return False
        return self.ca_bundle or True


def connect(connection: EshopConnection, *, sleep: Callable[[float], None] = time.sleep) -> Eshop:
    """Build the connector for ``connection.platform``; bad settings raise ``SettingsError``."""
    problems = connection.problems()
    if problems:
        raise SettingsError(
            " ".join(problems), detail=f"platform={connection.shop.platform!r} url={connection.shop.url!r}"
        )
    module_name, _, class_name = PLATFORMS[connection.shop.platform].partition(":")
    factory = getattr(importlib.import_module(module_name), class_name)
    shop: Eshop = factory(connection, sleep=sleep)
    return shop
