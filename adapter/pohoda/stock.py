"""Stock cards (Zásoby): upsert/update builder, list request, list parser and a streaming reader."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import BinaryIO, Literal

from lxml import etree

from adapter.errors import PackError, ResponseParseError
from adapter.pohoda import xmltext
from adapter.pohoda.envelope import (
    ENCODING,
    NS,
    XML_DECLARATION,
    Fields,
    PackItem,
    boolean,
    item_id,
    num,
    q,
    refuse_doctype,
    root,
    state_of,
    sub,
    xml_datetime,
)
from adapter.pohoda.lists import ListResult, flag, limit, parse_list, request_id
from adapter.pohoda.orders import ext_id_xml, stock_code
from adapter.pohoda.xmltext import leaf
from adapter.records import ZERO, PriceLevel, StockCard, StockCardDoc, VatRate

__all__ = [
    "ListResult",
    "answer_stamp",
    "iter_stock",
    "list_stock_request",
    "parse_list_stock",
    "parse_stock",
    "push_answer",
    "stock_item",
]

Mode = Literal["upsert", "update", "add"]
_VAT: dict[str, VatRate] = {"none": "none", "low": "low", "high": "high", "third": "third",
                            "historyHigh": "high", "historyLow": "low", "historyThird": "third"}


_ACTIONS = {
    "upsert": '<stk:actionType><stk:add update="true"><ftr:filter><ftr:code>{code}</ftr:code></ftr:filter></stk:add></stk:actionType>',
    "update": '<stk:actionType><stk:update add="false"><ftr:filter><ftr:code>{code}</ftr:code></ftr:filter></stk:update></stk:actionType>',
    "add": "",
}


def stock_item(card: StockCardDoc, *, mode: Mode = "upsert", type_price: str | None = None) -> PackItem:
    """An ``stk:stock`` item matched by code: upsert (add, update=true), update only, or plain add.

    The price is always sent (an update without ``sellingPrice`` may zero it).
    ``type_price`` is the POHODA price type (``stk:typePrice/typ:ids``, e.g. ``"SK"``),
    which company settings may require on new cards together with ``storage``.
    Written as text (:mod:`~adapter.pohoda.xmltext`): thousands of cards go in one pack.
    """
    f = Fields()
    key = stock_code(card.code)
    code = xmltext.text(xmltext.checked(key))
    if mode not in _ACTIONS:
        raise ValueError(f"Neznámý režim importu zásoby: {mode}")
    out = ['<stk:stock version="2.0">', _ACTIONS[mode].format(code=code), "<stk:stockHeader>"]
    if card.ext_id:
        out.append(ext_id_xml("stk:extId", card.ext_id, card.ext_system, f))
    if mode != "update":
        out.append(leaf("stk:stockType", card.stock_type))
    out += (f"<stk:code>{code}</stk:code>", f.xml("stk:EAN", card.ean, "EAN", 20), leaf("stk:isInternet", boolean(card.is_internet)),
            leaf("stk:sellingRateVAT", card.vat_rate), f.xml("stk:name", card.name, "název", "string90"),
            f.xml("stk:unit", card.unit, "unit", "unitType"))
    if card.storage:
        out += ("<stk:storage>", f.xml("typ:ids", card.storage, "storage"), "</stk:storage>")
    if type_price:
        out += ("<stk:typePrice>", f.xml("typ:ids", type_price, "typePrice", "idsType"), "</stk:typePrice>")
    if mode != "update" and not (card.storage and type_price):
        f.warn("Nová karta nemá členění skladu (storage) nebo typ ceny (typePrice); "
               "POHODA je podle nastavení může vyžadovat.")
    out += (f'<stk:sellingPrice payVAT="{boolean(card.price_includes_vat)}">{num(card.selling_price)}'
            "</stk:sellingPrice>", f.xml("stk:description", card.description, "description"),
            "</stk:stockHeader></stk:stock>")
    if card.store:
        f.warn(f"Sklad „{card.store}“ nelze kartě zásoby přes XML nastavit (stock.xsd nemá stk:store); "
               "karta se založí ve skladu podle nastavení POHODY.")
    return f.text_item(item_id("stk", key), "".join(out))


def list_stock_request(*, code: str | None = None, store: str | None = None, storage: str | None = None,
                       internet: bool | None = None, last_changes: datetime | None = None,
                       id_from: int | None = None, count: int | None = None,
                       user_filter: str | None = None, ean: str | None = None) -> PackItem:
    """A ``lStk:listStockRequest`` with filter, user filter and paging."""
    f = Fields()
    req = root("lStk:listStockRequest", version="2.0", stockVersion="2.0")
    limit(req, "lStk:limit", id_from, count)
    body = sub(req, "lStk:requestStock")
    if code or ean or storage or store or internet is not None or last_changes:
        flt = sub(body, "ftr:filter")
        f.text(flt, "ftr:code", code, "code", "stockIdsType")
        f.text(flt, "ftr:EAN", ean, "EAN", 20)
        if storage:
            f.text(sub(flt, "ftr:storage"), "typ:ids", storage, "storage")
        if store:
            f.text(sub(flt, "ftr:store"), "typ:ids", store, "store", "idsType")
        flag(flt, "ftr:internet", internet)
        if last_changes:
            sub(flt, "ftr:lastChanges", xml_datetime(last_changes))
    f.text(body, "ftr:userFilterName", user_filter, "userFilterName")
    key = request_id("lstk", code=code, ean=ean, store=store, storage=storage, internet=internet,
                     since=last_changes and last_changes.isoformat(), uf=user_filter, idFrom=id_from,
                     count=count)
    return f.item(key, req)


# --------------------------------------------------------------------------- parsing

_STOCK = q("lStk:stock")
_HEADER = q("stk:stockHeader")
_PRICE_ITEM = q("stk:stockPriceItem")
_PACK = q("rsp:responsePack")
_ITEM = q("rsp:responsePackItem")
_IDS = q("typ:ids")
_PRICE = q("typ:price")
_STOCK_PRICE = q("stk:stockPrice")
_SELLING_PRICE = q("stk:sellingPrice")
#: the header fields a card is built from, by position in :func:`_header`'s answer
_ID, _CODE, _NAME, _EAN, _UNIT, _STORE, _STORAGE, _COUNT, _RESERVATION, _PRICE_TEXT, _PAY_VAT, _VAT_RATE, \
    _INTERNET, _TYPE, _ACTION = range(15)
#: the sellingPrice marker in :data:`_HEADER_FIELDS` (its text and its payVAT attribute are read)
_SELLING = -100
#: header child tag → position of the field read from its text (``≥ 0``), ``_SELLING``, or from the
#: ``typ:ids`` inside (other ``< 0``: ``~position``)
_HEADER_FIELDS = {q(f"stk:{name}"): index for name, index in (
    ("id", _ID), ("stockType", _TYPE), ("code", _CODE), ("EAN", _EAN), ("name", _NAME), ("unit", _UNIT),
    ("count", _COUNT), ("reservation", _RESERVATION), ("sellingPrice", _SELLING), ("sellingRateVAT", _VAT_RATE),
    ("isInternet", _INTERNET), ("actionPrice", _ACTION), ("store", ~_STORE), ("storage", ~_STORAGE),
)}
_EMPTY = [""] * 15
#: text → Decimal (or None when not a finite number) for the values that repeat in a listing
#: (counts, reservations, prices); Decimals are immutable, so one instance may sit in many records
_DECIMALS: dict[str, Decimal | None] = {}
#: the finite ones only (one lookup on the hot path: a hit is the answer)
_FINITE: dict[str, Decimal] = {}
_DECIMALS_MAX = 4096
#: (name, price text) → PriceLevel, for the same reason
_LEVELS: dict[tuple[str, str], PriceLevel] = {}


def _dec(value: str) -> Decimal | None:
    """A finite Decimal from stripped text, or None; repeated texts are converted once."""
    known = _DECIMALS.get(value, _DECIMALS)
    if known is not _DECIMALS:
        return known  # type: ignore[return-value]
    try:
        d: Decimal | None = Decimal(value) if value else None
    except InvalidOperation:
        d = None
    if d is not None and not d.is_finite():
        d = None
    if len(_DECIMALS) >= _DECIMALS_MAX:
        _DECIMALS.clear()
        _FINITE.clear()
    _DECIMALS[value] = d
    if d is not None:
        _FINITE[value] = d
    return d


def _string(node: etree._Element) -> str:
    """The element's string value (its text, or every descendant text when it has children), stripped."""
    text = node.text
    if len(node):
        return "".join(str(t) for t in node.itertext()).strip()
    return text.strip() if text else ""


def _price_levels(items: etree._Element, levels: list[PriceLevel]) -> None:
    """Append the price levels of one ``stk:stockPriceItem`` (plain child walks: no tag matcher per call)."""
    for level in items:
        if level.tag != _STOCK_PRICE:
            continue
        name = raw = ""
        for child in level:
            tag = child.tag
            if tag == _IDS:
                if not name:
                    text = child.text
                    name = text.strip() if text is not None and not len(child) else _string(child)
            elif tag == _PRICE and not raw:
                text = child.text
                raw = text.strip() if text is not None and not len(child) else _string(child)
        known = _LEVELS.get((name, raw))
        if known is None:
            amount = _dec(raw)
            if amount is None:
                continue
            known = PriceLevel(name, amount)
            if len(_LEVELS) >= _DECIMALS_MAX:
                _LEVELS.clear()
            _LEVELS[name, raw] = known
        levels.append(known)


#: StockCard's fields in declaration order (records are built slot by slot on this hot path;
#: a test checks the order against the dataclass)
CARD_FIELDS = ("id", "code", "name", "ean", "unit", "store", "storage", "count", "reservation", "selling_price",
               "selling_price_includes_vat", "vat_rate", "is_internet", "stock_type", "price_levels", "action_price")


#: StockCard's slot setters in field order: a frozen dataclass's ``__init__`` sets each field through
#: ``object.__setattr__`` (half of the record's cost); the records are equal to constructed ones, and a
#: test checks :data:`CARD_FIELDS` against the dataclass, so a new field cannot be left unset unnoticed
_new = object.__new__
(_SET_ID, _SET_CODE, _SET_NAME, _SET_EAN, _SET_UNIT, _SET_STORE, _SET_STORAGE, _SET_COUNT, _SET_RESERVATION,
 _SET_PRICE, _SET_PAY_VAT, _SET_VAT, _SET_INTERNET, _SET_TYPE, _SET_LEVELS, _SET_ACTION) = (
    StockCard.__dict__[name].__set__ for name in CARD_FIELDS)


def _card(ident: int, f: list[str], levels: tuple[PriceLevel, ...]) -> StockCard:
    """The record from a card's field texts, its slots set one by one (the ``_SET_*`` setters)."""
    known = _FINITE.get  # the Decimal of a text seen before (misses and zeros take the checked way)
    count, reservation, price, action = f[_COUNT], f[_RESERVATION], f[_PRICE_TEXT], f[_ACTION]
    card = _new(StockCard)
    _SET_ID(card, ident)
    _SET_CODE(card, f[_CODE])
    _SET_NAME(card, f[_NAME])
    _SET_EAN(card, f[_EAN])
    _SET_UNIT(card, f[_UNIT])
    _SET_STORE(card, f[_STORE])
    _SET_STORAGE(card, f[_STORAGE])
    _SET_COUNT(card, known(count) or _dec(count) or ZERO)
    _SET_RESERVATION(card, known(reservation) or _dec(reservation) or ZERO)
    _SET_PRICE(card, known(price) or _dec(price))
    _SET_PAY_VAT(card, f[_PAY_VAT] == "true")
    _SET_VAT(card, _VAT.get(f[_VAT_RATE], "high"))
    _SET_INTERNET(card, f[_INTERNET] == "true")
    _SET_TYPE(card, f[_TYPE] or "card")
    _SET_LEVELS(card, levels)
    _SET_ACTION(card, _dec(action) if action else None)
    return card


def parse_stock(node: etree._Element) -> StockCard:
    """One ``lStk:stock`` (or ``stk:stock``) element → StockCard, from one walk over its elements.

    No XPath per card: one ``tag`` lookup per header child; the header's children
    are walked last to first and later writes win, so the first occurrence of a
    field counts (as XPath's first match would).
    """
    header = None
    levels: list[PriceLevel] = []
    for child in node:
        tag = child.tag
        if tag == _HEADER:
            header = header if header is not None else child
        elif tag == _PRICE_ITEM:
            _price_levels(child, levels)
    if header is None:
        raise ResponseParseError(detail="zásoba bez stk:stockHeader")
    f = _EMPTY.copy()
    field = _HEADER_FIELDS.get  # bound once: one call, no attribute lookup, per header child
    for element in reversed(header):
        index = field(element.tag)
        if index is None:
            continue
        if index >= 0:
            text = element.text
            f[index] = text.strip() if text is not None and not len(element) else _string(element)
        elif index == _SELLING:
            text = element.text
            f[_PRICE_TEXT] = text.strip() if text is not None and not len(element) else _string(element)
            f[_PAY_VAT] = (element.get("payVAT") or "").strip()
        else:
            for ids in element:  # the first typ:ids (a plain walk: no tag matcher per call)
                if ids.tag == _IDS:
                    text = ids.text
                    f[~index] = text.strip() if text is not None and not len(ids) else _string(ids)
                    break
    try:
        ident = int(f[_ID])
    except ValueError:
        raise ResponseParseError(detail="zásoba bez platného stk:id") from None
    return _card(ident, f, tuple(levels))


def parse_list_stock(xml: bytes) -> ListResult[StockCard]:
    """Parse a ``lStk:listStock`` answer into a ListResult (whole tree in memory; see iter_stock)."""
    return parse_list(xml, "lStk:listStock", "lStk:stock", parse_stock)


def _source(source: bytes | BinaryIO) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        refuse_doctype(data[:4096])
        return io.BytesIO(data)
    head = source.peek(4096)[:4096] if hasattr(source, "peek") else b""
    refuse_doctype(head)
    return source


def iter_stock(source: bytes | BinaryIO) -> Iterator[StockCard]:
    """Stream the stock cards of a ``lStk:listStock`` answer in bounded memory.

    Raises PackError when the pack or the list item was refused (so a refusal
    is never mistaken for an empty stock) and ResponseParseError on bad XML.
    """
    events = etree.iterparse(
        _source(source), events=("end",), tag=(_ITEM, _STOCK),
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
    )
    items = 0
    checked = False
    try:
        for _, elem in events:
            if elem.tag == _STOCK:
                if not checked:
                    tree = elem.getroottree()
                    if tree.getroot().tag != _PACK:
                        raise ResponseParseError(detail="kořen odpovědi není rsp:responsePack")
                    if tree.docinfo.internalDTD is not None:  # a DOCTYPE hidden past the first 4 KB
                        raise ResponseParseError(detail="odpověď obsahuje DOCTYPE")
                    checked = True
                yield parse_stock(elem)
                elem.clear(keep_tail=False)
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
            else:
                items += 1
                _check_item(elem)
                elem.clear()
        pack = events.root
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise ResponseParseError(detail=f"XML nelze přečíst: {exc}") from None
    if pack is None or pack.tag != _PACK:
        raise ResponseParseError(detail="kořen odpovědi není rsp:responsePack")
    if items == 0 and state_of(pack.get("state")) == "error":
        raise PackError((pack.get("note") or "").strip(), detail="listStock refused")


def _check_item(item: etree._Element) -> None:
    listed = item.find("lStk:listStock", NS)
    if state_of(item.get("state")) == "error" or (listed is not None and listed.get("state") == "error"):
        note = (item.get("note") or "").strip()
        if not note and listed is not None:
            note = "; ".join(n.text or "" for n in listed.iterfind("rdc:importDetails/rdc:detail/rdc:note", NS))
        raise PackError(note, detail=f"listStock item {item.get('id', '')} in error")


# --------------------------------------------------------------------------- small facts and answers

_STAMP = re.compile(rb'dateTimeStamp="([^"]+)"')


def answer_stamp(xml: bytes) -> str:
    """The ``dateTimeStamp`` of a list answer (POHODA local time, as written), or "" if none.

    Only the head of the answer is searched: the attribute sits on the list element.
    """
    match = _STAMP.search(xml, 0, 8192)
    return match.group(1).decode("ascii", "replace") if match else ""


def push_answer(*, ok: bool, note: str, pack_id: str) -> bytes:
    """The responsePack POHODA gets back for its stock export (Windows-1250, valid against response.xsd)."""
    pack = etree.Element(q("rsp:responsePack"), nsmap={"rsp": NS["rsp"]})
    pack.attrib.update({
        "version": "2.0",
        "id": pack_id[:64],
        "state": "ok" if ok else "error",
        "note": note,
        "programVersion": "POHODA adaptér",
    })
    body = etree.tostring(pack, encoding=ENCODING, xml_declaration=False)
    assert isinstance(body, bytes)  # an encoding other than "unicode" gives bytes
    return XML_DECLARATION + body
