"""Agenda XML written as text: the fast path of the busiest builders (stock cards, received orders).

Building an lxml tree element by element and serialising it costs more CPU
than the data is worth for a pack of thousands of cards; the builders that
matter write their fixed shapes as text instead, with exactly the escaping
lxml's serialiser uses, so a pack is byte for byte what the tree would give
(the tests compare both and validate the packs against the XSD). The text is
an element as it stands inside a ``dat:dataPack``: prefixed names, no
namespace declarations (the pack's root declares every POHODA prefix).
"""

from __future__ import annotations

import re

#: characters lxml escapes in text content and in attribute values
_TEXT_SPECIAL = re.compile(r"[&<>\r]")
_ATTR_SPECIAL = re.compile(r'[&<>"\t\n\r]')
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTR_ESCAPES = {**_TEXT_ESCAPES, '"': "&quot;", "\t": "&#9;", "\n": "&#10;"}
#: what XML 1.0 cannot carry at all (lxml refuses such text with a ValueError)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def checked(value: str) -> str:
    """``value`` unchanged, or ValueError when XML cannot carry one of its characters (as lxml refuses it)."""
    if _NOT_XML.search(value):
        raise ValueError(f"Text „{value[:80]}“ obsahuje řídicí znaky, které XML nepřenese; opravte údaj v e-shopu.")
    return value


def text(value: str) -> str:
    """``value`` escaped for element content."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return _TEXT_SPECIAL.sub(lambda m: _TEXT_ESCAPES[m.group()], value)


def attr(value: str) -> str:
    """``value`` escaped for a double-quoted attribute."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return _ATTR_SPECIAL.sub(lambda m: _ATTR_ESCAPES[m.group()], value)


def leaf(tag: str, value: str) -> str:
    """``<tag>value</tag>`` for a value that did not pass through :func:`~adapter.pohoda.text.fit`."""
    return f"<{tag}>{text(checked(value))}</{tag}>"


def with_declarations(fragment: str, declarations: str) -> str:
    """The fragment standing alone: ``declarations`` go on its root, before its attributes (as lxml writes)."""
    end = len(fragment)
    for stop in (" ", ">", "/"):
        found = fragment.find(stop, 1)
        if found != -1:
            end = min(end, found)
    return fragment[:end] + declarations + fragment[end:]


def pack_head(attrib: dict[str, str], declarations: str, encoding: str) -> bytes:
    """The opening ``dat:dataPack`` tag with its declarations and attributes."""
    attrs = "".join(f' {name}="{attr(checked(value))}"' for name, value in attrib.items())
    return f"<dat:dataPack{declarations}{attrs}>".encode(encoding, "xmlcharrefreplace")


def pack_parts(ids: list[str], fragments: list[str], encoding: str) -> tuple[bytes, ...]:
    """Each ``dat:dataPackItem`` as bytes, its fragment inside (characters the encoding lacks as references)."""
    return tuple(f'<dat:dataPackItem id="{attr(checked(id_))}" version="2.0">{fragment}</dat:dataPackItem>'
                 .encode(encoding, "xmlcharrefreplace") for id_, fragment in zip(ids, fragments, strict=True))
