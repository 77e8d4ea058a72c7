"""Bytes → text for the payments CSV reader: size, known binary formats, encoding, lines.

UTF-8 with or without BOM, UTF-16/32 with BOM (Excel's "Unicode text"),
otherwise strict UTF-8 is tried first and Windows-1250 second; undecodable
bytes never crash the reader (they become U+FFFD and a warning). Files people
upload by mistake (XLSX, XLS, PDF, binary data) raise
:class:`~adapter.errors.ImportFileError` naming what they are.
"""

from __future__ import annotations

from decimal import Decimal

from adapter.errors import ImportFileError


def megabytes(size: int) -> str:
    """Bytes as megabytes with a decimal comma ("20", "25,3")."""
    value = Decimal(size) / Decimal(1024 * 1024)
    text = f"{value.quantize(Decimal('0.1')):f}".removesuffix(".0")
    return text.replace(".", ",")


def reject_known_binary(data: bytes) -> None:
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


def decode(data: bytes) -> tuple[str, str, list[str]]:
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


def reject_binary_text(text: str) -> None:
    """Refuse decoded text that is not plausibly a CSV file."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\f")
    replaced = sample.count("\ufffd")
    if "\x00" in sample or controls > len(sample) // 100 or replaced > len(sample) // 20:
        raise ImportFileError(
            "Soubor není textový CSV (obsahuje binární data). "
            "V POHODĚ exportujte agendu Vydané faktury do CSV a nahrajte tento soubor."
        )


def split_lines(text: str) -> list[str]:
    """Physical lines (CRLF, CR or LF); only these three end a line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return lines
