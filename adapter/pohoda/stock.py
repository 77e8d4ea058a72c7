"""Stock cards (Zásoby): upsert/update builder and list request (list readers: :mod:`~adapter.pohoda.liststock`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from lxml import etree

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
    root,
    sub,
    xml_datetime,
)
from adapter.pohoda.lists import ListResult, flag, limit, request_id
from adapter.pohoda.liststock import CARD_FIELDS, iter_stock, parse_list_stock, parse_stock
from adapter.pohoda.orders import ext_id_xml, stock_code
from adapter.pohoda.xmltext import leaf
from adapter.records import StockCardDoc

__all__ = [
    "CARD_FIELDS",
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
