"""Settings: one frozen, typed object loaded from ``<data>/settings.toml``.

The file is meant to be edited by people as well as by the UI: a file that
holds only the fixed keys (``[pohoda]`` and ``[eshop]``) is complete, and
every agenda option has the default a careful user would pick. Problems are
returned as a list of :class:`FieldError` (shown next to the field in the UI),
never raised, so a typo in one option never stops the app.

Writes go through :func:`save_settings`, which keeps the user's comments and
layout (tomlkit) and replaces the file atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import tomlkit

from adapter import writeback
from adapter.alerts.settings import AlertsSettings
from adapter.backup import BackupSettings
from adapter.mail import SECURITY_CHOICES, MailSettings
from adapter.mappings.settings import UNMAPPED_CHOICES, MappingsSettings

SETTINGS_FILE = "settings.toml"
DATA_DIR_ENV = "POHODA_ADAPTER_DATA"

#: agenda key → Czech title (POHODA's own terms)
AGENDAS: dict[str, str] = {
    "orders": "Objednávky přijaté",
    "invoices": "Vydané faktury",
    "stock": "Zásoby a ceny do e-shopu",
    "products": "Produkty do POHODY",
    "customers": "Adresář",
    "payments": "Zaplacené objednávky",
    "states": "Stav objednávek do e-shopu",
    "documents": "Faktury PDF zákazníkům",
}

VAT_CODES = ("none", "low", "high", "third")


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
    password: str = ""
    ico: str = ""
    application: str = "POHODA adaptér"
    connect_timeout: float = 5.0
    read_timeout: float = 300.0
    #: HTTP Basic credentials POHODA uses when it pulls orders / pushes stock
    #: ("Obecný internetový obchod"); empty user = those endpoints are off
    pull_user: str = ""
    pull_password: str = ""

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
    consumer_key: str = ""
    consumer_secret: str = ""
    verify_tls: bool = True
    query_string_auth: bool = False
    timeout: float = 60.0
    parallel_requests: int = 4  #: requests to the shop at once during big reads and stock pushes (1 = one at a time)


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
class AppSettings:
    """``[app]``: the web app itself."""

    login_on_loopback: bool = False  #: require a login on the PC itself too
    session_hours: int = 12


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
    app: AppSettings = field(default_factory=AppSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    mappings: MappingsSettings = field(default_factory=MappingsSettings)
    demo: bool = False

    def agenda(self, name: str) -> AgendaBase:
        """The settings section of one agenda."""
        value = getattr(self, name)
        assert isinstance(value, AgendaBase)
        return value

    @property
    def settings_path(self) -> Path:
        """Where ``settings.toml`` lives."""
        return self.data_dir / SETTINGS_FILE

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
    "app": AppSettings,
    "mail": MailSettings,
    "alerts": AlertsSettings,
    "backup": BackupSettings,
    "mappings": MappingsSettings,
}

#: fields never rendered back into a page or a log line
SECRET_FIELDS = frozenset({("pohoda", "password"), ("pohoda", "pull_password"), ("eshop", "consumer_secret"),
                           ("mail", "password")})

#: choices for enumerated fields: (section, key) → allowed values
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("eshop", "platform"): ("woocommerce",),
    ("orders", "numbering"): ("pohoda", "eshop"),
    ("invoices", "mode"): ("linked", "standalone"),
    ("stock", "quantity"): ("available", "physical"),
    ("customers", "master"): ("pohoda", "eshop"),
    ("mail", "security"): SECURITY_CHOICES,
    ("mappings", "unmapped"): UNMAPPED_CHOICES,
}


# --------------------------------------------------------------------------- validation


def _coerce(section: str, key: str, kind: Any, value: Any) -> Any:
    """Turn a TOML value into the field's type, or raise ValueError with a Czech reason."""
    if kind in (bool, "bool"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "ano", "on", "yes"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "0", "ne", "off", "no", ""):
            return False
        raise ValueError("očekává se ano/ne (true/false)")
    if kind in (int, "int"):
        if isinstance(value, bool):
            raise ValueError("očekává se celé číslo")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("očekává se celé číslo") from None
        if number < 0:
            raise ValueError("číslo nesmí být záporné")
        return number
    if kind in (float, "float"):
        try:
            number_f = float(str(value).replace(",", "."))
        except ValueError:
            raise ValueError("očekává se číslo") from None
        if number_f <= 0:
            raise ValueError("číslo musí být kladné")
        return number_f
    if kind in (Decimal, "Decimal"):
        try:
            dec = Decimal(str(value).replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise ValueError("očekává se částka, např. 1,00") from None
        if not dec.is_finite() or dec < 0:
            raise ValueError("částka musí být nezáporná")
        return dec
    if kind in (str, "str"):
        if not isinstance(value, str | int | float):
            raise ValueError("očekává se text")
        return str(value).strip()
    if str(kind).startswith("tuple"):
        if isinstance(value, str):
            value = [v for v in re.split(r"[,\s]+", value) if v]
        if not isinstance(value, list | tuple):
            raise ValueError("očekává se seznam hodnot oddělených čárkou")
        return tuple(str(v).strip() for v in value if str(v).strip())
    if str(kind).startswith("Mapping"):
        if not isinstance(value, Mapping):
            raise ValueError("očekává se tabulka hodnot")
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    raise ValueError(f"neznámý typ pole {kind!r}")


def _check(section: str, key: str, value: Any) -> str | None:
    """Extra rules beyond the type; return a Czech message or None."""
    allowed = CHOICES.get((section, key))
    if allowed and value not in allowed:
        return "povolené hodnoty: " + ", ".join(allowed)
    if section == "pohoda" and key == "url" and value and not re.match(r"^https?://[^/\s]+", value):
        return "zadejte adresu mServeru ve tvaru http://127.0.0.1:444"
    if section == "eshop" and key == "url" and value and not re.match(r"^https?://[^/\s]+", value):
        return "zadejte adresu e-shopu ve tvaru https://www.obchod.cz"
    if section == "pohoda" and key == "ico" and value and not re.fullmatch(r"\d{8}", value.replace(" ", "")):
        return "IČO má 8 číslic"
    if key == "vat_rates":
        bad = [v for v in value.values() if v not in VAT_CODES]
        if bad:
            return "sazba DPH v POHODĚ musí být none, low, high nebo third (chybně: " + ", ".join(bad) + ")"
    if key == "batch_size" and not 1 <= value <= 500:
        return "velikost dávky musí být 1 až 500"
    if key == "parallel_requests" and not 1 <= value <= 16:
        return "počet souběžných požadavků musí být 1 až 16"
    if key == "nightly_hour" and not 0 <= value <= 23:
        return "hodina musí být 0 až 23"
    if key == "schedule_minutes" and value and value < 1:
        return "interval musí být alespoň 1 minuta"
    if section in ("states", "documents"):
        return writeback.field_problem(key, value) or None
    return None


def parse_section(name: str, raw: Mapping[str, Any]) -> tuple[Any, list[FieldError]]:
    """Build one section from a raw mapping; unknown or bad fields become errors."""
    cls = SECTIONS[name]
    defaults = cls()
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    known = {f.name: f for f in fields(cls)}
    for key, value in raw.items():
        f = known.get(key)
        if f is None:
            errors.append(FieldError(name, key, f"neznámá volba „{key}“ (bude ignorována)"))
            continue
        try:
            coerced = _coerce(name, key, f.type, value)
        except ValueError as exc:
            errors.append(FieldError(name, key, str(exc)))
            continue
        if name == "pohoda" and key == "ico":
            coerced = coerced.replace(" ", "")
        problem = _check(name, key, coerced)
        if problem:
            errors.append(FieldError(name, key, problem))
            continue
        values[key] = coerced
    return replace(defaults, **values), errors


def settings_from_mapping(data_dir: Path, raw: Mapping[str, Any], *, demo: bool = False) -> tuple[Settings, list[FieldError]]:
    """Build Settings from a parsed TOML document."""
    parts: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name in SECTIONS:
        section = raw.get(name, {})
        if not isinstance(section, Mapping):
            errors.append(FieldError(name, "", f"[{name}] musí být tabulka"))
            section = {}
        parts[name], errs = parse_section(name, section)
        errors.extend(errs)
    for name in raw:
        if name not in SECTIONS and name != "demo":
            errors.append(FieldError(name, "", f"neznámá sekce [{name}] (bude ignorována)"))
    demo = demo or bool(raw.get("demo", False))
    loop = writeback.loop_problem(parts["states"].status_map, transfer_statuses=parts["orders"].transfer_statuses,
                                  transfer_meta_key=parts["orders"].transfer_meta_key,
                                  orders_enabled=parts["orders"].enabled)
    if loop and parts["states"].enabled:
        errors.append(FieldError("states", "status_map", loop))
    return Settings(data_dir=data_dir, demo=demo, **parts), errors


def load_settings(data_dir: Path, *, demo: bool = False) -> tuple[Settings, list[FieldError]]:
    """Read ``<data_dir>/settings.toml``; a missing file gives the defaults."""
    path = data_dir / SETTINGS_FILE
    if not path.exists():
        return Settings(data_dir=data_dir, demo=demo), []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return Settings(data_dir=data_dir, demo=demo), [
            FieldError("", "", f"Soubor {path} nelze přečíst ({exc}); použita výchozí nastavení. Opravte jej nebo uložte nastavení znovu.")
        ]
    return settings_from_mapping(data_dir, raw, demo=demo)


def to_toml_value(value: Any) -> Any:
    """A settings value as TOML can store it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def save_settings(data_dir: Path, changes: Mapping[str, Mapping[str, Any]]) -> None:
    """Apply ``changes`` (section → key → value) to settings.toml atomically, keeping comments."""
    path = data_dir / SETTINGS_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    for section, values in changes.items():
        if section not in doc:
            doc[section] = tomlkit.table()
        table = doc[section]
        for key, value in values.items():
            table[key] = to_toml_value(value)  # type: ignore[index]
    text = tomlkit.dumps(doc)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def section_fields(name: str) -> list[tuple[str, Any, Any]]:
    """(key, type, default) for every field of a section, in declaration order."""
    cls = SECTIONS[name]
    default = cls()
    return [(f.name, f.type, getattr(default, f.name)) for f in fields(cls)]


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$POHODA_ADAPTER_DATA`` or ``instance/`` beside app.py."""
    env = environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "instance"


SettingsProvider = Callable[[], Settings]


class SettingsStore:
    """Holds the current Settings and reloads them when settings.toml changes on disk."""

    def __init__(self, data_dir: Path, *, demo: bool = False) -> None:
        self.data_dir = data_dir
        self.demo = demo
        self._stamp: tuple[int, int] | None = None
        self._settings, self._errors = load_settings(data_dir, demo=demo)
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.data_dir / SETTINGS_FILE).stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self) -> Settings:
        """The current settings (re-read if the file changed)."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._settings, self._errors = load_settings(self.data_dir, demo=self.demo)
            self._stamp = stamp
        return self._settings

    def errors(self) -> list[FieldError]:
        """Problems found in the current file."""
        self.get()
        return list(self._errors)

    def save(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Write changes and reload."""
        save_settings(self.data_dir, changes)
        self._stamp = None
        self.get()
