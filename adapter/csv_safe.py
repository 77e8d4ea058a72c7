"""CSV cells a spreadsheet will show as text, never run as a formula.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``,
``-`` or ``@`` as a formula (and tab/CR at the start can hide one), so a shop
product named ``=HYPERLINK(…)`` or a SKU like ``+cmd|' /C calc'!A0`` would
run on the accountant's PC when the export is opened. Such cells get a
leading apostrophe (OWASP's advice): the sheet then shows the text as it is.
Plain numbers (``-5``, ``-12,50``) are left alone, so sums keep working.
Every CSV the app writes goes through :func:`safe_row` or :func:`writer`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of ``row`` through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """A ``csv.writer`` whose rows are neutralised."""

    def __init__(self, inner: _Writer) -> None:
        self._inner = inner

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one neutralised row."""
        return self._inner.writerow(safe_row(row))


def writer(stream: Any, **kwargs: Any) -> SafeWriter:
    """``csv.writer(stream, **kwargs)`` that neutralises formula cells."""
    return SafeWriter(csv.writer(stream, **kwargs))
