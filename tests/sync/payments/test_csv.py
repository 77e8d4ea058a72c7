"""Reader for POHODA's CSV export of issued invoices (``adapter.sync.payments.csv``).

Most cases come from :func:`build_csv`, a generator of export variants
(encoding, delimiter, quoting, number and date formats, header aliases,
junk before the header, a summary line after it, blank lines), so the
format guesses in PROTOCOL.md §6 are covered from every side.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.errors import ImportFileError
from adapter.sync.payments.columns import COLUMN_ALIASES, normalise_header
from adapter.sync.payments.csv import PaymentsFile, read_payments_csv
from adapter.sync.payments.values import parse_amount, parse_date

D = Decimal

# --------------------------------------------------------------------------- corpus generator


@dataclass(frozen=True)
class Inv:
    """One invoice line of a generated export."""

    number: str
    date: date
    order: str
    total: Decimal
    to_pay: Decimal
    paid_date: date | None = None


SAMPLE: tuple[Inv, ...] = (
    Inv("240001", date(2024, 1, 5), "1001", Decimal("1234.50"), Decimal("0.00"), date(2024, 1, 10)),
    Inv("240002", date(2024, 1, 6), "1002", Decimal("2500.00"), Decimal("2500.00")),
    Inv("240003", date(2024, 2, 29), "1003", Decimal("1234567.89"), Decimal("234567.89"), date(2024, 3, 1)),
    Inv("240004", date(2024, 12, 31), "1001", Decimal("99.90"), Decimal("0.00"), date(2025, 1, 2)),
    Inv("240005", date(2024, 3, 7), "OBJ-7/24", Decimal("-500.00"), Decimal("-500.00")),
    Inv("240006", date(2024, 3, 8), "0042", Decimal("0.00"), Decimal("0.00")),
)

DEFAULT_HEADER = ("Číslo", "Datum", "Občj", "Firma", "Celkem", "K likvidaci", "Dat.likv.")

NUMBER_STYLES = ("plain_comma", "plain_dot", "cz_space", "cz_nbsp", "cz_narrow", "cz_dot", "en", "cz_kc", "czk", "apostrophe")
NEGATIVE_STYLES = ("minus", "parens", "trailing", "unicode_minus")
DATE_STYLES = ("dmy", "dmy_pad", "dmy_space", "iso", "iso_time", "dmy_time")


def format_number(value: Decimal, style: str = "cz_space", negative: str = "minus") -> str:
    """Format an amount the way the named export style would."""
    magnitude = f"{abs(value):.2f}"
    integer, fraction = magnitude.split(".")
    groups = f"{int(integer):,}".split(",")
    sep = {
        "cz_space": " ", "cz_nbsp": "\u00a0", "cz_narrow": "\u202f", "cz_dot": ".", "en": ",",
        "cz_kc": " ", "czk": "\u00a0", "apostrophe": "'",
    }.get(style)
    decimal_sign = "." if style in ("plain_dot", "en", "apostrophe") else ","
    body = (sep.join(groups) if sep else integer) + decimal_sign + fraction
    if value < 0:
        body = {
            "minus": f"-{body}", "parens": f"({body})", "trailing": f"{body}-", "unicode_minus": f"−{body}",
        }[negative]
    if style == "cz_kc":
        body += " Kč"
    elif style == "czk":
        body += " CZK"
    return body


def format_date(value: date | None, style: str = "dmy") -> str:
    """Format a date the way the named export style would."""
    if value is None:
        return ""
    return {
        "dmy": f"{value.day}.{value.month}.{value.year}",
        "dmy_pad": f"{value.day:02}.{value.month:02}.{value.year}",
        "dmy_space": f"{value.day}. {value.month}. {value.year}",
        "iso": value.isoformat(),
        "iso_time": f"{value.isoformat()}T00:00:00",
        "dmy_time": f"{value.day:02}.{value.month:02}.{value.year} 0:00:00",
    }[style]


def build_csv(
    invoices: Sequence[Inv] = SAMPLE,
    *,
    encoding: str = "cp1250",
    delimiter: str = ";",
    quoting: str = "minimal",
    number_style: str = "cz_space",
    negative: str = "minus",
    date_style: str = "dmy",
    header: Sequence[str] = DEFAULT_HEADER,
    roles: Sequence[str | None] | None = None,
    junk_before: Sequence[str] = (),
    summary: bool = False,
    blank_every: int = 0,
    newline: str = "\r\n",
) -> bytes:
    """Generate one export variant as bytes.

    ``roles`` gives each header cell's column role (default: looked up in
    COLUMN_ALIASES; None = a text column the reader ignores).
    """
    out = io.StringIO()
    quote_mode = csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL
    writer = csv.writer(out, delimiter=delimiter, quoting=quote_mode, lineterminator=newline)
    for junk in junk_before:
        out.write(junk + newline)
    writer.writerow(header)
    if roles is None:
        roles = [_role_of(name) for name in header]
    for i, inv in enumerate(invoices):
        if blank_every and i and i % blank_every == 0:
            out.write(newline)
        values: dict[str | None, str] = {
            "order_number": f'="{inv.order}"' if quoting == "excel_text" else inv.order,
            "invoice_number": inv.number,
            "date": format_date(inv.date, date_style),
            "total": format_number(inv.total, number_style, negative),
            "to_pay": format_number(inv.to_pay, number_style, negative),
            "paid_date": format_date(inv.paid_date, date_style),
            None: f'Novák; "Zahrada" s.r.o. {i}',
        }
        writer.writerow([values.get(role, "") for role in roles])
    if summary:
        total = sum((inv.total for inv in invoices), Decimal(0))
        row = ["Celkem:"] + [""] * (len(header) - 1)
        row[-2] = format_number(total, number_style, negative)
        writer.writerow(row)
    text = out.getvalue()
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:  # U+202F, U+2212 do not exist in Windows-1250
        return text.encode("utf-8")


def _role_of(name: str) -> str | None:
    key = normalise_header(name)
    for role, aliases in COLUMN_ALIASES.items():
        if key in {normalise_header(a) for a in aliases}:
            return role
    return None


DEFAULT_ROLES = [_role_of(name) for name in DEFAULT_HEADER]


def assert_sample(
    result: PaymentsFile, invoices: Sequence[Inv] = SAMPLE, *, with_total: bool = True, summary: bool = False
) -> None:
    """The rows read are exactly the generated invoices, with no errors (but the summary line)."""
    assert [e.kind for e in result.errors] == (["summary"] if summary else [])
    assert [r.order_number for r in result.rows] == [i.order for i in invoices]
    assert [r.to_pay for r in result.rows] == [i.to_pay for i in invoices]
    assert [r.date for r in result.rows] == [i.date for i in invoices]
    assert [r.paid_date for r in result.rows] == [i.paid_date for i in invoices]
    assert [r.invoice_number for r in result.rows] == [i.number for i in invoices]
    if with_total:
        assert [r.total for r in result.rows] == [i.total for i in invoices]
    for row in result.rows:
        assert isinstance(row.to_pay, Decimal)
        assert isinstance(row.order_number, str)


# --------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("encoding", ["cp1250", "utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("quoting", ["minimal", "all", "excel_text"])
def test_encodings_delimiters_quoting(encoding: str, delimiter: str, quoting: str) -> None:
    data = build_csv(encoding=encoding, delimiter=delimiter, quoting=quoting)
    result = read_payments_csv(data)
    assert_sample(result)
    assert result.delimiter == delimiter
    assert result.header == DEFAULT_HEADER
    assert result.encoding == {
        "cp1250": "cp1250", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "utf-16-be-bom": "utf-16",
    }[encoding]


@pytest.mark.parametrize("number_style", NUMBER_STYLES)
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_number_formats(number_style: str, delimiter: str) -> None:
    assert_sample(read_payments_csv(build_csv(number_style=number_style, delimiter=delimiter)))


@pytest.mark.parametrize("negative", NEGATIVE_STYLES)
@pytest.mark.parametrize("number_style", ["cz_space", "en", "cz_kc"])
def test_negative_formats(negative: str, number_style: str) -> None:
    assert_sample(read_payments_csv(build_csv(number_style=number_style, negative=negative)))


@pytest.mark.parametrize("date_style", DATE_STYLES)
def test_date_formats(date_style: str) -> None:
    assert_sample(read_payments_csv(build_csv(date_style=date_style)))


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_endings(newline: str) -> None:
    assert_sample(read_payments_csv(build_csv(newline=newline)))


def test_junk_before_header_summary_after_and_blank_lines() -> None:
    data = build_csv(
        junk_before=("Vydané faktury", "Období: 1.1.2024 - 31.12.2024", "", "Tisk;;;uživatel Admin"),
        summary=True,
        blank_every=2,
    )
    result = read_payments_csv(data)
    assert_sample(result, summary=True)
    assert result.header_line == 5
    assert result.rows[0].line == 6
    assert result.blank_lines == 2


def test_summary_line_is_reported_not_fatal() -> None:
    result = read_payments_csv(build_csv(summary=True))
    assert len(result.rows) == len(SAMPLE)
    [error] = result.errors
    assert error.kind == "summary"
    assert error.line == len(SAMPLE) + 2
    assert error.raw.startswith("Celkem:")


def test_100k_rows() -> None:
    invoices = [
        Inv(f"24{i:06}", date(2024, 1 + i % 12, 1 + i % 28), str(100000 + i), Decimal(i) + Decimal("0.5"),
            Decimal(0) if i % 3 else Decimal(i) + Decimal("0.5"), date(2024, 12, 31) if i % 3 else None)
        for i in range(100_000)
    ]
    result = read_payments_csv(build_csv(invoices))
    assert result.row_count == 100_000
    assert result.errors == []
    assert result.rows[-1].order_number == "199999"
    assert result.rows[-1].line == 100_001
    assert result.rows[99_998].to_pay == Decimal(0)
    assert result.rows[99_999].to_pay == Decimal("99999.50")


# --------------------------------------------------------------------------- header


REQUIRED_VARIANTS = {
    "order_number": [*COLUMN_ALIASES["order_number"], "OBCJ", "obč. j.", " Občj ", "OBČJ", "Obc.j", "#Občj"],
    "to_pay": [*COLUMN_ALIASES["to_pay"], "K LIKVIDACI", "k_likvidaci", "K likvidaci (Kč)", "K likvidaci [CZK]",
               "k likvidaci kč"],
    "date": [*COLUMN_ALIASES["date"], "DATUM", "datum", " Datum. "],
}


@pytest.mark.parametrize(
    ("role", "name"), [(role, name) for role, names in REQUIRED_VARIANTS.items() for name in names]
)
def test_header_aliases(role: str, name: str) -> None:
    header = list(DEFAULT_HEADER)
    index = {"order_number": 2, "to_pay": 5, "date": 1}[role]
    header[index] = name
    result = read_payments_csv(build_csv(header=header, roles=DEFAULT_ROLES, encoding="utf-8"))
    assert_sample(result)
    assert result.columns[role] == name.strip()


@pytest.mark.parametrize(
    ("paid_name", "total_name", "number_name"),
    [("Datum likvidace", "Celkem Kč", "Číslo faktury"), ("Dat. likvidace", "Částka", "Doklad")],
)
def test_optional_column_aliases(paid_name: str, total_name: str, number_name: str) -> None:
    header = ["Občj", "K likvidaci", "Datum", paid_name, total_name, number_name, "Var.sym."]
    data = f"{';'.join(header)}\n1001;0;1.1.2024;3.1.2024;100,00;240001;2400012\n".encode()
    [row] = read_payments_csv(data).rows
    assert (row.paid_date, row.total, row.invoice_number, row.variable_symbol) == (
        date(2024, 1, 3), Decimal("100.00"), "240001", "2400012",
    )


def test_only_required_columns() -> None:
    result = read_payments_csv("Občj;K likvidaci;Datum\n1001;0,00;1.1.2024\n1002;10;\n".encode("cp1250"))
    assert [(r.order_number, r.to_pay, r.date, r.total, r.invoice_number) for r in result.rows] == [
        ("1001", Decimal("0.00"), date(2024, 1, 1), None, ""),
        ("1002", Decimal(10), None, None, ""),
    ]


@pytest.mark.parametrize(("drop", "label"), [(2, "Občj"), (5, "K likvidaci"), (1, "Datum")])
def test_missing_required_column_names_it(drop: int, label: str) -> None:
    header = [h for i, h in enumerate(DEFAULT_HEADER) if i != drop]
    data = ";".join(header).encode("cp1250") + b"\r\n1;2;3;4;5;6\r\n"
    with pytest.raises(ImportFileError) as caught:
        read_payments_csv(data)
    message = caught.value.message
    assert f"Chybí sloupec „{label}“" in message
    assert "Nalezená hlavička: " + "; ".join(header) in message


def test_two_missing_columns() -> None:
    with pytest.raises(ImportFileError, match="Chybí sloupce „K likvidaci“, „Datum“"):
        read_payments_csv("Číslo;Občj;Celkem\n1;2;3\n".encode())


def test_no_header_at_all() -> None:
    with pytest.raises(ImportFileError, match=r"chybí hlavička.*První řádek souboru: a;b;c"):
        read_payments_csv(b"a;b;c\n1;2;3\n")


def test_header_with_quoted_delimiters_picks_right_delimiter() -> None:
    data = '"Firma, s.r.o.";"Občj";"K likvidaci";"Datum"\n"A, B";1001;"0,00";1.1.2024\n'.encode()
    result = read_payments_csv(data)
    assert result.delimiter == ";"
    assert result.rows[0].to_pay == Decimal(0)


def test_header_and_rows_with_trailing_delimiter() -> None:
    data = b"Objj;Obcj;K likvidaci;Datum;\n1;1001;5;1.1.2024;\n2;1002;6;1.1.2024\n"
    result = read_payments_csv(data)
    assert [r.order_number for r in result.rows] == ["1001", "1002"]
    assert result.errors == []


# --------------------------------------------------------------------------- bad lines


def test_wrong_column_count_reported_with_line_numbers() -> None:
    text = "Občj;K likvidaci;Datum\n1001;0;1.1.2024\n1002;0\n1003;0;1.1.2024;extra\n\n1004;5;2.1.2024\n"
    result = read_payments_csv(text.encode())
    assert [r.order_number for r in result.rows] == ["1001", "1004"]
    assert [(e.line, e.kind) for e in result.errors] == [(3, "columns"), (4, "columns")]
    assert "2 sloupce, hlavička 3 sloupce" in result.errors[0].message
    assert result.errors[1].raw == "1003;0;1.1.2024;extra"
    assert result.blank_lines == 1


@pytest.mark.parametrize(
    ("cell", "column"),
    [("abc", "K likvidaci"), ("1.23,4", "K likvidaci"), ("1 2 3,4,5", "K likvidaci"), ("", "K likvidaci")],
)
def test_bad_amount_is_a_row_error(cell: str, column: str) -> None:
    data = f"Občj;K likvidaci;Datum\n1001;{cell};1.1.2024\n1002;0;1.1.2024\n".encode()
    result = read_payments_csv(data)
    assert [r.order_number for r in result.rows] == ["1002"]
    [error] = result.errors
    assert (error.line, error.kind) == (2, "value")
    assert f"„{column}“" in error.message


@pytest.mark.parametrize("cell", ["31.2.2024", "2024-13-01", "zítra", "1/2/2024"])
def test_bad_date_is_a_row_error(cell: str) -> None:
    result = read_payments_csv(f"Občj;K likvidaci;Datum\n1001;0;{cell}\n".encode())
    assert result.rows == []
    assert "„Datum“" in result.errors[0].message


def test_rows_without_order_number_are_counted_not_errors() -> None:
    result = read_payments_csv(b"Obcj;K likvidaci;Datum\n;0;1.1.2024\n1001;0;1.1.2024\n")
    assert result.no_order == 1
    assert result.errors == []
    assert result.row_count == 1


def test_repeated_header_is_reported() -> None:
    result = read_payments_csv(b"Obcj;K likvidaci;Datum\n1001;0;1.1.2024\nObcj;K likvidaci;Datum\n1002;0;1.1.2024\n")
    assert result.row_count == 2
    assert [(e.line, e.kind) for e in result.errors] == [(3, "header")]


def test_same_order_twice_keeps_both_rows() -> None:
    result = read_payments_csv(b"Cislo;Obcj;K likvidaci;Datum\nF1;1001;0;1.1.2024\nF2;1001;50;2.1.2024\n")
    assert [(r.invoice_number, r.to_pay) for r in result.rows] == [("F1", Decimal(0)), ("F2", Decimal(50))]


def test_quoted_cells_with_delimiters_quotes_and_newlines() -> None:
    text = (
        'Číslo;Text;Občj;K likvidaci;Datum\r\n'
        'F1;"Zboží; ""speciál""\r\nřádek 2";1001;"1 234,50";1.1.2024\r\n'
        'F2;"jen ""uvozovky""";1002;0;2.1.2024\r\n'
    )
    result = read_payments_csv(text.encode("cp1250"))
    assert result.errors == []
    assert [(r.line, r.order_number, r.to_pay) for r in result.rows] == [
        (2, "1001", Decimal("1234.50")),
        (4, "1002", Decimal(0)),
    ]


def test_unterminated_quote_costs_only_its_line() -> None:
    lines = ["Občj;Text;K likvidaci;Datum", '1001;"neuzavřené;0;1.1.2024']
    lines += [f"{1002 + i};text;0;1.1.2024" for i in range(30)]
    result = read_payments_csv("\n".join(lines).encode())
    assert result.row_count == 30
    assert [e.line for e in result.errors] == [2]


def test_stray_quote_inside_unquoted_cell_is_literal() -> None:
    result = read_payments_csv('Občj;Text;K likvidaci;Datum\n1001;monitor 27";0;1.1.2024\n1002;x;0;1.1.2024\n'.encode())
    assert [r.order_number for r in result.rows] == ["1001", "1002"]


# --------------------------------------------------------------------------- file-level errors


def test_size_limit() -> None:
    data = build_csv() + b" " * (1024 * 1024 + 512 * 1024)
    with pytest.raises(ImportFileError) as caught:
        read_payments_csv(data, max_bytes=1024 * 1024)
    assert caught.value.message.startswith("Soubor je příliš velký (1,5 MB, nejvýš 1 MB)")
    assert read_payments_csv(build_csv(), max_bytes=len(build_csv())).row_count == len(SAMPLE)


def test_default_size_limit_is_20_mb() -> None:
    with pytest.raises(ImportFileError, match=r"nejvýš 20 MB"):
        read_payments_csv(b"x" * (20 * 1024 * 1024 + 1))


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n   \n", b"\xef\xbb\xbf", b"\xff\xfe", "\n\n".encode("utf-16")])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="prázdný"):
        read_payments_csv(data)


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b"PK\x03\x04" + bytes(100), "XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "XLS"),
        (b"%PDF-1.7\n" + bytes(100), "PDF"),
        (bytes(range(256)) * 4, "binární"),
        (b"Obcj;K likvidaci;Datum\n\x00\x01\x02\x03", "binární"),
    ],
)
def test_binary_files(data: bytes, word: str) -> None:
    with pytest.raises(ImportFileError, match=word):
        read_payments_csv(data)


def test_random_binary_is_rejected() -> None:
    rng = random.Random(8)
    for _ in range(20):
        with pytest.raises(ImportFileError):
            read_payments_csv(bytes(rng.randrange(256) for _ in range(5000)))


def test_undecodable_cp1250_bytes_do_not_crash() -> None:
    data = "Občj;Firma;K likvidaci;Datum\n1001;Žluťoučký kůň;0;1.1.2024\n".encode("cp1250")
    data = data.replace(b"Firma", b"Fi\x81rma")  # 0x81 is undefined in Windows-1250
    result = read_payments_csv(data)
    assert result.encoding == "cp1250"
    assert result.warnings
    assert result.rows[0].order_number == "1001"


def test_utf16_without_bom() -> None:
    data = "Občj\tK likvidaci\tDatum\r\n1001\t0,00\t1.1.2024\r\n".encode("utf-16-le")
    result = read_payments_csv(data)
    assert result.encoding == "utf-16"
    assert result.rows[0].order_number == "1001"


def test_non_bytes_input_is_import_file_error() -> None:
    with pytest.raises(ImportFileError):
        read_payments_csv("Občj;K likvidaci;Datum\n")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"), ("0,00", "0.00"), ("12.5", "12.5"), ("1 234,50", "1234.50"), ("1\u00a0234,50", "1234.50"),
        ("1\u202f234,50", "1234.50"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"), ("1 234,50 Kč", "1234.50"),
        ("1234,50Kč", "1234.50"), ("CZK 12", "12"), ("12 CZK", "12"), ("1'234.50", "1234.50"),
        ("1’234,50", "1234.50"), ("1.234.567", "1234567"), ("1,234,567", "1234567"), ("1 234,-", "1234"),
        ("1 234,- Kč", "1234"), ("-5,5", "-5.5"), ("(5,50)", "-5.50"), ("5,50-", "-5.50"), ("−5", "-5"),
        ("- 5", "-5"), ("+5", "5"), (",5", "0.5"), ("1,234", "1.234"), ("1.234", "1.234"),
        ("  7  ", "7"), ("(1 234,50 Kč)", "-1234.50"), ("-1.234,50 Kč", "-1234.50"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["", "Kč", "abc", "1.23,4", "12.34.5", "1,2,3.4.5", "1e5", "NaN", "Infinity", "1" * 20, "--5", "5 5,5,5", "١٢٣"],
)
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"není|nesmysl"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.2024", date(2024, 2, 1)), ("01.02.2024", date(2024, 2, 1)), ("1. 2. 2024", date(2024, 2, 1)),
        ("2024-02-01", date(2024, 2, 1)), ("2024-02-01 13:45", date(2024, 2, 1)),
        ("2024-02-01T13:45:00+01:00", date(2024, 2, 1)), ("1.2.2024 13:45:10", date(2024, 2, 1)),
        ("1.2.24", date(2024, 2, 1)), ("29.2.2024", date(2024, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["29.2.2023", "0.1.2024", "2024-00-10", "1/2/2024", "1.2.", "x", "2024-02-01 noon"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="datum"):
        parse_date(text)


# --------------------------------------------------------------------------- fuzzing


def _assert_well_formed(result: PaymentsFile) -> None:
    for row in result.rows:
        assert isinstance(row.to_pay, Decimal)
        assert row.total is None or isinstance(row.total, Decimal)
        assert isinstance(row.order_number, str)
        assert row.order_number
        assert row.order_number == row.order_number.strip()
        assert row.line >= 1
    lines = [row.line for row in result.rows] + [e.line for e in result.errors]
    assert len(lines) == len(set(lines))
    assert all(1 <= line <= result.lines for line in lines)


def _read_or_refuse(data: bytes) -> PaymentsFile | None:
    """Only ImportFileError may escape, and never the internal fallback."""
    try:
        result = read_payments_csv(data)
    except ImportFileError as exc:
        internal = exc.detail if exc.detail.startswith("internal") else ""
    else:
        _assert_well_formed(result)
        return result
    assert not internal, internal
    return None


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    _read_or_refuse(data)


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_bytes_after_a_valid_header(tail: bytes) -> None:
    _read_or_refuse(b"Obcj;K likvidaci;Datum\r\n" + tail)


_CELL = st.one_of(
    st.text(alphabet=st.characters(codec="cp1250", exclude_characters="\x00"), max_size=12),
    st.sampled_from(["0", "1 234,50", "1.234,50", "1,234.50", "(5)", "5-", "1.1.2024", "2024-01-01", '"', '""', "Kč"]),
)


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    """A generated export, then cut, spliced, re-delimited or re-encoded."""
    invoices = draw(
        st.lists(
            st.builds(
                Inv,
                number=st.from_regex(r"[0-9A-Z]{1,8}", fullmatch=True),
                date=st.dates(),
                order=st.from_regex(r"#?[0-9A-Za-z/-]{1,10}", fullmatch=True),
                total=st.decimals(min_value=-10**9, max_value=10**9, places=2),
                to_pay=st.decimals(min_value=-10**9, max_value=10**9, places=2),
                paid_date=st.none() | st.dates(),
            ),
            max_size=15,
        )
    )
    data = build_csv(
        invoices,
        encoding=draw(st.sampled_from(["cp1250", "utf-8", "utf-8-sig", "utf-16"])),
        delimiter=draw(st.sampled_from([";", ",", "\t"])),
        quoting=draw(st.sampled_from(["minimal", "all", "excel_text"])),
        number_style=draw(st.sampled_from(NUMBER_STYLES)),
        negative=draw(st.sampled_from(NEGATIVE_STYLES)),
        date_style=draw(st.sampled_from(DATE_STYLES)),
        summary=draw(st.booleans()),
    )
    lines = data.split(b"\n")
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["cut", "insert", "dup", "drop", "cell"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if action == "cut" and lines:
            line = lines[at]
            lines[at] = line[: draw(st.integers(0, len(line)))]
        elif action == "insert":
            lines.insert(at, draw(st.binary(max_size=40)))
        elif action == "dup" and lines:
            lines.insert(at, lines[at])
        elif action == "drop" and len(lines) > 1:
            del lines[at]
        elif action == "cell":
            lines.insert(at, ";".join(draw(st.lists(_CELL, max_size=8))).encode("cp1250", errors="replace"))
    return b"\n".join(lines)


@FUZZ
@given(mutated_csv())
def test_fuzz_mutated_exports(data: bytes) -> None:
    _read_or_refuse(data)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            Inv,
            number=st.from_regex(r"[0-9]{1,8}", fullmatch=True),
            date=st.dates(min_value=date(1900, 1, 1)),
            order=st.from_regex(r"[0-9][0-9A-Za-z/-]{0,9}", fullmatch=True),
            total=st.decimals(min_value=-10**9, max_value=10**9, places=2),
            to_pay=st.decimals(min_value=-10**9, max_value=10**9, places=2),
            paid_date=st.none() | st.dates(min_value=date(1900, 1, 1)),
        ),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from(NUMBER_STYLES),
    st.sampled_from(NEGATIVE_STYLES),
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["minimal", "all", "excel_text"]),
    st.sampled_from(DATE_STYLES),
)
def test_roundtrip_generated_exports(
    invoices: list[Inv], number_style: str, negative: str, delimiter: str, quoting: str, date_style: str
) -> None:
    data = build_csv(
        invoices, number_style=number_style, negative=negative, delimiter=delimiter, quoting=quoting,
        date_style=date_style,
    )
    assert_sample(read_payments_csv(data), invoices)


# --------------------------------------------------------------------------- summary lines


@pytest.mark.parametrize(
    "line",
    ["Celkem:;;;16 279,40", ";;Celkem;16 279,40", "Součet;;;1", "Počet záznamů: 5;;;", "CELKEM ZA OBDOBÍ;;;9", "Suma;;;9"],
)
def test_summary_line_variants(line: str) -> None:
    data = f"Firma;Občj;K likvidaci;Datum\nA;1001;0;1.1.2024\n{line}\n".encode()
    result = read_payments_csv(data)
    assert result.row_count == 1
    assert [(e.line, e.kind) for e in result.errors] == [(3, "summary")]


@pytest.mark.parametrize("firm", ["Šumava s.r.o.", "Celkem s.r.o.", "Sumace a.s."])
def test_customer_names_are_not_summary_lines(firm: str) -> None:
    result = read_payments_csv(f"Firma;Občj;K likvidaci;Datum\n{firm};1001;0;1.1.2024\n".encode())
    assert [r.order_number for r in result.rows] == ["1001"]


# --------------------------------------------------------------------------- files on disk

CSV_DIR = Path(__file__).parents[2] / "data" / "csv"


def test_fixture_cp1250_export() -> None:
    result = read_payments_csv((CSV_DIR / "vydane_faktury_cp1250.csv").read_bytes())
    assert (result.encoding, result.delimiter, result.header_line, result.no_order) == ("cp1250", ";", 4, 1)
    assert [(r.line, r.order_number, r.to_pay, r.invoice_number) for r in result.rows] == [
        (5, "1001", D("0.00"), "240001"),
        (6, "1002", D("2500.00"), "240002"),
        (7, "1003", D("2345.00"), "240003"),
        (9, "1001", D("0.00"), "240005"),
    ]
    assert result.rows[2].paid_date == date(2024, 1, 20)
    assert [(e.line, e.kind) for e in result.errors] == [(10, "summary")]


def test_fixture_excel_utf8_export() -> None:
    result = read_payments_csv((CSV_DIR / "excel_utf8_bom_comma.csv").read_bytes())
    assert (result.encoding, result.delimiter) == ("utf-8-sig", ",")
    assert result.columns == {
        "invoice_number": "Číslo faktury", "date": "Datum vystavení", "order_number": "Číslo objednávky",
        "total": "Celkem", "to_pay": "Zbývá uhradit", "paid_date": "Datum úhrady",
    }
    assert [(r.order_number, r.to_pay, r.total) for r in result.rows] == [
        ("#2001", D(0), D("1234.50")), ("#2002", D(1000), D(2500)), ("2003", D(-10), D("99.90")),
    ]
    assert [(e.line, e.kind) for e in result.errors] == [(5, "columns")]


def test_fixture_missing_column() -> None:
    with pytest.raises(ImportFileError, match=re.escape("Chybí sloupec „K likvidaci“. Nalezená hlavička: Číslo; Datum; Občj; Celkem")):
        read_payments_csv((CSV_DIR / "chybi_k_likvidaci.csv").read_bytes())
