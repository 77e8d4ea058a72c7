"""The dataPack / responsePack envelope: item ids, building packs, parsing answers.

Builders in the agenda modules return a :class:`PackItem` (one agenda element
plus the warnings raised while fitting the data); :func:`build_pack` wraps
items into a Windows-1250 ``dat:dataPack``. :func:`parse_response` reads any
``rsp:responsePack`` into :class:`~adapter.records.PackResult`, one
:class:`~adapter.records.ItemResult` per item, never trusting the pack state.
"""

from __future__ import annotations

import copy
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TypeVar

from lxml import etree

from adapter.errors import ResponseParseError
from adapter.pohoda import text as pohoda_text
from adapter.pohoda import xmltext
from adapter.pohoda.schema import safe_parser
from adapter.records import Duplicity, ItemResult, ItemState, PackResult, Produced, ResultDetail

_BASE = "http://www.stormware.cz/schema/version_2/"
NS: dict[str, str] = {
    "dat": _BASE + "data.xsd",
    "typ": _BASE + "type.xsd",
    "ftr": _BASE + "filter.xsd",
    "stk": _BASE + "stock.xsd",
    "ord": _BASE + "order.xsd",
    "inv": _BASE + "invoice.xsd",
    "adb": _BASE + "addressbook.xsd",
    "pri": _BASE + "prijemka.xsd",
    "lst": _BASE + "list.xsd",
    "lStk": _BASE + "list_stock.xsd",
    "lAdb": _BASE + "list_addBook.xsd",
    "rsp": _BASE + "response.xsd",
    "rdc": _BASE + "documentresponse.xsd",
}
ENCODING = "Windows-1250"
XML_DECLARATION = b'<?xml version="1.0" encoding="Windows-1250"?>\n'
MAX_ID = 64
#: ``typ:exSystemName`` used when a document carries an extId but no system name.
DEFAULT_EXT_SYSTEM = "e-shop"
_SAFE_KEY = re.compile(r"[A-Za-z0-9._/:=,;-]+")
_STATES: dict[str, ItemState] = {"ok": "ok", "warning": "warning", "error": "error"}

T = TypeVar("T")


# --------------------------------------------------------------------------- ids and records


@cache
def q(name: str) -> str:
    """Clark notation for a prefixed name, e.g. ``"stk:stock"`` → ``"{…stock.xsd}stock"``."""
    prefix, _, local = name.partition(":")
    return f"{{{NS[prefix]}}}{local}"


def _digest(value: str, size: int = 16) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:size]


def item_id(agenda: str, key: str) -> str:
    """A deterministic id (≤ 64 chars) for agenda + natural key, e.g. ``"ord-1234"``.

    Keys with characters outside ``[A-Za-z0-9._/:=,;-]`` or too long for 64
    characters keep a readable prefix and end in a hash of the full key.
    """
    plain = f"{agenda}-{key}"
    if len(plain) <= MAX_ID and _SAFE_KEY.fullmatch(key):
        return plain
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[: MAX_ID - len(agenda) - 18].strip("_")
    return f"{agenda}-{readable}-{_digest(key)}" if readable else f"{agenda}-{_digest(key)}"


@dataclass(frozen=True)
class PackItem:
    """One ``dataPackItem``: its id, the agenda element and the warnings raised while building it.

    :meth:`from_xml` makes an item whose element is already written as text
    (:mod:`adapter.pohoda.xmltext`); ``element`` is then parsed on first use.
    """

    id: str
    element: etree._Element
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_xml(cls, item_id_: str, fragment: str, warnings: tuple[str, ...] = ()) -> PackItem:
        """An item from its agenda element as text, in the form it has inside a pack (no xmlns)."""
        item = object.__new__(cls)
        item.__dict__.update(id=item_id_, warnings=warnings, _fragment=fragment)
        return item

    def __getattr__(self, name: str) -> etree._Element:
        """``element`` of an item made by :meth:`from_xml`, parsed from its text once."""
        if name != "element" or "_fragment" not in self.__dict__:
            raise AttributeError(name)
        element = etree.fromstring(self.text(), safe_parser())
        object.__setattr__(self, "element", element)
        return element

    def fragment(self) -> str | None:
        """The text the item was made from while its element was never asked for (else None: the element rules)."""
        return None if "element" in self.__dict__ else self.__dict__.get("_fragment")

    def text(self, *, pretty: bool = False) -> str:
        """The item's agenda element as XML text (what the ledger keeps as sent)."""
        if not pretty and (fragment := self.fragment()) is not None:
            return xmltext.with_declarations(fragment, _declarations().decode())
        return etree.tostring(self.element, encoding="unicode", pretty_print=pretty)


@dataclass(frozen=True)
class BuiltPack:
    """A serialised ``dat:dataPack`` with the ids it contains and per-item warnings."""

    xml: bytes
    pack_id: str
    item_ids: tuple[str, ...]
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the built ``dat:dataPack`` element (for :meth:`singles`)
    element: etree._Element | None = field(default=None, repr=False, compare=False)
    #: each ``dat:dataPackItem`` as it stands in :attr:`xml`, when the pack was written as text
    parts: tuple[bytes, ...] = field(default=(), repr=False, compare=False)

    def singles(self) -> dict[str, bytes]:
        """item id → a dataPack holding only that item, byte for byte as the item travels in :attr:`xml`.

        Each ``dat:dataPackItem`` is serialised on its own (lxml repeats the
        pack's namespace declarations on it, which are dropped again); the
        pieces must add up to :attr:`xml` exactly, else ``{}`` and the caller
        builds one-item packs itself.
        """
        if self.parts:
            parts = list(self.parts)
        elif self.element is not None:
            declared = _declarations()
            parts = [serialise(w).replace(declared, b"", 1) for w in self.element]
        else:
            return {}
        tail = b"</dat:dataPack>"
        body = b"".join(parts)
        if len(parts) != len(self.item_ids) or not self.xml.endswith(body + tail):
            return {}
        head = self.xml[: len(self.xml) - len(body) - len(tail)]
        return {id_: head + part + tail for id_, part in zip(self.item_ids, parts, strict=True)}

    def single_texts(self) -> dict[str, str]:
        """:meth:`singles` as text (the ledger's ``sent_xml`` and the previews)."""
        return {k: v.decode(ENCODING) for k, v in self.singles().items()}


@cache
def _declarations() -> bytes:
    """The namespace declarations lxml writes on a pack's root (and repeats on an item serialised alone)."""
    shell = etree.tostring(etree.Element(q("dat:dataPack"), nsmap=NS))
    return shell[len(b"<dat:dataPack") : -len(b"/>")]


def lookup_pack_id(prefix: str) -> str:
    """A fresh id for a read-only pack (list requests are never checked for duplicity)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------- building helpers


class Fields:
    """Collects the warnings of one item while its elements are created."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def text(self, parent: etree._Element, tag: str, value: str | None, label: str,
             xsd_type: str | int | None = None, attrib: dict[str, str] | None = None) -> etree._Element | None:
        """Append ``<tag>value</tag>`` fitted to Windows-1250 and the type's length; skip empty values."""
        if value is None or value == "":
            return None
        fitted, warnings = pohoda_text.fit(value, label, xsd_type)
        self.warnings.extend(warnings)
        return sub(parent, tag, fitted, attrib)

    def xml(self, tag: str, value: str | None, label: str, xsd_type: str | int | None = None,
            attrs: str = "") -> str:
        """:meth:`text` written as text (:mod:`~adapter.pohoda.xmltext`): ``""`` for an empty value.

        ``attrs`` is the attribute text (`` name="value"``), already escaped.
        """
        if value is None or value == "":
            return ""
        fitted, warnings = pohoda_text.fit(value, label, xsd_type)
        if warnings:
            self.warnings.extend(warnings)
        return f"<{tag}{attrs}>{xmltext.text(fitted)}</{tag}>"

    def warn(self, message: str) -> None:
        """Record a warning that is not about one text field."""
        self.warnings.append(message)

    def item(self, item_id_: str, element: etree._Element) -> PackItem:
        """Freeze the element and the collected warnings into a PackItem."""
        return PackItem(item_id_, element, tuple(dict.fromkeys(self.warnings)))

    def text_item(self, item_id_: str, fragment: str) -> PackItem:
        """:meth:`item` for an agenda element written as text."""
        return PackItem.from_xml(item_id_, fragment, tuple(dict.fromkeys(self.warnings)))


def root(tag: str, **attrib: str) -> etree._Element:
    """A new agenda element with every POHODA prefix declared."""
    return etree.Element(q(tag), attrib, nsmap=NS)


def sub(parent: etree._Element, tag: str, value: str | None = None,
        attrib: dict[str, str] | None = None) -> etree._Element:
    """Append a child element, optionally with text and attributes."""
    child = etree.SubElement(parent, q(tag), attrib or {})
    if value is not None:
        child.text = value
    return child


def num(value: Decimal | int) -> str:
    """A number in POHODA's notation (dot decimal separator, no exponent)."""
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError(f"Neplatné číslo pro POHODU: {value}")
    out = format(d.normalize(), "f")
    return "0" if out in ("-0", "") else out


def boolean(value: bool) -> str:
    """``true`` / ``false``."""
    return "true" if value else "false"


def xml_date(value: date) -> str:
    """``YYYY-MM-DD``."""
    return value.isoformat()


def xml_datetime(value: datetime) -> str:
    """POHODA's local ``YYYY-MM-DDThh:mm:ss`` (aware datetimes are converted to local time)."""
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value.isoformat(timespec="seconds")


def ext_id(parent: etree._Element, tag: str, ids: str, system: str, f: Fields) -> None:
    """Append a ``typ:extIdType`` element (``typ:ids`` + ``typ:exSystemName``)."""
    node = sub(parent, tag)
    f.text(node, "typ:ids", ids, "extId", "string64")
    f.text(node, "typ:exSystemName", system or DEFAULT_EXT_SYSTEM, "exSystemName", "string64")


def build_pack(items: Sequence[PackItem], *, ico: str, pack_id: str,
               application: str = "POHODA adaptér", note: str = "") -> BuiltPack:
    """Wrap items into a Windows-1250 ``dat:dataPack``; ids must be unique within the pack."""
    if not items:
        raise ValueError("Dávka pro POHODU musí obsahovat aspoň jednu položku.")
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"Položky dávky mají stejné id: {', '.join(dup)}")
    if any(len(i) > MAX_ID for i in ids):
        raise ValueError("Id položky dávky je delší než 64 znaků.")
    if len(pack_id) > MAX_ID:
        pack_id = item_id("pack", pack_id)
    attrib = {"version": "2.0", "id": pack_id, "ico": ico.strip(),
              "application": pohoda_text.fit(application, "application", 100)[0], "note": pohoda_text.fit(note, "note")[0]}
    warnings = {i.id: i.warnings for i in items if i.warnings}
    fragments = [i.fragment() for i in items]
    if None not in fragments:  # every item written as text: the same bytes lxml would write, without the tree
        parts = xmltext.pack_parts(ids, fragments, ENCODING)  # type: ignore[arg-type]
        xml = XML_DECLARATION + xmltext.pack_head(attrib, _declarations().decode(), ENCODING) + b"".join(parts)
        return BuiltPack(xml=xml + b"</dat:dataPack>", pack_id=pack_id, item_ids=tuple(ids), warnings=warnings,
                         parts=parts)
    pack = etree.Element(q("dat:dataPack"), attrib, nsmap=NS)
    for item in items:
        wrapper = sub(pack, "dat:dataPackItem", attrib={"id": item.id, "version": "2.0"})
        element = item.element
        # a fresh builder element moves in as it is; one already in another pack is copied (never stolen)
        wrapper.append(element if element.getparent() is None else copy.deepcopy(element))
    xml = XML_DECLARATION + serialise(pack)
    return BuiltPack(xml=xml, pack_id=pack_id, item_ids=tuple(ids), warnings=warnings, element=pack)


def serialise(element: etree._Element) -> bytes:
    """An element as Windows-1250 bytes without an XML declaration."""
    data = etree.tostring(element, encoding=ENCODING, xml_declaration=False)
    return data if isinstance(data, bytes) else data.encode(ENCODING)


def item_text(item: PackItem) -> str:
    """One item's agenda element as text (what the ledger keeps of a document POHODA fetched itself)."""
    return etree.tostring(item.element, encoding="unicode")


# --------------------------------------------------------------------------- parsing helpers


_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def refuse_doctype(head: bytes) -> None:
    """Raise ResponseParseError when the document declares a DTD or entities (POHODA never does)."""
    if _DOCTYPE.search(head):
        raise ResponseParseError(detail="odpověď obsahuje DOCTYPE/ENTITY, odmítnuto")


def parse_xml(xml: bytes) -> etree._Element:
    """Parse bytes safely (no DTD, no entities, no network); malformed input → ResponseParseError."""
    if not isinstance(xml, bytes | bytearray | memoryview):
        raise ResponseParseError(detail=f"očekávány bajty, přišlo {type(xml).__name__}")
    data = bytes(xml)
    refuse_doctype(data)
    try:
        doc = etree.fromstring(data, safe_parser())
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise ResponseParseError(detail=f"XML nelze přečíst: {exc}") from None
    if doc is None:
        raise ResponseParseError(detail="prázdná odpověď")
    return doc


def state_of(value: str | None) -> ItemState:
    """Normalise a state attribute; missing or unknown states count as ``error``."""
    return _STATES.get((value or "").strip().lower(), "error")


def text_of(node: etree._Element | None, path: str = "") -> str:
    """Stripped text of ``node`` or of its first descendant matching a prefixed ``path``."""
    if node is None:
        return ""
    found = node.find(path, NS) if path else node
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def to_int(value: str) -> int | None:
    """An int, or None for empty/invalid text."""
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return None


def to_decimal(value: str) -> Decimal | None:
    """A Decimal, or None for empty/invalid text."""
    try:
        d = Decimal(value.strip())
    except (InvalidOperation, AttributeError, ValueError):
        return None
    return d if d.is_finite() else None


def to_date(value: str) -> date | None:
    """A date from ``YYYY-MM-DD`` (a time part is ignored), or None."""
    try:
        return date.fromisoformat(value.strip()[:10])
    except (ValueError, AttributeError):
        return None


def to_datetime(value: str | None) -> datetime | None:
    """An aware datetime; POHODA's naive local timestamps get the local zone. Invalid → None."""
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    try:
        return parsed if parsed.tzinfo else parsed.astimezone()
    except (OverflowError, OSError, ValueError):
        return None


def guard(fn: Callable[[], T]) -> T:
    """Run a parser body; any unexpected error becomes ResponseParseError."""
    try:
        return fn()
    except ResponseParseError:
        raise
    except (etree.LxmlError, ValueError, TypeError, AttributeError, LookupError, ArithmeticError) as exc:
        raise ResponseParseError(detail=f"{type(exc).__name__}: {exc}") from None


def response_root(xml: bytes) -> etree._Element:
    """Parse bytes that must be a ``rsp:responsePack``."""
    doc = parse_xml(xml)
    if doc.tag != q("rsp:responsePack"):
        raise ResponseParseError(detail=f"kořen odpovědi je {doc.tag!s:.80}, čekán rsp:responsePack")
    return doc


# --------------------------------------------------------------------------- responsePack


def _detail(node: etree._Element) -> ResultDetail:
    return ResultDetail(
        state=state_of(text_of(node, "rdc:state")),
        errno=to_int(text_of(node, "rdc:errno")),
        note=text_of(node, "rdc:note"),
        xpath=text_of(node, "rdc:XPath"),
        value_requested=text_of(node, "rdc:valueRequested"),
        value_produced=text_of(node, "rdc:valueProduced"),
    )


def parse_details(node: etree._Element) -> tuple[ResultDetail, ...]:
    """Every ``rdc:importDetails/rdc:detail`` under an agenda or list answer."""
    return tuple(_detail(d) for d in node.iterfind("rdc:importDetails/rdc:detail", NS))


def _produced(node: etree._Element | None) -> Produced | None:
    if node is None:
        return None
    return Produced(
        id=to_int(text_of(node, "rdc:id")),
        number=text_of(node, "rdc:number"),
        code=text_of(node, "rdc:code"),
        action_type=text_of(node, "rdc:actionType"),
        ext_id=text_of(node, "rdc:extId/typ:ids"),
    )


def _duplicity(node: etree._Element) -> Duplicity:
    return Duplicity(
        agenda=text_of(node, "rsp:agendaType"),
        import_date=text_of(node, "rsp:dateCreate"),
        id=to_int(text_of(node, "rsp:id")),
        number=text_of(node, "rsp:number"),
    )


def _worst(*states: ItemState) -> ItemState:
    order = {"ok": 0, "warning": 1, "error": 2}
    return max(states, key=order.__getitem__)


def parse_item(node: etree._Element) -> ItemResult:
    """One ``rsp:responsePackItem`` → ItemResult (item, agenda answer and detail states combined)."""
    state = state_of(node.get("state"))
    notes = [node.get("note", "").strip()]
    details: tuple[ResultDetail, ...] = ()
    produced = None
    duplicities: tuple[Duplicity, ...] = ()
    for child in node.iterchildren(etree.Element):
        if child.tag == q("rsp:errorDetail"):
            duplicities += tuple(_duplicity(d) for d in child.iterfind("rsp:recordDuplicity", NS))
            continue
        if child.get("state") is not None:
            state = _worst(state, state_of(child.get("state")))
        details += parse_details(child)
        produced = produced or _produced(child.find("rdc:producedDetails", NS))
    if any(d.state == "error" for d in details):
        state = "error"
    elif state == "ok" and any(d.state == "warning" for d in details):
        state = "warning"
    note = "; ".join(n for n in notes if n) or "; ".join(d.note for d in details if d.state == "error" and d.note)
    return ItemResult(item_id=node.get("id", ""), state=state, note=note, details=details,
                      produced=produced, duplicities=duplicities)


def parse_response(xml: bytes) -> PackResult:
    """Parse a ``rsp:responsePack`` into a PackResult; malformed input → ResponseParseError."""

    def run() -> PackResult:
        doc = response_root(xml)
        return PackResult(
            pack_id=doc.get("id", ""),
            state=state_of(doc.get("state")),
            note=(doc.get("note") or "").strip(),
            program_version=doc.get("programVersion", ""),
            ico=(doc.get("ico") or "").strip(),
            items=tuple(parse_item(i) for i in doc.iterfind("rsp:responsePackItem", NS)),
        )

    return guard(run)


def pack_refusal(result: PackResult) -> str | None:
    """The note of a pack-level refusal (state error with no items, or an empty id), else None."""
    if result.state == "error" and (not result.items or not result.pack_id):
        return result.note
    return None
