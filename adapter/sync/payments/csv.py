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
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from adapter.errors import ImportFileError

__all__ = [
    "COLUMN_ALIASES",
    "COLUMN_LABELS",
    "DEFAULT_MAX_BYTES",
    "REQUIRED_COLUMNS",
    "PaymentRow",
    "PaymentsFile",
    "RowError",
    "normalise_header",
    "parse_amount",
    "parse_date",
    "read_payments_csv",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

Column = Literal["order_number", "to_pay", "date", "invoice_number", "total", "paid_date", "variable_symbol"]
ErrorKind = Literal["summary", "header", "columns", "value"]

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

_DELIMITERS = (";", "\t", ",")
_DELIMITER_NAMES = {";": "středník", "\t": "tabulátor", ",": "čárka"}
_HEADER_SEARCH_LINES = 100
_MAX_JOINED_LINES = 20  # a quoted field may span at most this many lines
_MAX_INT_DIGITS = 15
_SUMMARY = re.compile(r"(?:celkem|soucet|suma|pocet\s+(?:zaznamu|dokladu|faktur))(?:\W|$)")


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """One invoice line of the export that carries an order number."""

    line: int  #: 1-based line number in the file (0 = not from a file)
    order_number: str  #: e-shop order number as written in "Občj" (stripped)
    to_pay: Decimal  #: "K likvidaci": amount left to pay in CZK
    date: date | None  #: invoice date ("Datum")
    invoice_number: str = ""  #: "Číslo", if the column is present
    paid_date: date | None = None  #: "Datum likvidace", if present and filled
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
            f"Soubor je příliš velký ({_mb(len(data))} MB, nejvýš {_mb(max_bytes)} MB). "
            "Exportujte z POHODY faktury za kratší období."
        )
    _reject_known_binary(data)
    text, encoding, warnings = _decode(data)
    if not text.strip():
        raise ImportFileError(
            "Soubor je prázdný. V POHODĚ exportujte agendu Vydané faktury do CSV a nahrajte soubor znovu."
        )
    _reject_binary_text(text)
    lines = _split_lines(text)
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


def _mb(size: int) -> str:
    """Bytes as megabytes with a decimal comma ("20", "25,3")."""
    value = Decimal(size) / Decimal(1024 * 1024)
    text = f"{value.quantize(Decimal('0.1')):f}".removesuffix(".0")
    return text.replace(".", ",")


# --------------------------------------------------------------------------- bytes → text


def _reject_known_binary(data: bytes) -> None:
    """Name the file type for files people commonly upload by mistake."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "Soubor je sešit Excelu (XLSX) nebo archiv ZIP, ne CSV. "
            "V Excelu jej uložte jako „CSV (oddělený středníkem)“ nebo nahrajte přímo export z POHODY."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "Soubor je sešit starého Excelu (XLS), ne CSV. V Excelu jej uložte jako „CSV (oddělený středníkem)“."
        )
    if data.startswith(b"%PDF"):
        raise ImportFileError("Soubor je PDF, ne CSV. V POHODĚ exportujte agendu Vydané faktury do CSV.")


_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """Decode the file; returns (text, encoding name, warnings). Never raises."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(codec), name, []
            except UnicodeDecodeError:
                return body.decode(codec, errors="replace"), name, [_REPLACED_WARNING]
    if _looks_like_utf16(data):
        codec = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return data.decode(codec, errors="replace"), "utf-16", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1250"), "cp1250", []
    except UnicodeDecodeError:
        return data.decode("cp1250", errors="replace"), "cp1250", [_REPLACED_WARNING]


_REPLACED_WARNING = (
    "Některé znaky v souboru nešlo přečíst a jsou nahrazeny znakem „�“. "
    "Čísla objednávek a částky to obvykle neovlivní; pokud ano, uložte export znovu v kódování Windows-1250 nebo UTF-8."
)


def _looks_like_utf16(data: bytes) -> bool:
    """True for BOM-less UTF-16 text: NUL bytes in every other position."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return False
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    half = len(sample) // 2
    return (odd_nuls > 0.8 * half and even_nuls == 0) or (even_nuls > 0.8 * half and odd_nuls == 0)


def _reject_binary_text(text: str) -> None:
    """Refuse decoded text that is not plausibly a CSV file."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\f")
    replaced = sample.count("\ufffd")
    if "\x00" in sample or controls > len(sample) // 100 or replaced > len(sample) // 20:
        raise ImportFileError(
            "Soubor není textový CSV (obsahuje binární data). "
            "V POHODĚ exportujte agendu Vydané faktury do CSV a nahrajte tento soubor."
        )


def _split_lines(text: str) -> list[str]:
    """Physical lines (CRLF, CR or LF); only these three end a line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return lines


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


def _clean(cell: str) -> str:
    """Strip a cell and unwrap Excel's ``="…"`` text guard."""
    cell = cell.strip()
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:
        cell = cell[2:-1].replace('""', '"').strip()
    return cell


# --------------------------------------------------------------------------- header


def normalise_header(name: str) -> str:
    """Fold a header name for matching: no case, diacritics, dots or spacing.

    ``"Obč. j."`` → ``"obcj"``; letters without an ASCII base are dropped.
    """
    folded = unicodedata.normalize("NFKD", _clean(name)).encode("ascii", "ignore").decode("ascii")
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


def _map_columns(cells: Sequence[str]) -> dict[Column, int]:
    """Column role → index; the first cell of a role wins."""
    found: dict[Column, int] = {}
    for index, cell in enumerate(cells):
        role = _column_role(cell)
        if role is not None and role not in found:
            found[role] = index
    return found


def _find_header(lines: Sequence[str]) -> tuple[int, str, list[str], dict[Column, int]]:
    """Find the header row and the delimiter; raise naming what is missing."""
    best: tuple[tuple[int, int, int], int, str, list[str], dict[Column, int]] | None = None
    for index, raw in enumerate(lines[:_HEADER_SEARCH_LINES]):
        if not raw.strip():
            continue
        for delimiter in _DELIMITERS:
            if delimiter not in raw and delimiter != ";":
                continue
            cells = [_clean(c) for c in _parse_fields(raw, delimiter, strict=False) or [raw]]
            columns = _map_columns(cells)
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
            f"První řádek souboru: {_shorten(first)}. "
            "V POHODĚ exportujte agendu Vydané faktury se sloupci Občj, K likvidaci a Datum."
        )
    _, _, _, cells, columns = best
    missing = [COLUMN_LABELS[role] for role in REQUIRED_COLUMNS if role not in columns]
    what = "Chybí sloupec" if len(missing) == 1 else "Chybí sloupce"
    names = ", ".join(f"„{name}“" for name in missing)
    raise ImportFileError(
        f"{what} {names}. Nalezená hlavička: {_shorten('; '.join(cells))}. "
        "Přidejte sloupec do exportu z POHODY (agenda Vydané faktury) a nahrajte soubor znovu."
    )


def _shorten(text: str, limit: int = 200) -> str:
    """Text for a message, cut to ``limit`` characters."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            errors.append(RowError(line, "Souhrnný řádek — přeskočen.", _shorten(raw), "summary"))
            continue
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            errors.append(RowError(line, _column_count_message(len(cells), width), _shorten(raw), "columns"))
            continue
        cells = [_clean(c) for c in cells] if '="' in raw else [c.strip() for c in cells]
        order_number = cells[order_index]
        if not _HAS_DIGIT.search(order_number) and [normalise_header(c) for c in cells] == header_keys:
            errors.append(RowError(line, "Opakovaná hlavička — přeskočena.", _shorten(raw), "header"))
            continue
        if not order_number:
            no_order += 1
            continue
        try:
            rows.append(build(line, order_number, cells))
        except _ValueProblem as exc:
            errors.append(RowError(line, str(exc), _shorten(raw), "value"))
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

_HAS_DIGIT = re.compile(r"[0-9]")
_SIMPLE_NUMBER = re.compile(r"-?\d{1,15}(?:[.,]\d+)?", re.ASCII)
_SPACED_NUMBER = re.compile(r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3}){1,4}(?:,\d+)?", re.ASCII)
_CURRENCY_AFFIX = re.compile(r"^(?:kč|kc|czk)\s*|\s*(?:kč|kc|czk|,-|\.-|,--|\.--)$", re.IGNORECASE)
_SPACES = re.compile(r"[\s'’]+")
_DIGITS_SEPARATORS = re.compile(r"[0-9.,]*[0-9][0-9.,]*")
_MINUS = ("-", "−", "–")


def parse_amount(text: str) -> Decimal:
    """Parse a Czech or English formatted amount into an exact ``Decimal``.

    Accepted: decimal comma or dot; thousands separated by space, no-break
    space (U+00A0), narrow no-break space (U+202F), apostrophe, or by dot
    (with a comma decimal) / comma (with a dot decimal) in groups of three;
    "Kč"/"CZK" before or after; ",-" for whole crowns; a minus before or
    after the number, or parentheses. A single separator is the decimal
    sign ("1,234" = 1.234; "1.234" = 1.234). Raises ``ValueError`` with a
    Czech message.
    """
    s = text.strip()
    if _SIMPLE_NUMBER.fullmatch(s):
        return Decimal(s.replace(",", "."))
    if _SPACED_NUMBER.fullmatch(s):  # "1 234,50", the usual Czech export
        return Decimal(_SPACES.sub("", s).replace(",", "."))
    negative = False
    previous = None
    while previous != s:
        previous, s = s, _CURRENCY_AFFIX.sub("", s).strip()
        if not negative and s.startswith("(") and s.endswith(")"):
            negative, s = True, s[1:-1].strip()
    if s.startswith(("+", *_MINUS)):
        negative, s = negative or s[0] != "+", s[1:].lstrip()
    elif s.endswith(_MINUS):
        negative, s = True, s[:-1].rstrip()
    s = _SPACES.sub("", s)
    if not _DIGITS_SEPARATORS.fullmatch(s):
        raise ValueError(f"„{_shorten(text, 40)}“ není částka.")
    integer, fraction = _split_number(s, text)
    if len(integer.lstrip("0")) > _MAX_INT_DIGITS:
        raise ValueError(f"„{_shorten(text, 40)}“ je nesmyslně velká částka.")
    try:
        value = Decimal(f"{integer or '0'}.{fraction}" if fraction else integer)
    except InvalidOperation:  # pragma: no cover - the pattern above rules it out
        raise ValueError(f"„{_shorten(text, 40)}“ není částka.") from None
    return -value if negative else value


def _split_number(s: str, original: str) -> tuple[str, str]:
    """Split digits-and-separators into (integer digits, fraction digits)."""
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_sign = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_sign == "," else ","
        if s.count(decimal_sign) != 1:
            raise ValueError(f"„{_shorten(original, 40)}“ není částka (nejasný desetinný oddělovač).")
        integer, fraction = s.split(decimal_sign)
        integer = _ungroup(integer, thousands, original)
    elif dots + commas == 1:
        integer, fraction = s.replace(",", ".").split(".")
    elif dots + commas > 1:
        integer, fraction = _ungroup(s, "." if dots else ",", original), ""
    else:
        integer, fraction = s, ""
    if not integer and not fraction:
        raise ValueError(f"„{_shorten(original, 40)}“ není částka.")
    return integer, fraction


def _ungroup(integer: str, thousands: str, original: str) -> str:
    """Remove thousands separators, checking groups of three digits."""
    groups = integer.split(thousands)
    if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
        raise ValueError(f"„{_shorten(original, 40)}“ není částka (oddělovače tisíců nesedí).")
    return "".join(groups)


_DMY = re.compile(
    r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4}|\d{2})(?:\s*(?:\s|,)\s*\d{1,2}:\d{2}(?::\d{2})?)?", re.ASCII
)
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII
)


def parse_date(text: str) -> date:
    """Parse ``D.M.YYYY``, ``DD.MM.YYYY``, ``D. M. YYYY`` or ``YYYY-MM-DD``.

    A trailing time is ignored. Two-digit years mean 20YY. Raises
    ``ValueError`` with a Czech message.
    """
    s = text.strip()
    try:
        if m := _DMY.fullmatch(s):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            return date(2000 + year if len(m[3]) == 2 else year, month, day)
        if m := _ISO.fullmatch(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"„{_shorten(text, 40)}“ není platné datum.") from None
    raise ValueError(f"„{_shorten(text, 40)}“ není datum (čekám např. 31.12.2024).")
