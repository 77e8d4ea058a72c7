"""Numbers and dates as POHODA's CSV export writes them (pure; messages in Czech).

Numbers with decimal comma or dot, thousands separators, currency suffixes
and negative notations (:func:`parse_amount`); dates ``D.M.YYYY``,
``D. M. YYYY``, ``YYYY-MM-DD``, optionally with a time (:func:`parse_date`).
Both raise ``ValueError`` with a Czech message for a value that does not parse.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

__all__ = ["parse_amount", "parse_date", "shorten"]

_MAX_INT_DIGITS = 15


def shorten(text: str, limit: int = 200) -> str:
    """Text for a message, cut to ``limit`` characters."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        raise ValueError(f"„{shorten(text, 40)}“ není částka.")
    integer, fraction = _split_number(s, text)
    if len(integer.lstrip("0")) > _MAX_INT_DIGITS:
        raise ValueError(f"„{shorten(text, 40)}“ je nesmyslně velká částka.")
    try:
        value = Decimal(f"{integer or '0'}.{fraction}" if fraction else integer)
    except InvalidOperation:  # pragma: no cover - the pattern above rules it out
        raise ValueError(f"„{shorten(text, 40)}“ není částka.") from None
    return -value if negative else value


def _split_number(s: str, original: str) -> tuple[str, str]:
    """Split digits-and-separators into (integer digits, fraction digits)."""
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_sign = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_sign == "," else ","
        if s.count(decimal_sign) != 1:
            raise ValueError(f"„{shorten(original, 40)}“ není částka (nejasný desetinný oddělovač).")
        integer, fraction = s.split(decimal_sign)
        integer = _ungroup(integer, thousands, original)
    elif dots + commas == 1:
        integer, fraction = s.replace(",", ".").split(".")
    elif dots + commas > 1:
        integer, fraction = _ungroup(s, "." if dots else ",", original), ""
    else:
        integer, fraction = s, ""
    if not integer and not fraction:
        raise ValueError(f"„{shorten(original, 40)}“ není částka.")
    return integer, fraction


def _ungroup(integer: str, thousands: str, original: str) -> str:
    """Remove thousands separators, checking groups of three digits."""
    groups = integer.split(thousands)
    if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
        raise ValueError(f"„{shorten(original, 40)}“ není částka (oddělovače tisíců nesedí).")
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
        raise ValueError(f"„{shorten(text, 40)}“ není platné datum.") from None
    raise ValueError(f"„{shorten(text, 40)}“ není datum (čekám např. 31.12.2024).")
