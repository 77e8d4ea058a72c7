"""Fit free text into what POHODA can store: Windows-1250 and the schema's lengths.

POHODA keeps text in Windows-1250, so characters outside it (emoji, Cyrillic,
most non-Central-European letters) are transliterated or replaced by ``?``;
fields longer than the XSD ``maxLength`` are cut. Nothing changes silently:
every change comes back as a Czech warning for the item's result.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from adapter.czech import pohoda_field
from adapter.pohoda import schema

ENCODING = "cp1250"

#: Characters NFKD cannot reduce to Windows-1250, with their usual Czech transliteration.
_KNOWN: dict[str, str] = {
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "ŋ": "n",
    "þ": "th", "Þ": "Th", "ð": "d", "ħ": "h", "Ħ": "H", "ĸ": "k", "ŧ": "t", "Ŧ": "T",
    "‐": "-", "‑": "-", "‒": "-", "―": "-", "−": "-", "′": "'", "″": '"', "‹": "<", "›": ">",
    "№": "No.", "℮": "e", "≈": "~", "≤": "<=", "≥": ">=",
    "→": "->", "←": "<-", "✓": "v", "✔": "v", "½": "1/2", "¼": "1/4", "¾": "3/4",
    "²": "2", "³": "3", "¹": "1",
}
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ",
        ["a", "b", "v", "g", "d", "e", "ë", "ž", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "ch", "c", "č", "š", "šč", "'", "y", "'", "e", "ju", "ja", "i", "je", "ji", "g"],
        strict=True,
    )
)
#: Code points that only glue or modify the previous emoji; dropped with it.
_GLUE = {0x200D, 0xFE0E, 0xFE0F, 0x20E3} | set(range(0x1F3FB, 0x1F400)) | set(range(0xE0020, 0xE0080))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
#: Lengths used when the XSD folder is not available (same values as type.xsd).
_FALLBACK_LENGTHS = {
    "stringCompany": 255, "documentNumberType": 32, "unitType": 10, "stockIdsType": 64,
    "symVarType": 20, "icoType": 15, "dicType": 18, "idsType": 19, "string32NotEmpty": 32,
}


def encodable(ch: str) -> bool:
    """True when Windows-1250 can store the character."""
    try:
        ch.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _cyrillic(ch: str) -> str | None:
    low = ch.lower()
    if low not in _CYRILLIC:
        return None
    out = _CYRILLIC[low]
    return out.capitalize() if ch != low else out


def _decompose(ch: str) -> str | None:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all(encodable(c) for c in base):
        return base
    return None


def replace_char(ch: str) -> str:
    """The Windows-1250 replacement for one character POHODA cannot store."""
    known = _KNOWN.get(ch)
    if known is not None and all(encodable(c) for c in known):
        return known
    return _cyrillic(ch) or _decompose(ch) or "?"


def to_cp1250(value: str) -> tuple[str, tuple[str, ...]]:
    """Transliterate ``value`` to characters Windows-1250 can store; return text and what changed."""
    if not _CONTROL.search(value):
        try:
            value.encode(ENCODING)
        except UnicodeEncodeError:
            pass
        else:
            return value, ()
    out: list[str] = []
    changes: list[str] = []
    joined = False  # inside a zero-width-joined emoji sequence: one "?" for the whole sequence
    for ch in value:
        if _CONTROL.match(ch) or ord(ch) in _GLUE:
            changes.append(f"U+{ord(ch):04X} → (vynecháno)")
            joined = joined or ord(ch) == 0x200D
        elif encodable(ch):
            out.append(ch)
            joined = False
        else:
            rep = replace_char(ch)
            if not (joined and rep == "?" and out and out[-1] == "?"):
                out.append(rep)
            changes.append(f"„{ch}“ → „{rep}“")
            joined = False
    return "".join(out), tuple(dict.fromkeys(changes))


@cache
def length_of(xsd_type: str) -> int | None:
    """The maxLength of a ``type.xsd`` simple type, from the XSD or the built-in fallback."""
    name = xsd_type.removeprefix("typ:")
    found = schema.max_length(name)
    if found is not None:
        return found
    if name in _FALLBACK_LENGTHS:
        return _FALLBACK_LENGTHS[name]
    m = re.fullmatch(r"string(\d+)", name)
    return int(m.group(1)) if m else None


def fit(value: str, field: str, xsd_type: str | int | None = None) -> tuple[str, tuple[str, ...]]:
    """Clean ``value`` for POHODA and cut it to the type's maxLength; return text and Czech warnings.

    ``xsd_type`` is a ``type.xsd`` simple type name (``"string90"``), a literal
    length, or None for unlimited text.
    """
    text, changes = to_cp1250(value)
    warnings: list[str] = []
    if changes:
        warnings.append(f"{pohoda_field(field)}: znaky, které POHODA neumí uložit, byly nahrazeny ({', '.join(changes)})")
    limit = xsd_type if isinstance(xsd_type, int) else (length_of(xsd_type) if xsd_type else None)
    if limit is not None and len(text) > limit:
        warnings.append(f"{pohoda_field(field)}: text zkrácen z {len(text)} na {limit} znaků (limit POHODY)")
        text = text[:limit].rstrip()
    return text, tuple(warnings)
