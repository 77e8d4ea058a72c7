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
from adapter.pohoda.envelope import (
    ENCODING,
    NS,
    XML_DECLARATION,
    Fields,
    PackItem,
    boolean,
    ext_id,
    item_id,
    num,
    q,
    refuse_doctype,
    root,
    state_of,
    sub,
    to_decimal,
    to_int,
    xml_datetime,
)
from adapter.pohoda.lists import ListResult, flag, limit, parse_list, request_id
from adapter.pohoda.orders import stock_code
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


def _action(stock: etree._Element, code: str, mode: Mode) -> None:
    if mode == "add":
        return
    action = sub(stock, "stk:actionType")
    if mode == "upsert":
        node = sub(action, "stk:add", attrib={"update": "true"})
    elif mode == "update":
        node = sub(action, "stk:update", attrib={"add": "false"})
    else:
        raise ValueError(f"Neznámý režim importu zásoby: {mode}")
    sub(sub(node, "ftr:filter"), "ftr:code", code)


def stock_item(card: StockCardDoc, *, mode: Mode = "upsert", type_price: str | None = None) -> PackItem:
    """An ``stk:stock`` item matched by code: upsert (add, update=true), update only, or plain add.

    The price is always sent (an update without ``sellingPrice`` may zero it).
    ``type_price`` is the POHODA price type (``stk:typePrice/typ:ids``, e.g. ``"SK"``),
    which company settings may require on new cards together with ``storage``.
    """
    f = Fields()
    code = stock_code(card.code)
    stock = root("stk:stock", version="2.0")
    _action(stock, code, mode)
    header = sub(stock, "stk:stockHeader")
    if card.ext_id:
        ext_id(header, "stk:extId", card.ext_id, card.ext_system, f)
    if mode != "update":
        sub(header, "stk:stockType", card.stock_type)
    sub(header, "stk:code", code)
    f.text(header, "stk:EAN", card.ean, "EAN", 20)
    sub(header, "stk:isInternet", boolean(card.is_internet))
    sub(header, "stk:sellingRateVAT", card.vat_rate)
    f.text(header, "stk:name", card.name, "name", "string90")
    f.text(header, "stk:unit", card.unit, "unit", "unitType")
    if card.storage:
        f.text(sub(header, "stk:storage"), "typ:ids", card.storage, "storage")
    if type_price:
        f.text(sub(header, "stk:typePrice"), "typ:ids", type_price, "typePrice", "idsType")
    if mode != "update" and not (card.storage and type_price):
        f.warn("Nová karta nemá členění skladu (storage) nebo typ ceny (typePrice); "
               "POHODA je podle nastavení může vyžadovat.")
    sub(header, "stk:sellingPrice", num(card.selling_price),
        {"payVAT": boolean(card.price_includes_vat)})
    f.text(header, "stk:description", card.description, "description")
    if card.store:
        f.warn(f"Sklad „{card.store}“ nelze kartě zásoby přes XML nastavit (stock.xsd nemá stk:store); "
               "karta se založí ve skladu podle nastavení POHODY.")
    return f.item(item_id("stk", code), stock)


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
#: Separator of the one-shot XPath below: a private-use character, which POHODA
#: (Windows-1250 only) can never store, so it never occurs in the data.
_SEP = "\ue000"
_HEADER_FIELDS = ("id", "stockType", "code", "EAN", "name", "unit", "store/typ:ids", "storage/typ:ids",
                  "count", "reservation", "sellingPrice", "sellingPrice/@payVAT", "sellingRateVAT",
                  "isInternet", "actionPrice")
_INLINE_LEVELS = 4
_LEVEL_PATH = "stk:stockPriceItem/stk:stockPrice"
#: All header fields and the first price levels of one card in a single libxml2 call (much
#: faster than walking the element proxies, which matters for 100,000-card answers).
_CARD_XPATH = etree.XPath(
    "concat(" + f", '{_SEP}', ".join(
        [f"stk:stockHeader/stk:{f}" for f in _HEADER_FIELDS]
        + [f"count({_LEVEL_PATH})"]
        + [f"{_LEVEL_PATH}[{n}]/typ:{part}" for n in range(1, _INLINE_LEVELS + 1) for part in ("ids", "price")]
    ) + ")",
    namespaces=NS, smart_strings=False,
)


def _price_levels(node: etree._Element, count: int, inline: list[str]) -> tuple[PriceLevel, ...]:
    pairs = [(inline[2 * n].strip(), inline[2 * n + 1]) for n in range(min(count, _INLINE_LEVELS))]
    if count > _INLINE_LEVELS:
        pairs = [(_text(p.find(_IDS)), _text(p.find(_PRICE))) for p in node.iterfind(_LEVEL_PATH, NS)]
    levels = []
    for name, raw in pairs:
        value = to_decimal(raw)
        if value is not None:
            levels.append(PriceLevel(name=name, price=value))
    return tuple(levels)


def _dec(value: str) -> Decimal | None:
    """A finite Decimal from stripped text, or None (fast path of ``to_decimal``)."""
    if not value:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _text(node: etree._Element | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.strip()


def parse_stock(node: etree._Element) -> StockCard:
    """One ``lStk:stock`` (or ``stk:stock``) element → StockCard."""
    parts = str(_CARD_XPATH(node)).split(_SEP)
    (card_id, stock_type, code, ean, name, unit, store, storage, count, reservation, price, pay_vat,
     vat, internet, action, levels) = map(str.strip, parts[:16])
    ident = to_int(card_id)
    if ident is None:
        missing = "stk:stockHeader" if node.find(_HEADER) is None else "platného stk:id"
        raise ResponseParseError(detail=f"zásoba bez {missing}")
    return StockCard(
        id=ident,
        code=code,
        name=name,
        ean=ean,
        unit=unit,
        store=store,
        storage=storage,
        count=_dec(count) or ZERO,
        reservation=_dec(reservation) or ZERO,
        selling_price=_dec(price),
        selling_price_includes_vat=pay_vat == "true",
        vat_rate=_VAT.get(vat, "high"),
        is_internet=internet == "true",
        stock_type=stock_type or "card",
        price_levels=_price_levels(node, int(float(levels or 0)), parts[16:]) if levels != "0" else (),
        action_price=_dec(action) if action else None,
    )


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
