"""Adresář ⇄ zákazníci: pure mapping, validation, diff and conflict rules."""

from __future__ import annotations

import pytest

from adapter.emulators import catalogue
from adapter.records import Address, AddressBookEntry, Customer
from adapter.sync.customers import mapping as cm


@pytest.mark.parametrize(("ico", "ok"), [
    ("25596641", True),  # a real company id
    ("12345679", True),  # (sum 112, 112 mod 11 = 2 → check digit 9)
    ("12345678", False),
    ("00000019", True),
    ("2559664", False),  # 7 digits are not normalised here
    ("2559664A", False),
])  # fmt: skip
def test_ico_checksum(ico: str, ok: bool) -> None:
    assert cm.ico_checksum_ok(ico) is ok


def test_ico_problem_messages_are_czech() -> None:
    assert cm.ico_problem("12345678") == "IČO 12345678 nemá platný kontrolní součet"
    assert cm.ico_problem("1234") == "IČO 1234 musí mít 8 číslic"
    assert cm.ico_problem("") is None
    assert cm.ico_problem("25596641") is None


def test_catalogue_icos_are_valid() -> None:
    """The emulators' companies carry valid IČO, so a problem found in a test is a real one."""
    icos = [p.ico for p in catalogue.people(1, 50) if p.ico]
    assert icos and all(cm.ico_problem(i) is None for i in icos)


def test_normalise_ico_restores_leading_zeros() -> None:
    assert cm.normalise_ico(" 255 966 41 ") == "25596641"
    assert cm.normalise_ico("123457") == "00123457"


@pytest.mark.parametrize(("raw", "country", "dic", "problem"), [
    ("CZ25596641", "CZ", "CZ25596641", None),
    ("cz 255 966 41", "CZ", "CZ25596641", None),
    ("25596641", "CZ", "CZ25596641", None),  # bare digits get the prefix
    ("CZ7001011234", "CZ", "CZ7001011234", None),
    ("CZ1234", "CZ", "CZ1234", "DIČ CZ1234 nemá platný tvar (CZ a 8–10 číslic)"),
    ("CZ12345678901", "CZ", "CZ12345678901", "DIČ CZ12345678901 nemá platný tvar (CZ a 8–10 číslic)"),
    ("SK2020317068", "SK", "SK2020317068", None),
    ("DE123456789", "DE", "DE123456789", None),
    ("1", "DE", "1", "DIČ 1 nemá platný tvar (kód státu a číslo, např. CZ12345678)"),
])  # fmt: skip
def test_dic(raw: str, country: str, dic: str, problem: str | None) -> None:
    assert cm.normalise_dic(raw, country) == dic
    assert cm.dic_problem(dic) == problem


@pytest.mark.parametrize(("raw", "country", "out"), [
    ("602123456", "CZ", "+420 602 123 456"),
    ("+420602123456", "", "+420 602 123 456"),
    ("00420 602 123 456", "CZ", "+420 602 123 456"),
    ("+420 602-123-456", "CZ", "+420 602 123 456"),
    ("905 123 456", "SK", "+421 905 123 456"),
    ("+49 30 1234567", "DE", "+49301234567"),
    ("", "CZ", ""),
])  # fmt: skip
def test_phone(raw: str, country: str, out: str) -> None:
    assert cm.normalise_phone(raw, country) == out


@pytest.mark.parametrize(("raw", "country", "out"), [
    ("60200", "CZ", "602 00"), ("602 00", "", "602 00"), (" 811 01", "SK", "811 01"), ("10115", "DE", "10115"),
])  # fmt: skip
def test_zip(raw: str, country: str, out: str) -> None:
    assert cm.normalise_zip(raw, country) == out


@pytest.mark.parametrize(("raw", "out"), [("cz", "CZ"), ("Česká republika", "CZ"), ("Slovensko", "SK"), ("", "")])
def test_country(raw: str, out: str) -> None:
    assert cm.normalise_country(raw) == out


@pytest.mark.parametrize(("full", "first", "last"), [
    ("Jan Novák", "Jan", "Novák"),
    ("Ing. Jan Novák, Ph.D.", "Ing. Jan", "Novák, Ph.D."),
    ("Marie Anna Dvořáková", "Marie Anna", "Dvořáková"),
    ("Novák", "", "Novák"),
    ("", "", ""),
])  # fmt: skip
def test_person_name_split_round_trips(full: str, first: str, last: str) -> None:
    assert cm.split_person_name(full) == (first, last)
    assert " ".join(p for p in (first, last) if p) == full


def test_company_typed_as_name_becomes_company() -> None:
    assert cm.split_company_person("", "Pekárna Čermák s.r.o.") == ("Pekárna Čermák s.r.o.", "")
    assert cm.split_company_person("", "Stavby Šťastný a.s.") == ("Stavby Šťastný a.s.", "")
    assert cm.split_company_person("", "Jan Novák") == ("", "Jan Novák")
    assert cm.split_company_person("ACME s.r.o.", "Jan Novák") == ("ACME s.r.o.", "Jan Novák")


def test_cards_from_both_systems_compare_equal() -> None:
    billing = Address(company="Řeznictví U Bílého koně s.r.o.", name="Jiří Šťastný", street="Husova  12",
                      city="Žďár nad Sázavou", zip="59101", country="cz", email="X@Example.cz",
                      phone="602123456", ico="25596641", dic="25596641")
    shop = cm.card_from_customer(Customer(id=7, email=" Jiri@Example.CZ ", billing=billing))
    pohoda = cm.card_from_entry(AddressBookEntry(id=3, address=Address(
        company="Řeznictví U Bílého koně s.r.o.", name="Jiří Šťastný", street="Husova 12",
        city="Žďár nad Sázavou", zip="591 01", country="CZ", email="jiri@example.cz",
        phone="+420 602 123 456", ico="25596641", dic="CZ25596641")))
    assert shop == pohoda
    assert shop.email == "jiri@example.cz"  # the account e-mail is the identity
    assert cm.same_data(shop, pohoda)


def test_pohoda_view_fits_windows_1250_and_lengths() -> None:
    card = cm.CustomerCard(name="Łukasz Żółć", city="Kraków", company="x" * 300)
    view = cm.pohoda_view(card)
    assert view.name.encode("cp1250")
    assert len(view.company) == 255
    assert view.city == "Kraków"


def test_after_upsert_keeps_fields_not_sent() -> None:
    before = cm.CustomerCard(company="Stará s.r.o.", city="Brno", phone="+420 602 123 456")
    sent = cm.CustomerCard(company="", city="Praha", email="a@b.cz")
    assert cm.after_upsert(before, sent) == cm.CustomerCard(company="Stará s.r.o.", city="Praha", email="a@b.cz",
                                                            phone="+420 602 123 456")


A = cm.CustomerCard(name="Jan Novák", city="Brno", email="jan@example.cz")
B = cm.CustomerCard(name="Jan Novák", city="Praha", email="jan@example.cz")
C = cm.CustomerCard(name="Jan Novák", city="Ostrava", email="jan@example.cz")


@pytest.mark.parametrize(("shop", "pohoda", "agreed_shop", "agreed_pohoda", "action"), [
    (A, A, A, A, "same"),
    (B, None, A, A, "to_pohoda"),
    (None, B, A, A, "to_eshop"),
    (B, A, A, A, "to_pohoda"),
    (B, C, A, A, "conflict"),
    (B, B, A, A, "same"),  # both changed the same way
    (A, None, None, None, "to_pohoda"),  # a new shop customer
    (None, A, None, None, "to_eshop"),  # a new POHODA record
    (A, B, None, None, "conflict"),  # first pairing, different data
    (A, A, None, None, "same"),  # first pairing, same data
    (None, B, B, A, "same"),  # POHODA now holds what the shop already has
])  # fmt: skip
def test_classify(shop, pohoda, agreed_shop, agreed_pohoda, action) -> None:
    assert cm.classify(shop, pohoda, agreed_shop, agreed_pohoda) == action


def test_master_rule_defaults_to_pohoda() -> None:
    assert cm.winner("pohoda") == "pohoda"
    assert cm.winner("eshop") == "eshop"
    assert cm.winner("") == "pohoda"
    assert cm.other("pohoda") == "eshop"


def test_dedupe_by_email_keeps_linked_else_lowest() -> None:
    def e(i: int, email: str) -> AddressBookEntry:
        return AddressBookEntry(id=i, address=Address(name=f"N{i}", email=email))

    kept, dups = cm.dedupe_by_email([e(5, "a@x.cz"), e(3, " A@x.cz"), e(9, "b@x.cz")])
    assert sorted(k.id for k in kept) == [3, 9]
    assert [(d.entry.id, d.kept_id) for d in dups] == [(5, 3)]
    kept, dups = cm.dedupe_by_email([e(5, "a@x.cz"), e(3, "a@x.cz")], prefer={"a@x.cz": 5})
    assert [k.id for k in kept] == [5] and dups[0].entry.id == 3


def test_email_problem() -> None:
    assert cm.email_problem("") == "záznam nemá e-mail"
    assert cm.email_problem("jan@") == "e-mail „jan@“ není platný"
    assert cm.email_problem("jan@example.cz") is None


def test_shop_customer_never_carries_a_password_and_keeps_the_login() -> None:
    card = cm.CustomerCard(company="Firma s.r.o.", name="Ing. Jan Novák", email="fakturace@firma.cz", ico="25596641")
    body = cm.shop_customer(card, account_email="jan@firma.cz")
    assert body.email == "jan@firma.cz"
    assert body.billing.email == "fakturace@firma.cz"
    assert (body.first_name, body.last_name) == ("Ing. Jan", "Novák")
    assert not hasattr(body, "password")
    company_only = cm.shop_customer(cm.CustomerCard(company="Firma s.r.o."), account_email="a@b.cz",
                                    first_name="Eva", last_name="Malá")
    assert (company_only.first_name, company_only.last_name) == ("Eva", "Malá")


def test_conflict_record_lists_changed_fields() -> None:
    record = cm.conflict_record(key="7", shop_card=B, pohoda_card=C, master="pohoda", applied=True, shop_id=7,
                                pohoda_id=3, kind="both_changed")
    assert record["fields"] == ["city"]
    assert record["decision"] == "pohoda"
    assert "Obec" in cm.conflict_message("pohoda", True, ["city"])
    assert "vypnutý" in cm.conflict_message("pohoda", False, ["city"])
