"""Reading settings: TOML values coerced to the field types and checked, problems as :class:`FieldError`.

Problems are returned, never raised, so a typo in one option never stops the app.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from adapter import writeback
from adapter.config.bounds import check_value, fail_closed
from adapter.config.eu import check_eu
from adapter.config.sections import (
    CHOICES,
    PARALLEL_REQUESTS_MAX,
    SECTIONS,
    SETTINGS_FILE,
    VAT_CODES,
    FieldError,
    Settings,
)


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
    bound = check_value(section, key, value)
    if bound:
        return bound
    eu = check_eu(section, key, value)
    if eu:
        return eu
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
    if key == "parallel_requests" and not 1 <= value <= PARALLEL_REQUESTS_MAX:
        return f"počet souběžných požadavků musí být 1 až {PARALLEL_REQUESTS_MAX}"
    if section == "alerts" and key == "to" and any(not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a) for a in value):
        return "zadejte e-mailové adresy oddělené čárkou, např. ucetni@firma.cz"
    if key in ("nightly_hour", "digest_hour") and not 0 <= value <= 23:
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
    if "enabled" not in (raw.get("refunds") or {}):  # [refunds] enabled defaults to [invoices] enabled
        parts["refunds"] = replace(parts["refunds"], enabled=parts["invoices"].enabled)
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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        return fail_closed(Settings(data_dir=data_dir, demo=demo), [
            FieldError("", "", f"Soubor {path} nelze přečíst ({exc}); použita výchozí nastavení. Opravte jej nebo uložte nastavení znovu.")
        ])
    return fail_closed(*settings_from_mapping(data_dir, raw, demo=demo))



def section_fields(name: str) -> list[tuple[str, Any, Any]]:
    """(key, type, default) for every field of a section, in declaration order."""
    cls = SECTIONS[name]
    default = cls()
    return [(f.name, f.type, getattr(default, f.name)) for f in fields(cls)]
