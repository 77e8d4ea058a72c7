"""The values each mapping screen shows: what the shop has, what POHODA offers, a suggested match.

Shop values come from WooCommerce's own lists (``payment_gateways``,
``shipping/zones/*/methods``, ``reports/orders/totals`` for the order statuses,
``taxes``), plus every value seen in orders (the *nová hodnota* store). POHODA
values: the VAT rates are fixed by its XML (``none``/``low``/``high``/``third``);
the payment forms (formy úhrady) are POHODA's predefined ones plus whatever the
mapping already uses; carriers (dopravci) are the user's own list in POHODA, which
its XML does not list, so they are typed in. No Flask here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from adapter.errors import AdapterError
from adapter.mappings.unmapped import current_map, open_values
from adapter.sync.orders.mapping import rate_key

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.eshop.base import Eshop

#: kind → Czech screen title
TITLES: dict[str, str] = {
    "payment": "Platby → formy úhrady",
    "carrier": "Doprava → dopravci",
    "status": "Stavy objednávek",
    "tax": "DPH → sazby POHODY",
}
#: POHODA's predefined formy úhrady (Seznamy › Platby › Formy úhrad) with the shop words that suggest them
PAYMENT_FORMS: dict[str, tuple[str, ...]] = {
    "Příkazem": ("bacs", "bank", "prevod", "transfer", "prikaz"),
    "Hotově": ("cash", "hotove", "pokladna", "local"),
    "Dobírkou": ("cod", "dobirk", "delivery"),
    "Platební kartou": ("card", "karta", "kartou", "gopay", "stripe", "comgate", "paypal", "thepay", "gpwebpay"),
    "Zálohou": ("advance", "zaloh", "proforma"),
    "Složenkou": ("postal", "slozenk"),
    "Inkasem": ("inkas", "encash"),
    "Šekem": ("cheque", "sek"),
}
VAT_RATES: dict[str, str] = {"high": "základní", "low": "snížená", "third": "druhá snížená", "none": "bez DPH"}
#: shop status roles on the status screen: (section, key, Czech meaning, many values)
STATUS_ROLES: tuple[tuple[str, str, str, bool], ...] = (
    ("orders", "transfer_statuses", "Objednávky přijaté: přenést do POHODY ve stavu", True),
    ("orders", "transferred_status", "Objednávky přijaté: po přenosu nastavit stav", False),
    ("invoices", "invoice_statuses", "Vydané faktury: vystavit ve stavu", True),
    ("payments", "awaiting_statuses", "Zaplacené objednávky: čekají na platbu ve stavu", True),
    ("payments", "paid_status", "Zaplacené objednávky: po zaplacení nastavit stav", False),
)


@dataclass
class Row:
    """One shop value on a mapping screen."""

    value: str
    label: str = ""
    enabled: bool = True
    new: bool = False  #: seen in an order but not mapped (nová hodnota)
    current: str = ""  #: the POHODA value it is mapped to now
    suggestion: str = ""


@dataclass
class Screen:
    """Everything one mapping screen shows."""

    kind: str
    title: str
    rows: list[Row] = field(default_factory=list)
    pohoda_values: list[tuple[str, str]] = field(default_factory=list)  #: (value, Czech label)
    free_text: bool = False  #: POHODA's values are typed in (not listed by its XML)
    shop_error: str = ""


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def suggest(kind: str, value: str, label: str) -> str:
    """The POHODA value that most likely matches a shop value ("" when nothing fits)."""
    words = _fold(f"{value} {label}")
    if kind == "payment":
        return next((form for form, keys in PAYMENT_FORMS.items() if any(k in words for k in keys)), "")
    if kind == "tax":
        try:
            percent = Decimal(value)
        except InvalidOperation:
            return ""
        return "none" if percent == 0 else "high" if percent >= 20 else "low" if percent >= 12 else "third"
    if kind == "carrier":
        return label.strip()[:20]
    return ""


def _list(data: object) -> list[dict[str, Any]]:
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def shop_reader(shop: Eshop) -> Callable[[str], object]:
    """GET a ``/wc/v3`` path through the connector's own authenticated client."""
    get = getattr(shop, "_get", None)
    if get is None:
        raise AdapterError("Tento e-shop neumí vypsat své platby, dopravu a daně; mapování zadejte ručně.")
    return get  # type: ignore[no-any-return]


def shop_values(kind: str, read: Callable[[str], object]) -> list[Row]:
    """The values the shop has for one kind (raises the connector's AdapterError)."""
    if kind == "payment":
        return [Row(str(g.get("id")), str(g.get("title") or ""), bool(g.get("enabled"))) for g in _list(read("/payment_gateways"))]
    if kind == "carrier":
        rows: dict[str, Row] = {}
        for zone in _list(read("/shipping/zones")):
            for m in _list(read(f"/shipping/zones/{zone.get('id')}/methods")):
                rows.setdefault(str(m.get("method_id")), Row(str(m.get("method_id")), str(m.get("title") or "")))
        return list(rows.values())
    if kind == "status":
        return [Row(str(s.get("slug")), str(s.get("name") or "")) for s in _list(read("/reports/orders/totals"))]
    rates: dict[str, Row] = {}
    for t in _list(read("/taxes")):
        try:
            key = rate_key(Decimal(str(t.get("rate"))))
        except InvalidOperation:
            continue
        rates.setdefault(key, Row(key, f"{key} % — {t.get('name') or ''} ({t.get('class') or 'standard'})"))
    return list(rates.values())


def build_screen(kind: str, settings: Settings, read: Callable[[str], object] | None) -> Screen:
    """The screen for ``kind``: new values first, then the shop's values, then any mapped value the shop lacks."""
    screen = Screen(kind, TITLES[kind], free_text=kind == "carrier")
    found: list[Row] = []
    if read is not None:
        try:
            found = shop_values(kind, read)
        except AdapterError as exc:
            screen.shop_error = f"Hodnoty e-shopu nelze načíst: {exc.message}"
    mapping = current_map(settings, kind)
    by_value = {r.value: r for r in found}
    for new in open_values(kind):
        row = by_value.get(new.value)
        if row is None:
            row = by_value[new.value] = Row(new.value, new.label)
            found.append(row)
        row.new = True
    for value in mapping:
        if value not in by_value:
            by_value[value] = Row(value, "")
            found.append(by_value[value])
    for row in found:
        row.current = mapping.get(row.value, "")
        row.suggestion = suggest(kind, row.value, row.label)
    screen.rows = sorted(found, key=lambda r: (not r.new, not r.enabled))
    if kind == "payment":
        used = [v for v in mapping.values() if v and v not in PAYMENT_FORMS]
        screen.pohoda_values = [(f, f) for f in PAYMENT_FORMS] + [(v, v) for v in dict.fromkeys(used)]
    elif kind == "tax":
        screen.pohoda_values = [(code, f"{label} ({code})") for code, label in VAT_RATES.items()]
    elif kind == "carrier":
        screen.pohoda_values = [(v, v) for v in dict.fromkeys(v for v in mapping.values() if v)]
    return screen


def changes_from_form(kind: str, form: dict[str, str], settings: Settings) -> dict[str, dict[str, Any]]:
    """Settings changes (section → key → value) from a submitted screen; ``map.<value>`` fields."""
    if kind == "status":
        out: dict[str, dict[str, Any]] = {}
        for section, key, _label, many in STATUS_ROLES:
            raw = form.get(f"role.{section}.{key}", "")
            chosen = [v.strip() for v in raw.split(",") if v.strip()]
            out.setdefault(section, {})[key] = tuple(chosen) if many else (chosen[0] if chosen else "")
        return out
    mapping = current_map(settings, kind)
    for name, value in form.items():
        if name.startswith("map."):
            shop_value = name[4:]
            if value.strip():
                mapping[shop_value] = value.strip()
            else:
                mapping.pop(shop_value, None)
    key = {"payment": "payment_map", "carrier": "carrier_map", "tax": "vat_rates"}[kind]
    return {"orders": {key: mapping}}
