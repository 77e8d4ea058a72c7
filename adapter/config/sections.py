"""The settings sections: one frozen dataclass per ``[section]`` of settings.toml.

Every field is declared once, here, with the default a careful user would
pick; the e-shop connector gets the ``[eshop]``, ``[orders]`` and
``[payments]`` sections as they are (:class:`adapter.eshop.base.EshopConnection`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from adapter import writeback
from adapter.alerts.settings import AlertsSettings
from adapter.backup import BackupSettings
from adapter.config.eu import EU_CHOICES, AdvancesSettings, CurrencySettings, VatSettings
from adapter.mail import SECURITY_CHOICES, MailSettings
from adapter.mappings.settings import UNMAPPED_CHOICES, MappingsSettings

SETTINGS_FILE = "settings.toml"
DATA_DIR_ENV = "POHODA_ADAPTER_DATA"

#: agenda key → Czech title (POHODA's own terms)
AGENDAS: dict[str, str] = {
    "orders": "Přijaté objednávky",
    "invoices": "Vydané faktury",
    "stock": "Zásoby a ceny do e-shopu",
    "products": "Produkty do POHODY",
    "customers": "Adresář",
    "payments": "Zaplacené objednávky",
    "states": "Stav objednávek do e-shopu",
    "documents": "Faktury PDF zákazníkům",
    "refunds": "Dobropisy a storna",
}

VAT_CODES = ("none", "low", "high", "third")
#: most requests the adapter sends to the e-shop at once (``[eshop] parallel_requests``)
PARALLEL_REQUESTS_MAX = 16


@dataclass(frozen=True, slots=True)
class FieldError:
    """A problem with one settings field, shown next to it in the UI."""

    section: str
    key: str
    message: str

    @property
    def path(self) -> str:
        """``section.key`` as used in form field names."""
        return f"{self.section}.{self.key}"


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True, slots=True)
class PohodaSettings:
    """``[pohoda]``: the mServer connection and the POHODA-pull endpoints."""

    url: str = ""  #: mServer base address, e.g. http://127.0.0.1:444 (a trailing /xml is accepted)
    user: str = ""
    password: str = field(default="", repr=False)
    ico: str = ""
    application: str = "POHODA adaptér"
    connect_timeout: float = 5.0
    read_timeout: float = 300.0
    #: HTTP Basic credentials POHODA uses when it pulls orders / pushes stock
    #: ("Obecný internetový obchod"); empty user = those endpoints are off
    pull_user: str = ""
    pull_password: str = field(default="", repr=False)

    @property
    def base_url(self) -> str:
        """The URL without a trailing ``/xml`` or slash."""
        url = self.url.strip().rstrip("/")
        return url[:-4] if url.lower().endswith("/xml") else url


@dataclass(frozen=True, slots=True)
class EshopSettings:
    """``[eshop]``: the e-shop connection."""

    platform: str = "woocommerce"
    url: str = ""
    consumer_key: str = field(default="", repr=False)
    consumer_secret: str = field(default="", repr=False)
    verify_tls: bool = True
    #: send the keys in the query string when the server strips the Authorization header (HTTPS only)
    query_string_auth: bool = False
    timeout: float = 60.0  #: seconds one answer of the shop may take
    #: requests sent to the shop at the same time where their order does not matter (variations of
    #: many products, stock batches, order marks, customers); 1 = one after another. WooCommerce on
    #: ordinary hosting serves a few parallel requests fine; lower it for a very weak host.
    #: Why 4: PHP serves one request per worker — php-fpm's stock pool has ``pm.max_children = 5``, the
    #: test suite's real shop runs PHP's built-in server with ``PHP_CLI_SERVER_WORKERS=4`` (without it, one).
    #: Measured there (stock full run, 2,000 products in 20 batches, ``bench.bench_realshop``): 1 → 191 s,
    #: 2 → 184 s, 4 → 149 s, 8 → 172 s — at 8 the batches queue behind the four workers past the read
    #: timeout and are sent again. 4 keeps every worker busy and leaves one for the shop's own visitors.
    parallel_requests: int = 4


@dataclass(frozen=True, slots=True)
class PairingSettings:
    """``[pairing]``: how e-shop products pair with POHODA stock cards."""

    case_sensitive: bool = False  #: SKU "abc-1" pairs with code "ABC-1" unless set
    ean_fallback: bool = False  #: pair by EAN when the SKU finds nothing


@dataclass(frozen=True, slots=True)
class AgendaBase:
    """Options every agenda has."""

    enabled: bool = False  #: shown on the dashboard and run by the schedule
    schedule_minutes: int = 0  #: 0 = no automatic runs


@dataclass(frozen=True, slots=True)
class OrdersSettings(AgendaBase):
    """``[orders]``: e-shop orders → POHODA received orders."""

    enabled: bool = True
    transfer_statuses: tuple[str, ...] = ("completed",)
    transfer_meta_key: str = ""  #: if set, a truthy order meta marks the order instead of the status
    reserve_stock: bool = False  #: ord:isReserved
    numbering: str = "pohoda"  #: "pohoda" = POHODA's number series, "eshop" = the shop's order number
    numbering_series: str = ""  #: POHODA number series (číselná řada) code, optional
    store: str = ""  #: POHODA warehouse for stock lines; empty = the card's own
    batch_size: int = 50
    vat_rates: Mapping[str, str] = field(default_factory=lambda: {"21": "high", "12": "low", "0": "none"})
    payment_map: Mapping[str, str] = field(default_factory=dict)  #: shop payment method → POHODA forma úhrady
    carrier_map: Mapping[str, str] = field(default_factory=dict)  #: shop shipping method → POHODA dopravce
    transferred_status: str = ""  #: optional shop status after a successful transfer
    #: the private note "Přeneseno do POHODY jako objednávka …" on each transferred order: "auto" = only when
    #: the shop has no POHODA adaptér plugin (the plugin shows POHODA's number on the order screen itself),
    #: "always", "never"; each note is one more shop request per order
    transfer_note: str = "auto"
    recheck_days: int = 30  #: the full re-check looks back this many days
    overlap_minutes: int = 10
    #: pevné kurzy cizích měn: měna → Kč za jednotku ("25.30") nebo za množství ("6.45/100");
    #: objednávka v měně bez kurzu (ani zde, ani v rate_meta_key) čeká s důvodem „chybí kurz“
    currency_rates: Mapping[str, str] = field(default_factory=dict)
    rate_meta_key: str = ""  #: meta klíč objednávky s kurzem (Kč za 1 jednotku), má přednost před currency_rates


@dataclass(frozen=True, slots=True)
class InvoicesSettings(AgendaBase):
    """``[invoices]``: e-shop orders → POHODA issued invoices (optional)."""

    mode: str = "linked"  #: "linked" = from the transferred received order (moves stock); "standalone" = text lines
    invoice_statuses: tuple[str, ...] = ("completed",)
    due_days: int = 14
    numbering_series: str = ""
    batch_size: int = 50


@dataclass(frozen=True, slots=True)
class StockSettings(AgendaBase):
    """``[stock]``: POHODA quantities (and prices) → e-shop."""

    enabled: bool = True
    quantity: str = "available"  #: "available" = count − reservation; "physical" = count
    stores: tuple[str, ...] = ()  #: warehouses summed; empty = all
    internet_only: bool = False  #: only cards flagged "Internet"
    push_prices: bool = False
    price_includes_vat: bool = True  #: match the shop's "prices entered with tax" setting
    price_level: str = ""  #: empty = the card's selling price; else a price level (cenová hladina) name
    action_prices: bool = False  #: POHODA action prices become sale prices
    nightly_full: bool = False  #: a full reconciliation once a night
    nightly_hour: int = 2
    overlap_minutes: int = 5
    page_size: int = 2000  #: stock cards per mServer list request


@dataclass(frozen=True, slots=True)
class ProductsSettings(AgendaBase):
    """``[products]``: e-shop products → POHODA stock cards."""

    update_existing: bool = False  #: also update cards that already exist (name, price, EAN)
    #: a run without chosen products creates cards for every unpaired product (off: only the ticked ones)
    create_all_unpaired: bool = False
    store: str = ""
    storage: str = ""
    #: typ ceny (stk:typePrice) of new cards, e.g. "SK"; POHODA may require it together with the storage node
    price_type: str = ""
    unit: str = "ks"
    is_internet: bool = True
    price_includes_vat: bool = True
    initial_quantity: bool = False  #: take the shop's stock as a one-off receipt (příjemka)


@dataclass(frozen=True, slots=True)
class CustomersSettings(AgendaBase):
    """``[customers]``: the address book and the shop's customers."""

    to_pohoda: bool = True
    to_eshop: bool = False
    guests_with_ico: bool = False  #: also billing addresses of guest orders that carry an IČO
    user_filter: str = ""  #: POHODA user filter (uživatelský filtr) limiting what goes to the shop
    master: str = "pohoda"  #: who wins when both sides changed: "pohoda" or "eshop"


@dataclass(frozen=True, slots=True)
class PaymentsSettings(AgendaBase):
    """``[payments]``: paid invoices in POHODA → paid orders in the shop."""

    enabled: bool = True
    tolerance: Decimal = Decimal("1.00")  #: what is left to pay still counts as paid up to this (CZK)
    paid_status: str = "processing"
    awaiting_statuses: tuple[str, ...] = ("pending", "on-hold")
    max_upload_mb: int = 20
    overlap_minutes: int = 10


@dataclass(frozen=True, slots=True)
class StatesSettings(AgendaBase):
    """``[states]``: what POHODA did with a transferred order → the shop order (status, meta, note)."""

    status_map: Mapping[str, str] = field(default_factory=dict)  #: POHODA state (writeback.STATE_KEYS) → shop status
    tracking_field: str = ""  #: note, intNote, text or param:NAME; empty = no tracking number
    tracking_url: Mapping[str, str] = field(default_factory=dict)  #: carrier → URL with {number}; "*" = any
    customer_note: bool = False  #: the note goes to the customer (else a private note)
    overlap_minutes: int = 10


@dataclass(frozen=True, slots=True)
class DocumentsSettings(AgendaBase):
    """``[documents]``: issued invoices of transferred orders → PDF stored and e-mailed to the customer."""

    report: int = 0  #: POHODA print report id; 0 = not chosen yet
    email_customer: bool = True
    subject: str = writeback.DEFAULT_SUBJECT
    body: str = writeback.DEFAULT_BODY
    shop_note: bool = True  #: a private note "Faktura … odeslána zákazníkovi" after mailing
    overlap_minutes: int = 10


@dataclass(frozen=True, slots=True)
class RefundsSettings(AgendaBase):
    """``[refunds]``: shop refunds → POHODA credit notes; cancelled orders → deleted or listed (issue 19).

    ``enabled`` follows ``[invoices] enabled`` unless the file sets it; ``link_mode`` and ``sign_mode`` switch
    our best readings of POHODA (see :mod:`adapter.pohoda.credit_notes`).
    """

    cancel_statuses: tuple[str, ...] = ("cancelled", "failed")  #: shop statuses meaning cancelled ("trash" too)
    on_cancel: str = "delete"  #: "delete" the received order while not invoiced/executed, or only "list" it
    number_series: str = ""  #: POHODA číselná řada of credit notes (typ:ids)
    accounting: str = ""  #: předkontace (typ:ids)
    text: str = "Dobropis k objednávce z e-shopu č. {number}"  #: {number} = the shop order number
    return_store: str = ""  #: warehouse the returned goods go back to; empty = no stock movement
    batch_size: int = 50
    link_mode: str = "corrective"  #: "corrective" (inv:correctiveDocument) or "text" (number in symPar only)
    sign_mode: str = "quantity"  #: minus on the "quantity" or on the unit "price"


@dataclass(frozen=True, slots=True)
class AppSettings:
    """``[app]``: the web app itself."""

    login_on_loopback: bool = False  #: require a login on the PC itself too
    session_hours: int = 12
    lan_https: bool = True  #: serve HTTPS when started for the LAN (--host other than this PC)
    tls_cert: str = ""  #: own certificate (PEM) for HTTPS; empty = the adapter's self-signed one
    tls_key: str = ""  #: the private key (PEM) of tls_cert


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, plus where the data folder is."""

    data_dir: Path
    pohoda: PohodaSettings = field(default_factory=PohodaSettings)
    eshop: EshopSettings = field(default_factory=EshopSettings)
    pairing: PairingSettings = field(default_factory=PairingSettings)
    orders: OrdersSettings = field(default_factory=OrdersSettings)
    invoices: InvoicesSettings = field(default_factory=InvoicesSettings)
    stock: StockSettings = field(default_factory=StockSettings)
    products: ProductsSettings = field(default_factory=ProductsSettings)
    customers: CustomersSettings = field(default_factory=CustomersSettings)
    payments: PaymentsSettings = field(default_factory=PaymentsSettings)
    states: StatesSettings = field(default_factory=StatesSettings)
    documents: DocumentsSettings = field(default_factory=DocumentsSettings)
    refunds: RefundsSettings = field(default_factory=RefundsSettings)
    app: AppSettings = field(default_factory=AppSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    mappings: MappingsSettings = field(default_factory=MappingsSettings)
    vat: VatSettings = field(default_factory=VatSettings)
    currency: CurrencySettings = field(default_factory=CurrencySettings)
    advances: AdvancesSettings = field(default_factory=AdvancesSettings)
    demo: bool = False

    def agenda(self, name: str) -> AgendaBase:
        """The settings section of one agenda."""
        value = getattr(self, name)
        assert isinstance(value, AgendaBase)
        return value

    @property
    def pohoda_configured(self) -> bool:
        """True when the mServer connection is filled in."""
        return bool(self.pohoda.url and self.pohoda.user and self.pohoda.ico)

    @property
    def eshop_configured(self) -> bool:
        """True when the e-shop connection is filled in."""
        return bool(self.eshop.url and self.eshop.consumer_key and self.eshop.consumer_secret)


SECTIONS: dict[str, type] = {
    "pohoda": PohodaSettings,
    "eshop": EshopSettings,
    "pairing": PairingSettings,
    "orders": OrdersSettings,
    "invoices": InvoicesSettings,
    "stock": StockSettings,
    "products": ProductsSettings,
    "customers": CustomersSettings,
    "payments": PaymentsSettings,
    "states": StatesSettings,
    "documents": DocumentsSettings,
    "refunds": RefundsSettings,
    "app": AppSettings,
    "mail": MailSettings,
    "alerts": AlertsSettings,
    "backup": BackupSettings,
    "mappings": MappingsSettings,
    "vat": VatSettings,
    "currency": CurrencySettings,
    "advances": AdvancesSettings,
}

#: fields never rendered back into a page or a log line
SECRET_FIELDS = frozenset({("pohoda", "password"), ("pohoda", "pull_password"), ("eshop", "consumer_secret"),
                           ("mail", "password")})

#: choices for enumerated fields: (section, key) → allowed values
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("eshop", "platform"): ("woocommerce",),
    ("orders", "numbering"): ("pohoda", "eshop"),
    ("orders", "transfer_note"): ("auto", "always", "never"),
    ("invoices", "mode"): ("linked", "standalone"),
    ("stock", "quantity"): ("available", "physical"),
    ("customers", "master"): ("pohoda", "eshop"),
    ("refunds", "on_cancel"): ("delete", "list"),
    ("refunds", "link_mode"): ("corrective", "text"),
    ("refunds", "sign_mode"): ("quantity", "price"),
    ("mail", "security"): SECURITY_CHOICES,
    ("mappings", "unmapped"): UNMAPPED_CHOICES,
    **EU_CHOICES,
}


# --------------------------------------------------------------------------- validation
