"""Address book (Adresář): upsert builder, list request and list parser; shared address helpers."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from adapter.pohoda.envelope import (
    NS,
    Fields,
    PackItem,
    ext_id,
    item_id,
    root,
    sub,
    text_of,
    to_int,
    xml_datetime,
)
from adapter.pohoda.lists import ListResult, limit, parse_list, request_id
from adapter.records import Address, AddressBookDoc, AddressBookEntry

__all__ = [
    "ListResult",
    "address_element",
    "addressbook_item",
    "list_addressbook_request",
    "parse_address",
    "parse_list_addressbook",
    "ship_to_element",
]


def address_element(parent: etree._Element, a: Address, f: Fields, *, contact: bool = True,
                    label: str = "partner") -> etree._Element:
    """Append ``typ:address`` (``typ:addressType``) for ``a``; ``contact`` adds phone and e-mail."""
    node = sub(parent, "typ:address")
    f.text(node, "typ:company", a.company, f"{label}.company", "stringCompany")
    f.text(node, "typ:name", a.name, f"{label}.name", "string64")
    f.text(node, "typ:city", a.city, f"{label}.city", "string45")
    f.text(node, "typ:street", a.street, f"{label}.street", "string64")
    f.text(node, "typ:zip", a.zip, f"{label}.zip", "string15")
    f.text(node, "typ:ico", a.ico, f"{label}.ico", "icoType")
    f.text(node, "typ:dic", a.dic, f"{label}.dic", "dicType")
    if a.country:
        f.text(sub(node, "typ:country"), "typ:ids", a.country, f"{label}.country", "idsType")
    if contact:
        f.text(node, "typ:phone", a.phone, f"{label}.phone", "string40")
        f.text(node, "typ:email", a.email, f"{label}.email", "string98")
    return node


def ship_to_element(parent: etree._Element, a: Address, f: Fields) -> etree._Element:
    """Append ``typ:shipToAddress`` for a delivery address."""
    node = sub(parent, "typ:shipToAddress")
    f.text(node, "typ:company", a.company, "shipTo.company", "stringCompany")
    f.text(node, "typ:name", a.name, "shipTo.name", "string64")
    f.text(node, "typ:city", a.city, "shipTo.city", "string45")
    f.text(node, "typ:street", a.street, "shipTo.street", "string64")
    f.text(node, "typ:zip", a.zip, "shipTo.zip", "string15")
    if a.country:
        f.text(sub(node, "typ:country"), "typ:ids", a.country, "shipTo.country", "idsType")
    f.text(node, "typ:phone", a.phone, "shipTo.phone", "string40")
    f.text(node, "typ:email", a.email, "shipTo.email", "string98")
    return node


def parse_address(node: etree._Element | None, *, email: str = "", phone: str = "") -> Address:
    """A ``typ:address`` element → Address (header-level e-mail/phone fill the gaps)."""
    if node is None:
        return Address(email=email, phone=phone)
    return Address(
        company=text_of(node, "typ:company"),
        name=" ".join(p for p in (text_of(node, "typ:name"), text_of(node, "typ:surname")) if p),
        street=" ".join(p for p in (text_of(node, "typ:street"), text_of(node, "typ:number")) if p),
        city=text_of(node, "typ:city"),
        zip=text_of(node, "typ:zip"),
        country=text_of(node, "typ:country/typ:ids"),
        email=text_of(node, "typ:email") or email,
        phone=text_of(node, "typ:phone") or text_of(node, "typ:mobilPhone") or phone,
        ico=text_of(node, "typ:ico"),
        dic=text_of(node, "typ:dic"),
    )


def addressbook_item(doc: AddressBookDoc, *, pohoda_id: int | None = None) -> PackItem:
    """An ``adb:addressbook`` upsert: by extId when given, else by IČO, else a plain add (warned).

    With ``pohoda_id`` a known record is updated by POHODA's own id instead (it may
    predate our extId: the accountant typed it, or it was paired by IČO / e-mail).
    """
    f = Fields()
    book = root("adb:addressbook", version="2.0")
    system = doc.ext_system
    if doc.ext_id or doc.address.ico:
        add = sub(sub(book, "adb:actionType"), "adb:add", attrib={"update": "true"})
        flt = sub(add, "ftr:filter")
        if doc.ext_id:
            ext_id(flt, "ftr:extId", doc.ext_id, system, f)
        else:
            f.text(flt, "ftr:ico", doc.address.ico, "ico", "icoType")
        if pohoda_id:
            for child in list(flt):
                flt.remove(child)
            sub(flt, "ftr:id", str(pohoda_id))
    else:
        f.warn("Adresa nemá extId ani IČO: POHODA ji založí jako novou (nelze spárovat s existující).")
    header = sub(book, "adb:addressbookHeader")
    identity = sub(header, "adb:identity")
    if doc.ext_id:
        ext_id(identity, "typ:extId", doc.ext_id, system, f)
    address_element(identity, doc.address, f, contact=False, label="adresa")
    f.text(header, "adb:phone", doc.address.phone, "adresa.phone", "string40")
    f.text(header, "adb:email", doc.address.email, "adresa.email", "string98")
    f.text(header, "adb:note", doc.note, "note")
    return f.item(item_id("adb", doc.key), book)


def list_addressbook_request(*, ico: str | None = None, ext_id: str | None = None,
                             last_changes: datetime | None = None, user_filter: str | None = None,
                             id_from: int | None = None, count: int | None = None,
                             ext_system: str | None = None) -> PackItem:
    """A ``lAdb:listAddressBookRequest`` (note the ``addressBookVersion`` attribute)."""
    f = Fields()
    attrs = {"version": "2.0", "addressBookVersion": "2.0"}
    if ext_system:
        attrs["extSystem"] = ext_system
    req = root("lAdb:listAddressBookRequest", **attrs)
    limit(req, "lAdb:limit", id_from, count)
    body = sub(req, "lAdb:requestAddressBook")
    if ico or ext_id or last_changes:
        flt = sub(body, "ftr:filter")
        if ext_id:
            node = sub(flt, "ftr:extId")
            f.text(node, "typ:ids", ext_id, "extId", "string64")
            f.text(node, "typ:exSystemName", ext_system or "e-shop", "exSystemName", "string64")
        f.text(flt, "ftr:ico", ico, "ico", "icoType")
        if last_changes:
            sub(flt, "ftr:lastChanges", xml_datetime(last_changes))
    f.text(body, "ftr:userFilterName", user_filter, "userFilterName")
    key = request_id("ladb", ico=ico, ext=ext_id, since=last_changes and xml_datetime(last_changes),
                     uf=user_filter, idFrom=id_from, count=count)
    return f.item(key, req)


def _entry(node: etree._Element) -> AddressBookEntry:
    header = node.find("adb:addressbookHeader", NS)
    if header is None:
        header = etree.Element("empty")
    identity = header.find("adb:identity", NS)
    email = text_of(header, "adb:email")
    phone = text_of(header, "adb:phone") or text_of(header, "adb:mobil")
    address = parse_address(identity.find("typ:address", NS) if identity is not None else None,
                            email=email, phone=phone)
    return AddressBookEntry(
        id=to_int(text_of(header, "adb:id")) or 0,
        address=address,
        ext_id=text_of(identity, "typ:extId/typ:ids") if identity is not None else "",
    )


def parse_list_addressbook(xml: bytes) -> ListResult[AddressBookEntry]:
    """Parse a ``lAdb:listAddressBook`` answer."""
    return parse_list(xml, "lAdb:listAddressBook", "lAdb:addressbook", _entry)
