"""The values each mapping screen shows: what the shop has, what POHODA offers, a suggested match.

Shop values come from the connector's typed set-up reads (:class:`adapter.eshop.base.Eshop`:
``payment_gateways``, ``shipping_methods``, ``order_statuses``, ``tax_rates`` and
``tax_classes``), plus every value seen in orders (the *nová hodnota* store). POHODA values:
the formy úhrady and členění DPH POHODA listed over XML (:mod:`adapter.mappings.pohoda_values`;
its predefined formy úhrady while it has not been read); the VAT rates are fixed by its XML
(``none``/``low``/``high``/``third``); carriers (dopravci) are the user's own list in POHODA,
which its XML does not list, so they are typed in. No Flask here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from adapter.errors import AdapterError
from adapter.mappings.statuses import STATUS_ROLES, known_statuses, roles_of
from adapter.mappings.unmapped import current_map, open_values
from adapter.sync.orders.mapping import rate_key

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.eshop.base import Eshop
    from adapter.pohoda.lists_values import PohodaValues

__all__ = ["STATUS_ROLES", "TITLES", "VAT_RATES", "Row", "Screen", "build_screen", "changes_from_form", "suggest"]

#: kind → Czech screen title
TITLES: dict[str, str] = {
    "payment": "Platby → formy úhrady",
    "carrier": "Doprava → dopravci",
    "status": "Stavy objednávek",
    "tax": "DPH → sazby a členění POHODY",
}
#: POHODA's basic kinds of forma úhrady (pay:paymentType) with the shop words that suggest them
PAYMENT_KINDS: dict[str, tuple[str, ...]] = {
    "transfer": ("bacs", "bank", "prevod", "transfer", "prikaz"),
    "cash": ("cash", "hotove", "pokladna", "local"),
    "delivery": ("cod", "dobirk", "delivery"),
    "creditCard": ("card", "karta", "kartou", "gopay", "stripe", "comgate", "paypal", "thepay", "gpwebpay"),
    "advance": ("advance", "zaloh", "proforma"),
    "cheque": ("cheque", "sek"),
}
#: POHODA's predefined formy úhrady (Seznamy › Platby › Formy úhrad), offered until POHODA is read
PAYMENT_FORMS: dict[str, str] = {
    "Příkazem": "transfer", "Hotově": "cash", "Dobírkou": "delivery", "Platební kartou": "creditCard",
    "Zálohou": "advance", "Složenkou": "other", "Inkasem": "other", "Šekem": "cheque",
}
VAT_RATES: dict[str, str] = {"high": "základní", "low": "snížená", "third": "druhá snížená", "none": "bez DPH"}
#: the členění DPH suggested for domestic sales when POHODA lists it
DOMESTIC_CLASSIFICATION = "UD"


@dataclass
class Row:
    """One shop value on a mapping screen."""

    value: str
    label: str = ""
    enabled: bool = True
    new: bool = False  #: seen in an order (or the shop) but not mapped (nová hodnota)
    current: str = ""  #: the POHODA value it is mapped to now
    suggestion: str = ""
    classification: str = ""  #: tax: the členění DPH mapped now
    classification_suggestion: str = ""
    total: int | None = None  #: status: orders in it
    roles: list[str] = field(default_factory=list)  #: status: where the adapter uses it
    known: bool = False  #: status: a person marked it as seen and unused


@dataclass
class Screen:
    """Everything one mapping screen shows."""

    kind: str
    title: str
    rows: list[Row] = field(default_factory=list)
    pohoda_values: list[tuple[str, str]] = field(default_factory=list)  #: (value, Czech label)
    classifications: list[tuple[str, str]] = field(default_factory=list)  #: tax: (code, Czech label)
    free_text: bool = False  #: POHODA's values are typed in (not listed by its XML)
    from_pohoda: bool = False  #: POHODA's values were read from POHODA (not the predefined ones)
    shop_error: str = ""


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def payment_kind(value: str, label: str) -> str:
    """POHODA's basic payment kind a shop method most likely is ("" when nothing fits)."""
    words = _fold(f"{value} {label}")
    return next((kind for kind, keys in PAYMENT_KINDS.items() if any(k in words for k in keys)), "")


def suggest(kind: str, value: str, label: str, forms: dict[str, str] | None = None) -> str:
    """The POHODA value that most likely matches a shop value ("" when nothing fits).

    ``forms`` are POHODA's formy úhrady (name → basic kind); the predefined ones when None.
    """
    if kind == "payment":
        forms = forms if forms is not None else PAYMENT_FORMS
        words = _fold(f"{value} {label}")
        named = next((name for name in forms if _fold(name) in words), "")
        wanted = payment_kind(value, label)
        return named or next((name for name, k in forms.items() if wanted and k == wanted), "")
    if kind == "tax":
        try:
            percent = Decimal(value)
        except InvalidOperation:
            return ""
        return "none" if percent == 0 else "high" if percent >= 20 else "low" if percent >= 12 else "third"
    if kind == "carrier":
        return label.strip()[:20]
    return ""


def shop_values(kind: str, shop: Eshop) -> list[Row]:
    """The values the shop has for one kind (raises the connector's AdapterError)."""
    if kind == "payment":
        return [Row(g.id, g.title, g.enabled) for g in shop.payment_gateways()]
    if kind == "carrier":
        rows: dict[str, Row] = {}
        for m in shop.shipping_methods():
            rows.setdefault(m.method_id, Row(m.method_id, m.title, m.enabled))
        return list(rows.values())
    if kind == "status":
        return [Row(s.slug, s.name, total=s.total) for s in shop.order_statuses()]
    class_names = {c.slug: c.name for c in shop.tax_classes()}
    rates: dict[str, Row] = {}
    for t in shop.tax_rates():
        key = rate_key(t.rate)
        label = f"{key} % — {t.name} ({class_names.get(t.tax_class, t.tax_class)})"
        row = rates.setdefault(key, Row(key, label))
        if label not in row.label:
            row.label += f"; {t.name} ({class_names.get(t.tax_class, t.tax_class)})"
    return list(rates.values())


def _pohoda_side(screen: Screen, settings: Settings, pohoda: PohodaValues | None) -> dict[str, str]:
    """Fill POHODA's values of the screen; the formy úhrady offered (name → kind) for the suggestions."""
    mapping = current_map(settings, screen.kind)
    forms: dict[str, str] = {}
    if screen.kind == "payment":
        listed = {f.name: f.payment_type for f in pohoda.payment_forms} if pohoda and pohoda.payment_forms else {}
        screen.from_pohoda = bool(listed)
        forms = listed or dict(PAYMENT_FORMS)
        used = [v for v in mapping.values() if v and v not in forms]
        screen.pohoda_values = [(f, f) for f in forms] + [(v, f"{v} (v POHODĚ nenalezena)" if listed else v)
                                                          for v in dict.fromkeys(used)]
    elif screen.kind == "tax":
        screen.pohoda_values = [(code, f"{label} ({code})") for code, label in VAT_RATES.items()]
        sales = [c for c in pohoda.classifications if c.for_sales] if pohoda else []
        screen.from_pohoda = bool(sales)
        screen.classifications = [(c.code, f"{c.code} – {c.name}") for c in sales]
        known = {c.code for c in sales}
        screen.classifications += [(v, f"{v} (v POHODĚ nenalezeno)") for v in
                                   dict.fromkeys(settings.mappings.vat_classification.values()) if v and v not in known]
    elif screen.kind == "carrier":
        screen.pohoda_values = [(v, v) for v in dict.fromkeys(v for v in mapping.values() if v)]
    return forms


def _annotate(screen: Screen, rows: list[Row], settings: Settings, forms: dict[str, str]) -> None:
    mapping = current_map(settings, screen.kind)
    codes = {code for code, _label in screen.classifications}
    known = known_statuses(settings)
    for row in rows:
        row.current = mapping.get(row.value, "")
        row.suggestion = suggest(screen.kind, row.value, row.label, forms if screen.kind == "payment" else None)
        if screen.kind == "tax":
            row.classification = settings.mappings.vat_classification.get(row.value, "")
            # a 0 % line is not an ordinary taxed supply (exempt, export…): the person chooses, nothing is suggested
            taxed = row.value.strip().rstrip("%").replace(",", ".") not in ("0", "0.0", "0.00", "")
            row.classification_suggestion = DOMESTIC_CLASSIFICATION if taxed and DOMESTIC_CLASSIFICATION in codes else ""
        if screen.kind == "status":
            row.roles = roles_of(settings, row.value)
            row.known = row.value in settings.mappings.known_statuses
            row.new = row.new or (row.value not in known and bool(row.total))


def build_screen(kind: str, settings: Settings, shop: Eshop | None, pohoda: PohodaValues | None = None) -> Screen:
    """The screen for ``kind``: new values first, then the shop's values, then any mapped value the shop lacks."""
    screen = Screen(kind, TITLES[kind], free_text=kind == "carrier")
    found: list[Row] = []
    if shop is not None:
        try:
            found = shop_values(kind, shop)
        except AdapterError as exc:
            screen.shop_error = f"Hodnoty e-shopu nelze načíst: {exc.message}"
    by_value = {r.value: r for r in found}
    for new in open_values(kind):
        row = by_value.get(new.value)
        if row is None:
            row = by_value[new.value] = Row(new.value, new.label)
            found.append(row)
        row.new = True
    extra = list(current_map(settings, kind)) if kind != "status" else []
    extra += list(settings.mappings.vat_classification) if kind == "tax" else []
    for value in extra:
        if value not in by_value:
            by_value[value] = Row(value, "")
            found.append(by_value[value])
    forms = _pohoda_side(screen, settings, pohoda)
    _annotate(screen, found, settings, forms)
    screen.rows = sorted(found, key=lambda r: (not r.new, not r.enabled))
    return screen


def changes_from_form(kind: str, form: dict[str, str], settings: Settings) -> dict[str, dict[str, Any]]:
    """Settings changes (section → key → value) from a submitted screen; ``map.<value>`` fields."""
    if kind == "status":
        out: dict[str, dict[str, Any]] = {}
        for section, key, _label, many in STATUS_ROLES:
            raw = form.get(f"role.{section}.{key}", "")
            chosen = [v.strip() for v in raw.split(",") if v.strip()]
            out.setdefault(section, {})[key] = tuple(chosen) if many else (chosen[0] if chosen else "")
        shown = [name[6:] for name in form if name.startswith("shown.")]
        kept = [s for s in settings.mappings.known_statuses if s not in shown]
        out.setdefault("mappings", {})["known_statuses"] = tuple(
            kept + [s for s in shown if form.get(f"known.{s}")])
        return out
    mapping = current_map(settings, kind)
    classes = dict(settings.mappings.vat_classification)
    for name, value in form.items():
        target, shop_value = (mapping, name[4:]) if name.startswith("map.") else \
            (classes, name[6:]) if name.startswith("class.") and kind == "tax" else (None, "")
        if target is None:
            continue
        if value.strip():
            target[shop_value] = value.strip()
        else:
            target.pop(shop_value, None)
    key = {"payment": "payment_map", "carrier": "carrier_map", "tax": "vat_rates"}[kind]
    out = {"orders": {key: mapping}}
    if kind == "tax":
        out["mappings"] = {"vat_classification": classes}
    return out
