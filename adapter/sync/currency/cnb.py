"""ČNB's daily rate file (kurzy devizového trhu) in its public text format — parse and download.

The format::

    04.05.2026 #85
    země|měna|množství|kód|kurz
    EMU|euro|1|EUR|24,350
    Maďarsko|forint|100|HUF|6,321

The rate is CZK per ``množství`` units. ``?date=DD.MM.YYYY`` asks for the
file valid on that day: ČNB answers with the last file published on or
before it (weekends and holidays carry the previous working day's rates),
and its first line names that file's own date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import requests

_HEAD = re.compile(r"^\s*(\d{1,2}\.\d{1,2}\.\d{4})\s*#\s*\d+\s*$")


@dataclass(frozen=True, slots=True)
class CnbRate:
    """One currency of one ČNB file."""

    code: str
    amount: int
    rate: Decimal  #: CZK per ``amount`` units


@dataclass(frozen=True, slots=True)
class CnbFile:
    """A parsed ČNB file: its own date and every currency in it."""

    day: date
    rates: dict[str, CnbRate]


class CnbError(Exception):
    """The file could not be read or parsed (message Czech, for the hold reason)."""


def parse(text: str) -> CnbFile:
    """Parse the text format; anything unexpected → :class:`CnbError`."""
    lines = [line for line in text.replace("\r", "").split("\n") if line.strip()]
    if len(lines) < 2 or not _HEAD.match(lines[0]):
        raise CnbError("Soubor kurzů ČNB nemá očekávaný tvar (první řádek „DD.MM.RRRR #číslo“).")
    day = datetime.strptime(lines[0].split("#")[0].strip(), "%d.%m.%Y").date()
    rates: dict[str, CnbRate] = {}
    for line in lines[2:]:
        parts = line.split("|")
        if len(parts) != 5:
            raise CnbError(f"Řádek kurzů ČNB „{line[:60]}“ nemá pět polí.")
        try:
            amount, rate = int(parts[2]), Decimal(parts[4].strip().replace(",", "."))
        except (ValueError, InvalidOperation):
            raise CnbError(f"Řádek kurzů ČNB „{line[:60]}“ nemá číselné množství a kurz.") from None
        if amount <= 0 or not rate.is_finite() or rate <= 0:
            raise CnbError(f"Řádek kurzů ČNB „{line[:60]}“ má nekladné množství nebo kurz.")
        rates[parts[3].strip().upper()] = CnbRate(parts[3].strip().upper(), amount, rate)
    return CnbFile(day, rates)


def download(url: str, day: date, *, timeout: float = 10.0) -> CnbFile:
    """The ČNB file valid on ``day``; network or format trouble → :class:`CnbError`."""
    try:
        response = requests.get(url, params={"date": day.strftime("%d.%m.%Y")}, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise CnbError(f"Kurzy ČNB nelze stáhnout ({type(exc).__name__}).") from exc
    response.encoding = response.encoding or "utf-8"
    return parse(response.text)
