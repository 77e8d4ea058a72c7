"""The header of POHODA's CSV export: which column is which, matched forgivingly.

Column names are matched ignoring case, diacritics, dots and spacing
(:func:`normalise_header`) against :data:`COLUMN_ALIASES`, also with a
currency suffix ("K likvidaci (Kč)").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

__all__ = ["COLUMN_ALIASES", "COLUMN_LABELS", "REQUIRED_COLUMNS", "Column", "clean_cell", "map_columns",
           "normalise_header"]

Column = Literal["order_number", "to_pay", "date", "invoice_number", "total", "paid_date", "variable_symbol"]

#: Column role → accepted header names (matched via :func:`normalise_header`).
#: Deliberately absent: "K úhradě" (in POHODA the invoice's amount due, not
#: the amount still unpaid) and "Datum splatnosti" (due date).
COLUMN_ALIASES: dict[Column, tuple[str, ...]] = {
    "order_number": (
        "Občj", "Obč. j.", "Číslo obj.", "Číslo objednávky", "Č. obj.", "Č. objednávky",
        "Objednávka", "Objednávka č.", "Obj. č.", "numberOrder",
    ),
    "to_pay": (
        "K likvidaci", "K likv.", "Zbývá uhradit", "Zbývá zaplatit", "Neuhrazeno", "KcLikv", "Kč likv.",
    ),
    "date": ("Datum", "Dat.", "Datum vystavení", "Dat. vyst.", "Vystaveno"),
    "invoice_number": ("Číslo", "Číslo faktury", "Č. faktury", "Číslo dokladu", "Doklad", "Faktura"),
    "total": ("Celkem", "Celkem Kč", "Celková částka", "Částka", "Kč celkem"),
    "paid_date": (
        "Datum likvidace", "Dat.likv.", "Dat. likvidace", "Datum úhrady", "Uhrazeno dne", "DatLikv",
    ),
    "variable_symbol": ("Var.sym.", "Var. symbol", "Variabilní symbol", "VS", "V. symbol"),
}

#: The name each column is shown under in messages (POHODA's own).
COLUMN_LABELS: dict[Column, str] = {
    "order_number": "Občj",
    "to_pay": "K likvidaci",
    "date": "Datum",
    "invoice_number": "Číslo",
    "total": "Celkem",
    "paid_date": "Datum likvidace",
    "variable_symbol": "Var.sym.",
}

REQUIRED_COLUMNS: tuple[Column, ...] = ("order_number", "to_pay", "date")


def clean_cell(cell: str) -> str:
    """Strip a cell and unwrap Excel's ``="…"`` text guard."""
    cell = cell.strip()
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:
        cell = cell[2:-1].replace('""', '"').strip()
    return cell


def normalise_header(name: str) -> str:
    """Fold a header name for matching: no case, diacritics, dots or spacing.

    ``"Obč. j."`` → ``"obcj"``; letters without an ASCII base are dropped.
    """
    folded = unicodedata.normalize("NFKD", clean_cell(name)).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", folded.lower())


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ALIAS_INDEX: dict[str, Column] = {
    normalise_header(alias): role for role, aliases in COLUMN_ALIASES.items() for alias in aliases
}


def _column_role(name: str) -> Column | None:
    """The role of a header cell, also with a currency suffix ("K likvidaci (Kč)")."""
    key = normalise_header(name)
    if not key:
        return None
    role = _ALIAS_INDEX.get(key)
    if role is None:
        for suffix in ("kc", "czk"):
            if key.endswith(suffix) and key != suffix:
                role = _ALIAS_INDEX.get(key[: -len(suffix)])
                break
    return role


def map_columns(cells: Sequence[str]) -> dict[Column, int]:
    """Column role → index; the first cell of a role wins."""
    found: dict[Column, int] = {}
    for index, cell in enumerate(cells):
        role = _column_role(cell)
        if role is not None and role not in found:
            found[role] = index
    return found
