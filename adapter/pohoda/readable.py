"""XML as a person reads it: indented, numbered lines, the schema's problems marked at their line.

The document is indented first and the indented text is what gets validated
against Stormware's schema, so a problem's line number is the line shown.
Used by the order preview, the run pages and the ledger's document detail (sent XML and
POHODA's answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from adapter.pohoda import schema
from adapter.pohoda.answers import indent

#: characters shown at most (the whole document stays downloadable)
SHOW_LIMIT = 200_000
_LINE = re.compile(r"^řádek (\d+): (.*)$", re.DOTALL)
#: the root element a document of each kind has (anything else is shown unchecked)
_ROOTS = {"data": "dataPack", "response": "responsePack"}
#: a part of a pack (a stock card sent alone, POHODA's answer to one item) is checked inside a minimal pack of
#: its kind, one wrapper element per line above it, so a problem's line number shifts back by that many
_DATA_OPEN = ('<dat:dataPack xmlns:dat="http://www.stormware.cz/schema/version_2/data.xsd" version="2.0" '
              'id="nahled" application="POHODA adapter" note="">')
_ITEM_OPEN = '<dat:dataPackItem version="2.0" id="nahled">'
_RESPONSE_OPEN = ('<rsp:responsePack xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" '
                  'version="2.0" id="nahled" state="ok">')


def _wrappers(kind: str, root: str) -> tuple[list[str], list[str]]:
    """(opening lines, closing lines) that make a pack part a whole document of ``kind``."""
    if kind == "response":
        return ([_RESPONSE_OPEN], ["</rsp:responsePack>"]) if root == "responsePackItem" else ([], [])
    if kind != "data" or root in ("dataPack", "responsePack", "responsePackItem"):
        return [], []
    if root == "dataPackItem":
        return [_DATA_OPEN], ["</dat:dataPack>"]
    return [_DATA_OPEN, _ITEM_OPEN], ["</dat:dataPackItem>", "</dat:dataPack>"]


@dataclass
class XmlLine:
    """One shown line with the schema problems reported on it."""

    number: int
    text: str
    problems: list[str] = field(default_factory=list)


@dataclass
class XmlView:
    """An XML document laid out for reading."""

    lines: list[XmlLine]
    size: int  #: bytes of the stored document
    truncated: bool
    checked: bool  #: validated against the schema
    problems: list[str] = field(default_factory=list)  #: every schema problem, "řádek N: …"
    general: list[str] = field(default_factory=list)  #: problems without a line

    @property
    def valid(self) -> bool:
        """Checked and without problems."""
        return self.checked and not self.problems


def _decl_free(raw: bytes) -> bytes:
    if raw.startswith(b"<?xml"):
        end = raw.find(b"?>")
        if end != -1:
            return raw[end + 2 :].lstrip()
    return raw


def _root_of(text: str) -> str:
    """The root element's local name (``rsp:responsePackItem`` → ``responsePackItem``, not ``responsePack``)."""
    tag = text.split("\n", 1)[0].split(" ", 1)[0].strip("<>/")
    return tag.rsplit(":", 1)[-1]


def _check(laid_out: str, kind: str) -> tuple[bool, list[str]]:
    """(checked, problems) of an indented document, or of a pack part inside a minimal pack."""
    root = _root_of(laid_out)
    if root == _ROOTS.get(kind):
        found = schema.validate(laid_out.encode("utf-8"), kind)
        return (True, found) if found is not None else (False, [])
    prefixed = ":" in laid_out.split("\n", 1)[0].split(" ", 1)[0]  # only POHODA's own elements are wrapped
    opening, closing = _wrappers(kind, root) if prefixed else ([], [])
    if not opening:
        return False, []
    found = schema.validate("\n".join([*opening, laid_out, *closing]).encode(), kind)
    if found is None:
        return False, []
    return True, [_shift(problem, len(opening)) for problem in found]


def _shift(problem: str, lines: int) -> str:
    """A wrapped part's problem with the line number of the part as shown."""
    match = _LINE.match(problem)
    return f"řádek {max(1, int(match.group(1)) - lines)}: {match.group(2)}" if match else problem


def readable_xml(stored: str | bytes | None, kind: str | None = None) -> XmlView | None:
    """``stored`` indented and numbered; with ``kind`` (``data``/``response``) validated line by line."""
    if not stored:
        return None
    raw = stored.encode("utf-8") if isinstance(stored, str) else stored
    if isinstance(stored, bytes):
        try:
            text = stored.decode("utf-8")
        except UnicodeDecodeError:
            text = stored.decode("cp1250", errors="replace")
    else:
        text = stored
    laid_out = indent(_decl_free(text.encode("utf-8"))) if len(raw) <= 5 * SHOW_LIMIT else None
    shown = (laid_out or text).rstrip("\n")
    view = XmlView(lines=[], size=len(raw), truncated=len(shown) > SHOW_LIMIT, checked=False)
    if kind is not None and laid_out is not None:
        view.checked, view.problems = _check(laid_out, kind)
    by_line: dict[int, list[str]] = {}
    for problem in view.problems:
        match = _LINE.match(problem)
        if match:
            by_line.setdefault(int(match.group(1)), []).append(match.group(2))
        else:
            view.general.append(problem)
    for number, line in enumerate(shown[:SHOW_LIMIT].split("\n"), start=1):
        view.lines.append(XmlLine(number, line, by_line.pop(number, [])))
    view.general += [f"řádek {n}: {m}" for n, ms in sorted(by_line.items()) for m in ms]  # past the shown part
    return view
