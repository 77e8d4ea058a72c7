"""Reader for POHODA's CSV export of issued invoices (Vydané faktury).

The export's exact format is **unverified** (PROTOCOL.md §6), so the reader
is deliberately forgiving about everything that does not change the meaning
of a number, and strict about everything that does:

* encoding: UTF-8 with or without BOM, UTF-16/32 with BOM (Excel's "Unicode
  text"), otherwise strict UTF-8 is tried first and Windows-1250 second;
  undecodable bytes never crash the reader (they become U+FFFD and a
  warning);
* delimiter ``;``, tab or ``,`` — chosen on the header line, quote-aware;
* the header row may follow title lines; column names are matched ignoring
  case, diacritics, dots and spacing against :data:`COLUMN_ALIASES`;
* numbers with decimal comma or dot, thousands separators, currency
  suffixes and negative notations (see :func:`parse_amount`);
* dates ``D.M.YYYY``, ``D. M. YYYY``, ``YYYY-MM-DD``, optionally with a time
  (see :func:`parse_date`).

Bad lines (summary lines such as ``Celkem:``, wrong column count, values that
do not parse) are returned as :class:`RowError` with their line number and
never abort the file. Problems with the file as a whole raise
:class:`~adapter.errors.ImportFileError` — the only exception that can leave
:func:`read_payments_csv`.

An order number may appear on several rows (e.g. two invoices for one order);
every row is kept and the plan (:mod:`adapter.sync.payments.matching`) decides per order.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from adapter.errors import ImportFileError
from adapter.sync.payments.columns import (
    COLUMN_LABELS,
    REQUIRED_COLUMNS,
    Column,
    clean_cell,
    map_columns,
    normalise_header,
)
from adapter.sync.payments.decode import (
    decode,
    megabytes,
    reject_binary_text,
    reject_known_binary,
    split_lines,
)
from adapter.sync.payments.values import parse_amount, parse_date, shorten

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PaymentRow",
    "PaymentsFile",
    "RowError",
    "read_payments_csv",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

ErrorKind = Literal["summary", "header", "columns", "value"]

_DELIMITERS = (";", "\t", ",")
_DELIMITER_NAMES = {";": "středník", "\t": "tabulátor", ",": "čárka"}
_HEADER_SEARCH_LINES = 100
_MAX_JOINED_LINES = 20  # a quoted field may span at most this many lines
_HAS_DIGIT = re.compile(r"[0-9]")
_SUMMARY = re.compile(r"(?:celkem|soucet|suma|pocet\s+(?:zaznamu|dokladu|faktur))(?:\W|$)")


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """One invoice line of the export that carries an order number."""

    line: int  #: 1-based line number in the file (0 = not from a file)
    order_number: str  #: e-shop order number as written in "Občj" (stripped)
    to_pay: Decimal  #: "K likvidaci": amount left to pay in CZK
    date: dt.date | None  #: invoice date ("Datum")
    invoice_number: str = ""  #: "Číslo", if the column is present
    paid_date: dt.date | None = None  #: "Datum likvidace", if present and filled
    total: Decimal | None = None  #: "Celkem", if present and filled
    variable_symbol: str = ""  #: "Var.sym.", if present


@dataclass(frozen=True, slots=True)
class RowError:
    """A line that could not be used, with the reason in Czech."""

    line: int
    message: str
    raw: str  #: the line as found (truncated to 200 characters)
    #: "summary" (Celkem: …), "header" (repeated header), "columns" (wrong
    #: column count), "value" (a cell that does not parse)
    kind: ErrorKind = "value"


@dataclass(frozen=True, slots=True)
class PaymentsFile:
    """The outcome of reading one export file."""

    rows: list[PaymentRow]
    errors: list[RowError]
    encoding: str  #: "utf-8", "utf-8-sig", "utf-16", "utf-32" or "cp1250"
    delimiter: str
    header: tuple[str, ...]  #: header cells as found
    header_line: int  #: 1-based line number of the header
    columns: dict[str, str]  #: column role → header cell it was read from
    lines: int  #: physical lines in the file
    blank_lines: int = 0  #: blank lines after the header (ignored)
    no_order: int = 0  #: invoice rows without an order number (skipped, not errors)
    warnings: list[str] = field(default_factory=list)  #: file-level notes in Czech

    @property
    def row_count(self) -> int:
        """Number of usable rows."""
        return len(self.rows)

    @property
    def error_count(self) -> int:
        """Number of lines reported as errors."""
        return len(self.errors)

    @property
    def delimiter_name(self) -> str:
        """The delimiter in Czech words, for the preview."""
        return _DELIMITER_NAMES.get(self.delimiter, self.delimiter)


class _ValueProblem(ValueError):
    """A cell that does not parse; the message is Czech."""


# --------------------------------------------------------------------------- public entry point


def read_payments_csv(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PaymentsFile:
    """Read POHODA's CSV export of issued invoices.

    Raises :class:`ImportFileError` (and nothing else) when the file as a
    whole cannot be used: too big, empty, binary, or without the required
    columns ``Občj``, ``K likvidaci`` and ``Datum``.
    """
    try:
        return _read(data, max_bytes)
    except ImportFileError:
        raise
    except Exception as exc:  # the contract: only ImportFileError escapes
        raise ImportFileError(
            "Soubor se nepodařilo přečíst kvůli neočekávané chybě. Zkuste jej z POHODY exportovat znovu; "
            "pokud chyba trvá, pošlete soubor podpoře.",
            detail=f"internal: {exc!r}",
        ) from exc


def _read(data: bytes, max_bytes: int) -> PaymentsFile:
    """The reader proper (see :func:`read_payments_csv`)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImportFileError("Soubor nelze načíst.", detail=f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ImportFileError(
            f"Soubor je příliš velký ({megabytes(len(data))} MB, nejvýš {megabytes(max_bytes)} MB). "
            "Exportujte z POHODY faktury za kratší období."
        )
    reject_known_binary(data)
    text, encoding, warnings = decode(data)
    if not text.strip():
        raise ImportFileError(
            "Soubor je prázdný. V POHODĚ exportujte agendu Vydané faktury do CSV a nahrajte soubor znovu."
        )
    reject_binary_text(text)
    lines = split_lines(text)
    header_index, delimiter, header, columns = _find_header(lines)
    rows, errors, blank, no_order = _read_rows(lines, header_index, delimiter, header, columns)
    return PaymentsFile(
        rows=rows,
        errors=errors,
        encoding=encoding,
        delimiter=delimiter,
        header=tuple(header),
        header_line=header_index + 1,
        columns={role: header[i] for role, i in columns.items()},
        lines=len(lines),
        blank_lines=blank,
        no_order=no_order,
        warnings=warnings,
    )


# --------------------------------------------------------------------------- text → records


def _parse_fields(text: str, delimiter: str, *, strict: bool) -> list[str] | None:
    """Split one record into cells; None when ``strict`` and a quote is left open."""
    if '"' not in text:
        return text.split(delimiter)
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=strict))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return None
        return next(csv.reader([text], delimiter=delimiter, strict=False))
    except StopIteration:
        return [""]


def _records(lines: Sequence[str], start: int, delimiter: str) -> Iterator[tuple[int, str, list[str]]]:
    """Yield (0-based line index, raw text, cells) from ``start`` on.

    A quoted cell may span lines; if its quote does not close within
    ``_MAX_JOINED_LINES`` lines, the line is read on its own instead, so one
    stray quote never swallows the rest of the file.
    """
    i = start
    n = len(lines)
    while i < n:
        raw = lines[i]
        if '"' not in raw:  # fast path: no quoting on this line
            yield i, raw, raw.split(delimiter)
            i += 1
            continue
        cells = _parse_fields(raw, delimiter, strict=True)
        if cells is not None:
            yield i, raw, cells
            i += 1
            continue
        joined = raw
        end = i
        while cells is None and end + 1 < n and end - i < _MAX_JOINED_LINES:
            end += 1
            joined = f"{joined}\n{lines[end]}"
            cells = _parse_fields(joined, delimiter, strict=True)
        if cells is None:
            yield i, raw, _parse_fields(raw, delimiter, strict=False) or [raw]
            i += 1
        else:
            yield i, joined, cells
            i = end + 1


def _find_header(lines: Sequence[str]) -> tuple[int, str, list[str], dict[Column, int]]:
    """Find the header row and the delimiter; raise naming what is missing."""
    best: tuple[tuple[int, int, int], int, str, list[str], dict[Column, int]] | None = None
    for index, raw in enumerate(lines[:_HEADER_SEARCH_LINES]):
        if not raw.strip():
            continue
        for delimiter in _DELIMITERS:
            if delimiter not in raw and delimiter != ";":
                continue
            cells = [clean_cell(c) for c in _parse_fields(raw, delimiter, strict=False) or [raw]]
            columns = map_columns(cells)
            required = sum(1 for role in REQUIRED_COLUMNS if role in columns)
            score = (required, len(columns), len(cells))
            if best is None or score > best[0]:
                best = (score, index, delimiter, cells, columns)
        if best is not None and best[0][0] == len(REQUIRED_COLUMNS) and best[1] == index:
            return best[1], best[2], best[3], best[4]
    if best is None or best[0][1] == 0:
        first = next((line for line in lines if line.strip()), "")
        raise ImportFileError(
            "V souboru chybí hlavička se sloupci „Občj“, „K likvidaci“ a „Datum“. "
            f"První řádek souboru: {shorten(first)}. "
            "V POHODĚ exportujte agendu Vydané faktury se sloupci Občj, K likvidaci a Datum."
        )
    _, _, _, cells, columns = best
    missing = [COLUMN_LABELS[role] for role in REQUIRED_COLUMNS if role not in columns]
    what = "Chybí sloupec" if len(missing) == 1 else "Chybí sloupce"
    names = ", ".join(f"„{name}“" for name in missing)
    raise ImportFileError(
        f"{what} {names}. Nalezená hlavička: {shorten('; '.join(cells))}. "
        "Přidejte sloupec do exportu z POHODY (agenda Vydané faktury) a nahrajte soubor znovu."
    )


# --------------------------------------------------------------------------- rows


def _read_rows(
    lines: Sequence[str], header_index: int, delimiter: str, header: Sequence[str], columns: dict[Column, int]
) -> tuple[list[PaymentRow], list[RowError], int, int]:
    """Turn every line after the header into a row or an error."""
    width = len(header)
    while width > 1 and not header[width - 1]:
        width -= 1  # a trailing delimiter on the header adds no column
    header_keys = [normalise_header(c) for c in header[:width]]
    order_index = columns["order_number"]
    build = _RowBuilder(columns)
    blank_chars = f"{delimiter} \t\"'"
    rows: list[PaymentRow] = []
    errors: list[RowError] = []
    blank = no_order = 0
    for index, raw, cells in _records(lines, header_index + 1, delimiter):
        line = index + 1
        if not raw.strip(blank_chars):
            blank += 1
            continue
        if _is_summary(cells, order_index):
            errors.append(RowError(line, "Souhrnný řádek — přeskočen.", shorten(raw), "summary"))
            continue
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            errors.append(RowError(line, _column_count_message(len(cells), width), shorten(raw), "columns"))
            continue
        cells = [clean_cell(c) for c in cells] if '="' in raw else [c.strip() for c in cells]
        order_number = cells[order_index]
        if not _HAS_DIGIT.search(order_number) and [normalise_header(c) for c in cells] == header_keys:
            errors.append(RowError(line, "Opakovaná hlavička — přeskočena.", shorten(raw), "header"))
            continue
        if not order_number:
            no_order += 1
            continue
        try:
            rows.append(build(line, order_number, cells))
        except _ValueProblem as exc:
            errors.append(RowError(line, str(exc), shorten(raw), "value"))
    return rows, errors, blank, no_order


def _column_count_message(found: int, expected: int) -> str:
    """Czech message for a row with the wrong number of cells."""
    return (
        f"Řádek má {_columns(found)}, hlavička {_columns(expected)} — přeskočen. "
        "Zkontrolujte, zda v řádku není navíc oddělovač nebo neuzavřené uvozovky."
    )


def _columns(count: int) -> str:
    """"1 sloupec", "3 sloupce", "5 sloupců"."""
    if count == 1:
        return "1 sloupec"
    return f"{count} sloupce" if 2 <= count <= 4 else f"{count} sloupců"


def _is_summary(cells: Sequence[str], order_index: int) -> bool:
    """True for "Celkem:", "Součet", "Počet záznamů: 12" and similar lines.

    The first non-empty cell must start with such a word and the row must
    carry no order number of its own (so "Šumava s.r.o." is a customer).
    """
    for index, cell in enumerate(cells):
        cell = cell.strip()
        if not cell:
            continue
        if not cell[0].isalpha():
            return False
        folded = unicodedata.normalize("NFKD", cell[:40]).encode("ascii", "ignore").decode("ascii").lower()
        if not _SUMMARY.match(folded):
            return False
        return index == order_index or len(cells) <= order_index or not cells[order_index].strip()
    return False


class _RowBuilder:
    """Builds :class:`PaymentRow` from cells; remembers parsed values of this file.

    Exports repeat the same dates and amounts ("0,00") on many lines, so the
    per-file memo makes large files noticeably faster.
    """

    def __init__(self, columns: dict[Column, int]) -> None:
        self.order = columns["order_number"]
        self.to_pay = columns["to_pay"]
        self.date = columns["date"]
        self.total = columns.get("total")
        self.paid_date = columns.get("paid_date")
        self.invoice_number = columns.get("invoice_number")
        self.variable_symbol = columns.get("variable_symbol")
        self.amounts: dict[str, Decimal] = {}
        self.dates: dict[str, date] = {}

    def __call__(self, line: int, order_number: str, cells: Sequence[str]) -> PaymentRow:
        """One row from cleaned cells; raises :class:`_ValueProblem` naming the bad cell."""
        to_pay_text = cells[self.to_pay]
        if not to_pay_text:
            raise _ValueProblem(
                "Prázdná hodnota ve sloupci „K likvidaci“ — nelze poznat, zda je faktura uhrazena. Řádek přeskočen."
            )
        total_text = "" if self.total is None else cells[self.total]
        return PaymentRow(
            line=line,
            order_number=order_number,
            to_pay=self.amount(to_pay_text, "to_pay"),
            date=self.date_of(cells[self.date], "date"),
            invoice_number="" if self.invoice_number is None else cells[self.invoice_number],
            paid_date=None if self.paid_date is None else self.date_of(cells[self.paid_date], "paid_date"),
            total=self.amount(total_text, "total") if total_text else None,
            variable_symbol="" if self.variable_symbol is None else cells[self.variable_symbol],
        )

    def amount(self, text: str, role: Column) -> Decimal:
        """:func:`parse_amount` with the column named in the error."""
        value = self.amounts.get(text)
        if value is None:
            try:
                value = self.amounts[text] = parse_amount(text)
            except ValueError as exc:
                raise _ValueProblem(f"Sloupec „{COLUMN_LABELS[role]}“: {exc} Řádek přeskočen.") from None
        return value

    def date_of(self, text: str, role: Column) -> date | None:
        """:func:`parse_date` with the column named in the error; empty → None."""
        if not text:
            return None
        value = self.dates.get(text)
        if value is None:
            try:
                value = self.dates[text] = parse_date(text)
            except ValueError as exc:
                raise _ValueProblem(f"Sloupec „{COLUMN_LABELS[role]}“: {exc} Řádek přeskočen.") from None
        return value


# --------------------------------------------------------------------------- values
