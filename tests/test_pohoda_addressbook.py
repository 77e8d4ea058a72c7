"""Address book: upsert by extId / IČO, list request, list parsing."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from adapter.pohoda.addressbook import addressbook_item, list_addressbook_request, parse_list_addressbook
from adapter.pohoda.envelope import NS, build_pack
from adapter.records import Address, AddressBookDoc

NSDECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
ADDRESS = Address(company="Příkladná s.r.o.", name="Jan Novák", street="Údolní 1", city="Brno", zip="602 00",
                  country="CZ", email="jan.novak@example.cz", phone="+420 777 123 456", ico="87654321",
                  dic="CZ87654321")


def xml_of(*items) -> bytes:
    return build_pack(list(items), ico="12345678", pack_id="t").xml


def find(xml: bytes, path: str) -> etree._Element:
    node = etree.fromstring(xml).find(path, NS)
    assert node is not None, path
    return node


def test_upsert_by_ext_id_first(assert_valid_datapack) -> None:
    item = addressbook_item(AddressBookDoc(key="cust-17", address=ADDRESS, ext_id="17", ext_system="WooCommerce",
                                           note="Zákazník e-shopu"))
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert item.id == "adb-cust-17"
    add = find(xml, ".//adb:actionType/adb:add")
    assert add.get("update") == "true"
    assert add.findtext("ftr:filter/ftr:extId/typ:ids", namespaces=NS) == "17"
    assert add.findtext("ftr:filter/ftr:extId/typ:exSystemName", namespaces=NS) == "WooCommerce"
    assert add.find("ftr:filter/ftr:ico", NS) is None
    identity = find(xml, ".//adb:addressbookHeader/adb:identity")
    assert identity.findtext("typ:extId/typ:ids", namespaces=NS) == "17"
    assert identity.findtext("typ:address/typ:company", namespaces=NS) == "Příkladná s.r.o."
    assert identity.findtext("typ:address/typ:dic", namespaces=NS) == "CZ87654321"
    assert find(xml, ".//adb:addressbookHeader/adb:email").text == "jan.novak@example.cz"
    assert find(xml, ".//adb:addressbookHeader/adb:phone").text == "+420 777 123 456"
    assert item.warnings == ()


def test_upsert_by_ico(assert_valid_datapack) -> None:
    xml = xml_of(addressbook_item(AddressBookDoc(key="ico:87654321", address=ADDRESS)))
    assert_valid_datapack(xml)
    assert find(xml, ".//adb:actionType/adb:add/ftr:filter/ftr:ico").text == "87654321"


def test_no_key_is_plain_add_with_warning(assert_valid_datapack) -> None:
    item = addressbook_item(AddressBookDoc(key="anon", address=Address(name="Jana Nová 🌷", city="Praha")))
    xml = xml_of(item)
    assert_valid_datapack(xml)
    assert etree.fromstring(xml).find(".//adb:actionType", NS) is None
    assert len(item.warnings) == 2
    assert find(xml, ".//typ:address/typ:name").text == "Jana Nová ?"


def test_list_addressbook_request(assert_valid_datapack) -> None:
    item = list_addressbook_request(ico="87654321", ext_id="17", ext_system="WooCommerce",
                                    last_changes=datetime(2026, 3, 1, tzinfo=UTC), user_filter="E-shop",
                                    id_from=1, count=200)
    xml = xml_of(item)
    assert_valid_datapack(xml)
    req = find(xml, ".//lAdb:listAddressBookRequest")
    assert (req.get("addressBookVersion"), req.get("extSystem")) == ("2.0", "WooCommerce")
    body = req.find("lAdb:requestAddressBook", NS)
    assert body.findtext("ftr:filter/ftr:ico", namespaces=NS) == "87654321"
    assert body.findtext("ftr:filter/ftr:extId/typ:ids", namespaces=NS) == "17"
    assert body.findtext("ftr:userFilterName", namespaces=NS) == "E-shop"
    assert req.findtext("lAdb:limit/ftr:count", namespaces=NS) == "200"
    assert_valid_datapack(xml_of(list_addressbook_request()))


def test_parse_list_addressbook(assert_valid_responsepack) -> None:
    raw = (
        '<?xml version="1.0" encoding="Windows-1250"?>\n'
        f'<rsp:responsePack version="2.0" id="p" state="ok" ico="12345678" {NSDECL}>'
        '<rsp:responsePackItem version="2.0" id="ladb-all" state="ok">'
        '<lAdb:listAddressBook version="2.0" dateTimeStamp="2026-03-05T09:00:00" dateValidFrom="2026-03-05" '
        'state="ok"><lAdb:addressbook version="2.0"><adb:addressbookHeader><adb:id>12</adb:id>'
        "<adb:identity><typ:extId><typ:ids>17</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></typ:extId>"
        "<typ:address><typ:company>Příkladná s.r.o.</typ:company><typ:name>Jan Novák</typ:name>"
        "<typ:city>Brno</typ:city><typ:street>Údolní 1</typ:street><typ:zip>602 00</typ:zip>"
        "<typ:ico>87654321</typ:ico><typ:dic>CZ87654321</typ:dic><typ:country><typ:ids>CZ</typ:ids></typ:country>"
        "</typ:address></adb:identity><adb:phone>+420 777 123 456</adb:phone>"
        "<adb:email>jan.novak@example.cz</adb:email></adb:addressbookHeader></lAdb:addressbook>"
        '<lAdb:addressbook version="2.0"><adb:addressbookHeader><adb:id>13</adb:id><adb:identity><typ:address>'
        "<typ:name>Jana</typ:name><typ:email>jana@example.cz</typ:email><typ:mobilPhone>603</typ:mobilPhone>"
        "</typ:address></adb:identity></adb:addressbookHeader></lAdb:addressbook>"
        "</lAdb:listAddressBook></rsp:responsePackItem></rsp:responsePack>"
    ).encode("cp1250")
    assert_valid_responsepack(raw)
    result = parse_list_addressbook(raw)
    first, second = result.records
    assert (first.id, first.ext_id) == (12, "17")
    assert first.address == ADDRESS
    assert (second.id, second.ext_id, second.address.email, second.address.phone) == (
        13, "", "jana@example.cz", "603")
