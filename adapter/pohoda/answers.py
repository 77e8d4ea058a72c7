"""responsePacks read item by item, and the responsePacks the adapter answers POHODA with.

* :func:`split_items` cuts a multi-item ``responsePack`` into one-item packs
  so the list parsers (which read the first list item) can be used per item,
  and keeps each item's answer XML for the ledger; :func:`item_answers` only
  the latter.
* POHODA pulls received orders itself („Obecný internetový obchod“): it
  POSTs a ``dat:dataPack`` with a ``lst:listOrderRequest``
  (:func:`request_ids`) and imports the ``rsp:responsePack`` it gets back —
  a ``lst:listOrder`` of ``lst:order`` elements (:func:`list_answer`) or a
  pack-level refusal (:func:`error_answer`). Both directions are Windows-1250.
* :func:`indent` lays a stored XML document out for reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from lxml import etree

from adapter.errors import AdapterError
from adapter.pohoda import envelope
from adapter.pohoda.envelope import NS, XML_DECLARATION, PackItem, q, response_root, xml_date
from adapter.pohoda.schema import safe_parser
from adapter.records import ItemResult

PROGRAM = "POHODA adaptér"


# --------------------------------------------------------------------------- answers item by item


def split_items(xml: bytes) -> dict[str, tuple[bytes, str]]:
    """item id → (a one-item responsePack as bytes, that item's answer XML as text)."""
    doc = response_root(xml)
    out: dict[str, tuple[bytes, str]] = {}
    attrib = {str(k): str(v) for k, v in doc.attrib.items()}
    for item in doc.iterfind("rsp:responsePackItem", NS):
        pack = etree.Element(doc.tag, attrib, nsmap=cast("dict[str, str]", doc.nsmap))
        pack.append(etree.fromstring(etree.tostring(item)))
        out[item.get("id", "")] = (etree.tostring(pack), etree.tostring(item, encoding="unicode"))
    return out


def item_answers(xml: bytes) -> dict[str, str]:
    """item id → the item's ``rsp:responsePackItem`` as text (stored in the ledger)."""
    doc = response_root(xml)
    return {item.get("id", ""): etree.tostring(item, encoding="unicode")
            for item in doc.iterfind("rsp:responsePackItem", NS)}


# --------------------------------------------------------------------------- POHODA pulls orders


class PullRequestError(AdapterError):
    """Požadavek POHODY nelze přečíst (čekán dataPack s lst:listOrderRequest)."""


def request_ids(body: bytes) -> tuple[str, str]:
    """(dataPack id, id of the listOrderRequest item) of POHODA's request; bad input → PullRequestError."""
    try:
        doc = etree.fromstring(body, safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise PullRequestError(detail=str(exc)) from None
    if doc.tag != q("dat:dataPack"):
        raise PullRequestError(detail=f"root {doc.tag}")
    for item in doc.iterfind("dat:dataPackItem", NS):
        if item.find("lst:listOrderRequest", NS) is not None:
            return doc.get("id", ""), item.get("id", "")
    raise PullRequestError(detail="no lst:listOrderRequest")


def _rsp_pack(pack_id: str, state: str, ico: str, note: str = "") -> etree._Element:
    attrs = {"version": "2.0", "id": pack_id or "pull", "state": state, "programVersion": PROGRAM}
    if ico:
        attrs["ico"] = ico
    if note:
        attrs["note"] = note
    return etree.Element(q("rsp:responsePack"), attrs, nsmap=NS)


def serialise(pack: etree._Element) -> bytes:
    """A responsePack as Windows-1250 bytes with the declaration POHODA expects."""
    return XML_DECLARATION + envelope.serialise(pack)


def error_answer(pack_id: str, ico: str, note: str) -> bytes:
    """A pack-level refusal POHODA shows to the user."""
    return serialise(_rsp_pack(pack_id, "error", ico, note))


def list_answer(pack_id: str, item_id: str, ico: str, orders: Sequence[PackItem], now: datetime) -> bytes:
    """The responsePack with one ``lst:listOrder`` holding the ``ord:order`` of each item (renamed ``lst:order``).

    The items' elements move into the answer (a built item is used once).
    """
    pack = _rsp_pack(pack_id, "ok", ico)
    item = etree.SubElement(pack, q("rsp:responsePackItem"), {"version": "2.0", "id": item_id or "lord", "state": "ok"})
    local = now.astimezone().replace(tzinfo=None, microsecond=0)
    listed = etree.SubElement(item, q("lst:listOrder"), {
        "version": "2.0", "dateTimeStamp": local.isoformat(), "dateValidFrom": xml_date(local.date()), "state": "ok",
    })
    for order in orders:
        element = order.element
        element.tag = q("lst:order")
        listed.append(element)
    return serialise(pack)


# --------------------------------------------------------------------------- reading


def indent(raw: bytes) -> str | None:
    """An XML document laid out with indentation, or None when it does not parse.

    The ledger stores XML as text (already decoded), so an encoding
    declaration such as Windows-1250 would now be a lie: it is dropped first.
    """
    if raw.startswith(b"<?xml"):
        end = raw.find(b"?>")
        if end != -1:
            raw = raw[end + 2 :].lstrip()
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError:
        return None
    text: str = etree.tostring(root, pretty_print=True, encoding="unicode")
    return text


def read_items(answer: bytes) -> tuple[dict[str, ItemResult], dict[str, str]]:
    """POHODA's answer to a pack, item by item: item id → its result, and item id → its ``responsePackItem`` text.

    Malformed input raises :class:`~adapter.errors.ResponseParseError` (the rows stay ``sending``).
    """
    return {i.item_id: i for i in envelope.parse_response(answer).items}, item_answers(answer)

