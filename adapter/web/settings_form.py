"""Settings pages generated from ``config.section_fields`` (no Flask here).

:func:`build_fields` turns a Settings section into form fields for the
template; :func:`parse_form` turns a submitted form back into typed changes
plus Czech :class:`~adapter.config.FieldError` s. Secrets are never put into
a field: an empty secret field means "keep the current value".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from adapter import config
from adapter.config import CHOICES, SECRET_FIELDS, FieldError, Settings
from adapter.config.bounds import MULTILINE
from adapter.czech import SHOP_STATUSES, VAT_NAMES, shop_status, vat_name
from adapter.web.labels import (
    CHOICE_LABELS,
    SINGLE_STATUS_FIELDS,
    STATUS_FIELDS,
    VAT_CODE_FIELDS,
    field_label,
)

CLEAR_SUFFIX = "__clear"


@dataclass
class FormField:
    """One field as the settings template renders it."""

    section: str
    key: str
    label: str
    help: str
    widget: str  #: checkbox, select, text, textarea, secret, number
    value: str = ""
    checked: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    secret_set: bool = False  #: a secret value exists (we never say what it is)
    errors: list[str] = field(default_factory=list)
    in_words: str = ""  #: what the codes in the field mean, e.g. "Stavy: Zpracovává se, Dokončeno"
    legend: list[tuple[str, str]] = field(default_factory=list)  #: (code, Czech name) of the codes to type in
    legend_title: str = ""

    @property
    def name(self) -> str:
        """The form field name, ``section.key``."""
        return f"{self.section}.{self.key}"

    @property
    def html_id(self) -> str:
        """An id usable in HTML."""
        return f"f-{self.section}-{self.key}"


def _kind(type_: Any) -> str:
    text = str(type_)
    if text == "bool":
        return "bool"
    if text.startswith("tuple"):
        return "list"
    if text.startswith("Mapping"):
        return "mapping"
    if text in ("int", "float", "Decimal"):
        return "number"
    return "str"


def display_value(value: Any) -> str:
    """A settings value as text in a form field."""
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    if isinstance(value, float):  # a decimal comma, as Czech writes numbers (the form reads both)
        return f"{value:g}".replace(".", ",")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return "" if value is None else str(value)


def build_fields(
    settings: Settings,
    section: str,
    errors: list[FieldError] = (),  # type: ignore[assignment]
    submitted: Mapping[str, str] | None = None,
) -> list[FormField]:
    """Form fields for one section, with current (or re-submitted) values and errors."""
    current = getattr(settings, section)
    out = []
    for key, type_, _default in config.section_fields(section):
        label, help_ = field_label(section, key)
        kind = _kind(type_)
        value = getattr(current, key)
        f = FormField(section=section, key=key, label=label, help=help_, widget="text")
        if (section, key) in SECRET_FIELDS:
            f.widget = "secret"
            f.secret_set = bool(value)
        elif (section, key) in CHOICES:
            f.widget = "select"
            names = CHOICE_LABELS.get((section, key), {})
            f.choices = [(c, names.get(c, c)) for c in CHOICES[(section, key)]]
            f.value = str(value)
        elif kind == "bool":
            f.widget = "checkbox"
            f.checked = bool(value)
        elif kind == "mapping" or (section, key) in MULTILINE:
            f.widget = "textarea"
            f.value = display_value(value)
        else:
            f.widget = "number" if kind == "number" else "text"
            f.value = display_value(value)
        if (section, key) in STATUS_FIELDS:
            _status_field(f, value)
        elif (section, key) in VAT_CODE_FIELDS:
            f.legend, f.legend_title = list(VAT_NAMES.items()), "Kódy sazeb DPH v POHODĚ"
            f.in_words = "Sazby: " + ", ".join(f"{rate} % {vat_name(str(code))}" for rate, code in dict(value).items())
        if submitted is not None and f.widget != "secret":
            if f.widget == "checkbox":
                f.checked = f.name in submitted
            else:
                f.value = submitted.get(f.name, f.value)
        f.errors = [e.message for e in errors if e.section == section and e.key == key]
        out.append(f)
    return out


#: statuses offered in a select (a draft or the trash is never a status to set)
_SETTABLE = tuple(code for code in SHOP_STATUSES if code not in ("checkout-draft", "trash"))


def _status_field(f: FormField, value: Any) -> None:
    """A status field shows Czech names: a select for one status, the names beside a list of codes."""
    if (f.section, f.key) in SINGLE_STATUS_FIELDS:
        empty = SINGLE_STATUS_FIELDS[(f.section, f.key)]
        codes = [*([""] if empty else []), *_SETTABLE]
        current = str(value or "")
        if current not in codes:  # a plugin's own status stays selectable
            codes.append(current)
        f.widget = "select"
        f.choices = [(c, shop_status(c) if c else empty) for c in codes]
        f.value = current
        return
    codes = list(value.values()) if isinstance(value, Mapping) else list(value or ())
    named = ", ".join(dict.fromkeys(shop_status(str(c)) for c in codes if c))
    f.in_words = f"Stavy: {named}" if named else ""
    f.legend = [(code, name) for code, name in SHOP_STATUSES.items() if code != "checkout-draft"]
    f.legend_title = "Kódy stavů WooCommerce"


def parse_mapping(text: str) -> dict[str, str]:
    """``klíč = hodnota`` lines into a dict; raises ValueError with a Czech reason."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"řádek {number}: chybí „=“ (zapište „klíč = hodnota“)")
        key, value = (part.strip() for part in line.split("=", 1))
        if not key:
            raise ValueError(f"řádek {number}: chybí klíč před „=“")
        out[key] = value
    return out


def parse_form(form: Mapping[str, str], sections: tuple[str, ...]) -> tuple[dict[str, dict[str, Any]], list[FieldError]]:
    """Submitted form → (changes per section, errors). Nothing is saved here."""
    changes: dict[str, dict[str, Any]] = {}
    errors: list[FieldError] = []
    for section in sections:
        raw: dict[str, Any] = {}
        for key, type_, _default in config.section_fields(section):
            name = f"{section}.{key}"
            kind = _kind(type_)
            if (section, key) in SECRET_FIELDS:
                if form.get(name + CLEAR_SUFFIX):
                    raw[key] = ""
                elif form.get(name):
                    raw[key] = form[name]
                continue
            if kind == "bool":
                raw[key] = name in form
                continue
            if name not in form:
                continue
            if kind == "mapping":
                try:
                    raw[key] = parse_mapping(form[name])
                except ValueError as exc:
                    errors.append(FieldError(section, key, str(exc)))
                continue
            raw[key] = form[name]
        parsed, section_errors = config.parse_section(section, raw)
        errors.extend(section_errors)
        bad = {e.key for e in section_errors}
        changes[section] = {k: getattr(parsed, k) for k in raw if k not in bad}
    return changes, errors


def general_errors(errors: list[FieldError], sections: tuple[str, ...] | None = None) -> list[str]:
    """Errors not tied to a field shown on a form (file-level, unknown keys), as text."""
    out = []
    for e in errors:
        if sections is not None and e.section and e.section not in sections:
            continue
        known = e.section in config.SECTIONS and any(k == e.key for k, _t, _d in config.section_fields(e.section))
        if not known:
            out.append(f"[{e.section}] {e.key}: {e.message}" if e.section else e.message)
    return out


def apply_changes(settings: Settings, changes: Mapping[str, Mapping[str, Any]]) -> Settings:
    """Settings with unsaved form changes applied (for testing a connection before saving)."""
    from dataclasses import replace

    parts = {section: replace(getattr(settings, section), **values) for section, values in changes.items()}
    return replace(settings, **parts)
