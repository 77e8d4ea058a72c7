"""Limits every settings value must keep, and what a broken security setting means.

A value outside these limits is reported like any other bad value (next to
its field; the default is used meanwhile), so no setting can stop the app
from starting or lock everyone out of the page that fixes it:

* every number is finite and within sane bounds (``max_upload_mb = 0``
  would refuse every POST including the login, a huge ``session_hours``
  overflows the session lifetime, ``nan`` timeouts never time out);
* no text, list item or table key/value may hold control characters (a
  newline in a URL would pass its pattern and split an HTTP header).

Fail closed: when ``settings.toml`` cannot be read, or the ``[app]`` section
or ``login_on_loopback`` is invalid, the app asks for a login on this PC too
(once an account exists) instead of silently trusting whoever sits at it.
Saving over an unreadable file keeps a copy of it and starts a new one that
states the stricter choice.

Only :mod:`adapter.config.sections` is imported (late): the parser calls into this module.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

if TYPE_CHECKING:
    from adapter.config.sections import FieldError, Settings

Number = int | float | Decimal

#: key (or section.key) → (lowest, highest) allowed; the more specific entry wins
NUMBER_BOUNDS: dict[str, tuple[Number, Number]] = {
    "pohoda.connect_timeout": (0.1, 300),
    "pohoda.read_timeout": (0.1, 7200),
    "eshop.timeout": (0.1, 3600),
    "schedule_minutes": (0, 10080),
    "overlap_minutes": (0, 1440),
    "recheck_days": (0, 366),
    "due_days": (0, 365),
    "page_size": (1, 10000),
    "payments.max_upload_mb": (1, 200),
    "payments.tolerance": (0, 1000),
    "app.session_hours": (1, 720),
}
#: text fields that may hold line breaks (e-mail bodies; shown as a text area)
MULTILINE: frozenset[tuple[str, str]] = frozenset({("documents", "body")})
#: any other number
DEFAULT_BOUNDS: tuple[Number, Number] = (0, 1_000_000)

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: problems in these places make the app require a login on this PC too
SECURITY_KEYS = frozenset({("app", ""), ("app", "login_on_loopback"), ("", "")})
STRICT_MESSAGE = (
    "Nastavení přihlašování nelze přečíst, proto se do jeho opravy vyžaduje přihlášení i na tomto počítači. "
    "Opravte volbu „login_on_loopback“ (ano/ne) a nastavení uložte."
)


def bounds_for(section: str, key: str) -> tuple[Number, Number]:
    """(lowest, highest) allowed for a numeric field."""
    return NUMBER_BOUNDS.get(f"{section}.{key}") or NUMBER_BOUNDS.get(key) or DEFAULT_BOUNDS


def _fmt(number: Number) -> str:
    return str(number).replace(".", ",")


def check_value(section: str, key: str, value: Any) -> str | None:
    """A Czech message when ``value`` breaks a bound or holds a control character, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(float(value)):
            return "zadejte konečné číslo"
        low, high = bounds_for(section, key)
        if not low <= value <= high:
            return f"povolený rozsah je {_fmt(low)} až {_fmt(high)}"
        return None
    texts: list[str] = []
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, tuple | list):
        texts = [str(v) for v in value]
    elif isinstance(value, Mapping):
        texts = [str(t) for pair in value.items() for t in pair]
    if (section, key) in MULTILINE:
        texts = [t.replace("\r", "").replace("\n", "") for t in texts]
    if any(CONTROL.search(t) for t in texts):
        return "text nesmí obsahovat řídicí znaky (konec řádku, tabulátor apod.)"
    return None


def fail_closed(settings: Settings, errors: list[FieldError]) -> tuple[Settings, list[FieldError]]:
    """``settings`` with ``login_on_loopback`` on when the file or that setting is broken."""
    if not any((e.section, e.key) in SECURITY_KEYS for e in errors):
        return settings, errors
    from adapter.config.sections import FieldError

    strict = replace(settings, app=replace(settings.app, login_on_loopback=True))
    return strict, [*errors, FieldError("app", "login_on_loopback", STRICT_MESSAGE)]


def load_document(path: Path) -> tomlkit.TOMLDocument:
    """settings.toml for editing; an unreadable file is kept aside and replaced by a strict new one."""
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tomlkit.document()
    except (TOMLKitError, UnicodeDecodeError, ValueError):
        pass
    backup = path.with_name(f"{path.name}.poskozeny-{datetime.now():%Y%m%d-%H%M%S}")
    shutil.copyfile(path, backup)
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Původní poškozený soubor byl uložen jako {backup.name}."))
    app = tomlkit.table()
    app["login_on_loopback"] = True
    doc["app"] = app
    return doc
