"""Reading ``lStk:listStock`` answers: the card reader and the streaming reader.

The hot path of a full stock run reads every card POHODA lists (500,000 on a big
catalogue), so both readers are built for speed; the rules they keep:

* A field is the first such child of the first ``stk:stockHeader`` (as XPath's
  ``(stk:stockHeader[1]/stk:code)[1]`` would pick it), its string value stripped.
* Fields are found with compiled child paths (lxml's ``ObjectPath``): the match
  runs in C over the interned element names, and only the fields read get a
  Python proxy. A walk over the header in Python built a new ``{namespace}name``
  string for every child's ``.tag``, which was most of the reader's time.
* The stream is fed to lxml's pull parser in 64 KB chunks; a Windows-1250 answer
  (POHODA's usual encoding) is decoded by Python's codec and fed as UTF-8, which
  is cheaper than libxml2's own conversion. The cards of a chunk are dropped once
  read, so memory stays flat whatever the size of the answer.
* Measured and left: a parser target (``XMLParser(target=...)``) whose callbacks
  do nothing already costs more than this whole reader; larger chunks are slower.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO, cast

from lxml import etree, objectify

from adapter.errors import PackError, ResponseParseError
from adapter.pohoda.envelope import NS, q, refuse_doctype, state_of
from adapter.pohoda.lists import ListResult, parse_list
from adapter.records import ZERO, PriceLevel, StockCard, VatRate

__all__ = ["CARD_FIELDS", "iter_stock", "parse_list_stock", "parse_stock"]

_VAT: dict[str, VatRate] = {"none": "none", "low": "low", "high": "high", "third": "third",
                            "historyHigh": "high", "historyLow": "low", "historyThird": "third"}

#: a compiled child path: ``path(element, None)`` is the element it leads to, or None
_Path = Callable[[etree._Element, None], "etree._Element | None"]


def _path(*steps: str) -> _Path:
    """A path of first children below any element (``.{ns}a.{ns}b``; ``[n]`` picks the n-th such child)."""
    return cast(_Path, objectify.ObjectPath("." + ".".join(steps)))


_STK, _TYP = f"{{{NS['stk']}}}", f"{{{NS['typ']}}}"
_HEADER = _path(f"{_STK}stockHeader")
_IDS = q("typ:ids")
_PRICE = q("typ:price")
#: the header fields a card is built from, by position in the field list :func:`parse_stock` fills
_ID, _CODE, _NAME, _EAN, _UNIT, _STORE, _STORAGE, _COUNT, _RESERVATION, _PRICE_TEXT, _PAY_VAT, _VAT_RATE, \
    _INTERNET, _TYPE, _ACTION = range(15)
#: (position, path from the header) of the fields read from an element's text
_TEXT_FIELDS = tuple((index, _path(f"{_STK}{name}")) for name, index in (
    ("id", _ID), ("stockType", _TYPE), ("code", _CODE), ("EAN", _EAN), ("name", _NAME), ("unit", _UNIT),
    ("count", _COUNT), ("reservation", _RESERVATION), ("sellingRateVAT", _VAT_RATE),
    ("isInternet", _INTERNET), ("actionPrice", _ACTION),
))
_SELLING = _path(f"{_STK}sellingPrice")
#: (position, path to the first ``typ:ids`` of the first such element, path to a second such element,
#: its tag): a first element without ``typ:ids`` sends the reader to the next ones
_IDS_FIELDS = tuple((index, _path(f"{_STK}{name}", f"{_TYP}ids"), _path(f"{_STK}{name}[1]"), q(f"stk:{name}"))
                    for name, index in (("storage", _STORAGE), ("store", _STORE)))
#: the n-th ``stk:stockPriceItem`` of a card; the n-th ``stk:stockPrice`` of an item, its first ``typ:ids``
#: and ``typ:price`` (n < :data:`_MANY`; further ones are found by a walk)
_MANY = 16
_PRICE_ITEM, _STOCK_PRICE = q("stk:stockPriceItem"), q("stk:stockPrice")
_ITEMS = tuple(_path(f"{_STK}stockPriceItem[{n}]") for n in range(_MANY))
_LEVELS_OF = tuple(_path(f"{_STK}stockPrice[{n}]") for n in range(_MANY))
_LEVEL_IDS = tuple(_path(f"{_STK}stockPrice[{n}]", f"{_TYP}ids") for n in range(_MANY))
_LEVEL_PRICE = tuple(_path(f"{_STK}stockPrice[{n}]", f"{_TYP}price") for n in range(_MANY))
_EMPTY = [""] * 15
#: text → Decimal (or None when not a finite number) for the values that repeat in a listing
#: (counts, reservations, prices); Decimals are immutable, so one instance may sit in many records
_DECIMALS: dict[str, Decimal | None] = {}
#: the finite ones only (one lookup on the hot path: a hit is the answer)
_FINITE: dict[str, Decimal] = {}
_DECIMALS_MAX = 4096
#: (name, price text) → PriceLevel, for the same reason
_LEVEL_CACHE: dict[tuple[str, str], PriceLevel] = {}


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


def _first_filled(level: etree._Element, tag: str) -> str:
    """The string value of the first non-empty ``tag`` child of a price level (the slow way, past an empty first)."""
    for child in level.iterchildren(tag):
        value = _string(child)
        if value:
            return value
    return ""


def _price_levels(card: etree._Element) -> tuple[PriceLevel, ...]:
    """Every ``stk:stockPriceItem/stk:stockPrice`` of a card with a finite price, in document order.

    A card with a header has at most ``len(card) - 1`` price items, an item at most
    ``len(item)`` levels: the counts end the loops without a path that finds nothing.
    """
    levels: list[PriceLevel] = []
    for n in range(len(card) - 1):
        item = _ITEMS[n](card, None) if n < _MANY else _nth(card, _PRICE_ITEM, n)
        if item is None:
            break
        _item_levels(item, levels)
    return tuple(levels)


def _item_levels(item: etree._Element, levels: list[PriceLevel]) -> None:
    """Append the levels of one price item; a level's name and price are its first non-empty
    ``typ:ids`` and ``typ:price`` (read straight by the compiled paths when the first one is a filled leaf)."""
    for n in range(min(len(item), _MANY)):
        ids, price = _LEVEL_IDS[n](item, None), _LEVEL_PRICE[n](item, None)
        name = raw = ""
        if ids is not None and (text := ids.text) is not None and not len(ids):
            name = text.strip()
        if price is not None and (text := price.text) is not None and not len(price):
            raw = text.strip()
        if not (name and raw):  # a missing, empty or mixed first one, or no such level at all
            level = _LEVELS_OF[n](item, None)
            if level is None:
                return
            name, raw = name or _first_filled(level, _IDS), raw or _first_filled(level, _PRICE)
        known = _LEVEL_CACHE.get((name, raw)) or _level(name, raw)
        if known is not None:
            levels.append(known)
    for level in list(item.iterchildren(_STOCK_PRICE))[_MANY:] if len(item) > _MANY else ():
        known = _level(_first_filled(level, _IDS), _first_filled(level, _PRICE))
        if known is not None:
            levels.append(known)


def _level(name: str, raw: str) -> PriceLevel | None:
    """The price level of a name and a price text (None when the price is not a finite number), remembered."""
    amount = _dec(raw)
    if amount is None:
        return None
    if len(_LEVEL_CACHE) >= _DECIMALS_MAX:
        _LEVEL_CACHE.clear()
    known = _LEVEL_CACHE[name, raw] = PriceLevel(name, amount)
    return known


def _nth(parent: etree._Element, tag: str, n: int) -> etree._Element | None:
    """The n-th ``tag`` child (past the compiled paths: a card with very many price items)."""
    return next((child for i, child in enumerate(parent.iterchildren(tag)) if i == n), None)


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


def _first_ids(header: etree._Element, tag: str) -> str:
    """The first ``typ:ids`` of the first ``tag`` child that has one (past a first one without)."""
    for element in header.iterchildren(tag):
        for ids in element.iterchildren(_IDS):
            return _string(ids)
    return ""


def parse_stock(node: etree._Element) -> StockCard:
    """One ``lStk:stock`` (or ``stk:stock``) element → StockCard.

    No XPath and no walk in Python per card: each field is one compiled path from
    the header; the first occurrence of a field counts (as XPath's first match would).
    """
    header = _HEADER(node, None)
    if header is None:
        raise ResponseParseError(detail="zásoba bez stk:stockHeader")
    f = _EMPTY.copy()
    for index, path in _TEXT_FIELDS:
        element = path(header, None)
        if element is not None:
            text = element.text
            f[index] = text.strip() if text is not None and not len(element) else _string(element)
    element = _SELLING(header, None)
    if element is not None:
        text = element.text
        f[_PRICE_TEXT] = text.strip() if text is not None and not len(element) else _string(element)
        f[_PAY_VAT] = (element.get("payVAT") or "").strip()
    for index, ids_path, second, tag in _IDS_FIELDS:
        element = ids_path(header, None)
        if element is not None:
            text = element.text
            f[index] = text.strip() if text is not None and not len(element) else _string(element)
        elif second(header, None) is not None:
            f[index] = _first_ids(header, tag)
    try:
        ident = int(f[_ID])
    except ValueError:
        raise ResponseParseError(detail="zásoba bez platného stk:id") from None
    return _card(ident, f, _price_levels(node))


def parse_list_stock(xml: bytes) -> ListResult[StockCard]:
    """Parse a ``lStk:listStock`` answer into a ListResult (whole tree in memory; see iter_stock)."""
    return parse_list(xml, "lStk:listStock", "lStk:stock", parse_stock)


# --------------------------------------------------------------------------- streaming

_CARD = q("lStk:stock")
_ITEM = q("rsp:responsePackItem")
_PACK = q("rsp:responsePack")
#: bytes read from the answer per feed of the pull parser (the cards parsed from them are held at once)
_CHUNK = 1 << 16
_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
#: declared encodings decoded here and fed as UTF-8 (Python's codec is cheaper than libxml2's iconv)
_DECODED = {b"windows-1250": "cp1250", b"cp1250": "cp1250"}
#: the pull parser's ``read_events`` as it is called here (only element events: ``events=("end",)``)
_Events = Callable[[], Iterator[tuple[str, etree._Element]]]


def _source(source: bytes | BinaryIO) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        refuse_doctype(data[:4096])
        return io.BytesIO(data)
    head = source.peek(4096)[:4096] if hasattr(source, "peek") else b""
    refuse_doctype(head)
    return source


def _chunks(stream: BinaryIO) -> tuple[Iterator[bytes], bool]:
    """The answer in chunks for the pull parser, and whether they were decoded and are UTF-8 now."""
    head = stream.read(_CHUNK)
    declared = _DECLARED.match(head)
    codec = _DECODED.get(declared.group(1).lower()) if declared else None

    def raw() -> Iterator[bytes]:
        chunk = head
        while chunk:
            yield chunk
            chunk = stream.read(_CHUNK)

    if codec is None:
        return raw(), False
    decode = codecs.getincrementaldecoder(codec)().decode
    return (decode(chunk).encode("utf-8") for chunk in raw()), True


def _check_first(card: etree._Element) -> None:
    tree = card.getroottree()
    if tree.getroot().tag != _PACK:
        raise ResponseParseError(detail="kořen odpovědi není rsp:responsePack")
    if tree.docinfo.internalDTD is not None:  # a DOCTYPE hidden past the first 4 KB
        raise ResponseParseError(detail="odpověď obsahuje DOCTYPE")


def iter_stock(source: bytes | BinaryIO) -> Iterator[StockCard]:
    """Stream the stock cards of a ``lStk:listStock`` answer in bounded memory.

    Raises PackError when the pack or the list item was refused (so a refusal
    is never mistaken for an empty stock) and ResponseParseError on bad XML.
    """
    stream = _source(source)
    items = 0
    checked = False
    pack: etree._Element | None = None
    try:
        chunks, decoded = _chunks(stream)
        parser = etree.XMLPullParser(
            events=("end",), tag=(_ITEM, _CARD), encoding="utf-8" if decoded else None,
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
        )
        events = cast(_Events, parser.read_events)
        done = False
        while not done:
            chunk = next(chunks, None)
            if chunk is None:
                done, pack = True, parser.close()
            else:
                parser.feed(chunk)
            card = None
            for _, elem in events():
                if elem.tag == _CARD:
                    if not checked:
                        _check_first(elem)
                        checked = True
                    yield parse_stock(elem)
                    card = elem
                else:
                    items += 1
                    _check_item(elem)
                    elem.clear()
            if card is not None:  # drop the cards read so far (an item's end drops the rest of its list)
                parent = card.getparent()
                if parent is not None:
                    del parent[:parent.index(card) + 1]
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
