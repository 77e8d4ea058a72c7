"""POHODA's formy úhrady and členění DPH over XML: the requests and answers against the XSDs,
parsing, and the mServer emulator over a real socket (lists, and the "no licence" refusal)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.mserver.eu import CLASSIFICATIONS as ACCEPTED_ON_INVOICES
from adapter.emulators.mserver.values_lists import CLASSIFICATIONS, NO_LICENCE_NOTE, PAYMENT_FORMS
from adapter.errors import PackError
from adapter.pohoda import schema
from adapter.pohoda.client import MServerClient
from adapter.pohoda.licence import MServerNoLicence, names_licence, pack_refusal
from adapter.pohoda.lists_values import (
    list_classification_request,
    list_payment_request,
    parse_classifications,
    parse_payment_forms,
    read_values,
    values_pack,
)

XSD = schema.find_xsd_dir()
B = "http://www.stormware.cz/schema/version_2/"
ANSWER = f"""<?xml version="1.0" encoding="Windows-1250"?>
<rsp:responsePack version="2.0" id="values" state="ok" ico="12345678" programVersion="13907.6 SQL"
 xmlns:rsp="{B}response.xsd" xmlns:lst="{B}list.xsd" xmlns:typ="{B}type.xsd" xmlns:pay="{B}payment.xsd"
 xmlns:vat="{B}classificationVAT.xsd">
 <rsp:responsePackItem version="2.0" id="lpay" state="ok">
  <lst:listPayment version="2.0" dateTimeStamp="2026-12-05T10:00:00" dateValidFrom="2026-12-05" state="ok">
   <lst:payment version="2.0"><pay:paymentHeader><pay:id>3</pay:id><pay:name>Dobírkou</pay:name>
    <pay:paymentType>delivery</pay:paymentType></pay:paymentHeader></lst:payment>
   <lst:payment version="2.0"><pay:paymentHeader><pay:id>9</pay:id><pay:name>GoPay</pay:name>
    <pay:text>Platba kartou přes GoPay</pay:text><pay:paymentType>creditCard</pay:paymentType></pay:paymentHeader></lst:payment>
  </lst:listPayment>
 </rsp:responsePackItem>
 <rsp:responsePackItem version="2.0" id="lvat" state="ok">
  <lst:listClassificationVAT version="2.0" dateTimeStamp="2026-12-05T10:00:00" dateValidFrom="2026-12-05" state="ok">
   <lst:classificationVAT version="2.0"><vat:classificationVATHeader><vat:id>1</vat:id><vat:code>UD</vat:code>
    <vat:name>Tuzemsko</vat:name><vat:VATType><typ:ids>inland</typ:ids></vat:VATType><vat:offer>true</vat:offer>
   </vat:classificationVATHeader></lst:classificationVAT>
   <lst:classificationVAT version="2.0"><vat:classificationVATHeader><vat:id>8</vat:id><vat:code>PD</vat:code>
    <vat:name>Přijaté</vat:name><vat:VATType><typ:ids>inland</typ:ids></vat:VATType><vat:offer>true</vat:offer>
   </vat:classificationVATHeader></lst:classificationVAT>
  </lst:listClassificationVAT>
 </rsp:responsePackItem>
</rsp:responsePack>""".encode("cp1250")


def test_requests_are_valid_data_packs() -> None:
    assert schema.validate(values_pack("12345678"), "data") == []
    assert list_payment_request().element.get("paymentVersion") == "2.0"
    assert list_classification_request().element.get("classificationVATVersion") == "2.0"


def test_our_reading_of_the_answer_is_valid_against_the_response_schema() -> None:
    assert schema.validate(ANSWER, "response") == []


def test_payment_forms_and_classifications_are_parsed() -> None:
    forms = parse_payment_forms(ANSWER)
    assert forms.state == "ok"
    assert [(f.name, f.payment_type, f.id) for f in forms.records] == [("Dobírkou", "delivery", 3),
                                                                      ("GoPay", "creditCard", 9)]
    classes = parse_classifications(ANSWER).records
    assert [(c.code, c.vat_type, c.for_sales) for c in classes] == [("UD", "inland", True), ("PD", "inland", False)]


def test_an_unknown_request_is_an_item_error_not_a_crash() -> None:
    refused = (f'<?xml version="1.0"?><rsp:responsePack xmlns:rsp="{B}response.xsd" version="2.0" id="v" '
               f'state="ok"><rsp:responsePackItem version="2.0" id="lpay" state="error" '
               f'note="Neznámá žádost"/></rsp:responsePack>').encode()
    found = parse_payment_forms(refused)
    assert found.state == "error" and "Neznámá" in found.note and found.records == []


def test_licence_refusal_is_told_apart_from_other_refusals() -> None:
    assert names_licence(NO_LICENCE_NOTE) and names_licence("No free LICENSE")
    assert not names_licence("Uživatel není oprávněn importovat XML soubory.")
    assert isinstance(pack_refusal(NO_LICENCE_NOTE), MServerNoLicence)
    other = pack_refusal("Uživatel není oprávněn importovat XML soubory.")
    assert isinstance(other, PackError) and not isinstance(other, MServerNoLicence)
    assert "volnou licenci" in pack_refusal(NO_LICENCE_NOTE).message


def test_emulator_classifications_are_the_ones_it_accepts_on_invoices() -> None:
    assert {code for _id, code, *_ in CLASSIFICATIONS if code.startswith(("U", "x"))} == ACCEPTED_ON_INVOICES


@pytest.fixture
def emulator(mserver_factory: Callable[..., MServerEmulator]) -> MServerEmulator:
    return mserver_factory(xsd_dir=XSD)


def test_emulator_lists_both_over_a_socket_and_the_answer_validates(emulator: MServerEmulator) -> None:
    client = MServerClient(emulator.url, "admin", "heslo", "12345678")
    try:
        raw = client.post(values_pack("12345678"))
        assert schema.validate(raw, "response") == []
        values = read_values(client)
    finally:
        client.close()
    assert [f.name for f in values.payment_forms] == [name for _id, name, _t, _k in PAYMENT_FORMS]
    assert {f.name: f.payment_type for f in values.payment_forms}["Dobírkou"] == "delivery"
    sales = [c.code for c in values.classifications if c.for_sales]
    assert "UD" in sales and "UDA5" in sales and "PD" not in sales and "xUD" not in sales
    assert values.notes == ()


def test_emulator_without_a_licence_refuses_xml_but_answers_status(emulator: MServerEmulator,
                                                                   tmp_path: Path) -> None:
    emulator.set_faults(no_licence=True)
    client = MServerClient(emulator.url, "admin", "heslo", "12345678")
    try:
        assert client.status().status == "idle"  # mServer runs; only XML needs the licence
        with pytest.raises(MServerNoLicence) as caught:
            read_values(client)
        assert caught.value.note == NO_LICENCE_NOTE
        emulator.clear_faults()
        assert read_values(client).payment_forms
    finally:
        client.close()
