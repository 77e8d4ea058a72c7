"""Adresář ⇄ zákazníci e-shopu: pure mapping, validation, diffing and conflict rules.

Everything here is a pure function over :mod:`adapter.records`; the job in
:mod:`adapter.sync.customers.send` does the I/O. The central object is the
:class:`CustomerCard`: the billing data both systems hold about one customer
(company, name, street, city, ZIP, country, e-mail, phone, IČO, DIČ), always
normalised the same way, so two cards compare equal exactly when a person
would call the data "the same". A link between a shop customer and a POHODA
address book record remembers the last *agreed* card of each side; a side
whose current card differs from its agreed card has changed since the last
sync, and when both have, that is a conflict for the master rule and for a
person to see.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

from adapter.pohoda import text as pohoda_text
from adapter.records import Address, AddressBookDoc, AddressBookEntry, Customer, NewCustomer

Side = Literal["eshop", "pohoda"]
Action = Literal["same", "to_pohoda", "to_eshop", "conflict"]

#: Czech labels of the card fields (the UI's column names)
FIELD_LABELS: dict[str, str] = {
    "company": "Firma",
    "name": "Jméno",
    "street": "Ulice",
    "city": "Obec",
    "zip": "PSČ",
    "country": "Stát",
    "email": "E-mail",
    "phone": "Telefon",
    "ico": "IČO",
    "dic": "DIČ",
}

#: the XSD simple type POHODA stores each field in (``adapter.pohoda.addressbook``)
POHODA_TYPES: dict[str, str] = {
    "company": "stringCompany",
    "name": "string64",
    "street": "string64",
    "city": "string45",
    "zip": "string15",
    "country": "idsType",
    "email": "string98",
    "phone": "string40",
    "ico": "icoType",
    "dic": "dicType",
}

#: ``typ:exSystemName`` of the shop's customer ids, per e-shop platform
EXT_SYSTEMS: dict[str, str] = {"woocommerce": "WooCommerce"}


def ext_system_for(platform: str) -> str:
    """The ``exSystemName`` under which shop customer ids live in POHODA."""
    return EXT_SYSTEMS.get(platform, platform or "e-shop")


# --------------------------------------------------------------------------- the card


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """Normalised billing data of one customer, comparable across both systems."""

    company: str = ""
    name: str = ""
    street: str = ""
    city: str = ""
    zip: str = ""
    country: str = ""
    email: str = ""
    phone: str = ""
    ico: str = ""
    dic: str = ""

    def as_dict(self) -> dict[str, str]:
        """Plain dict (for the ledger's JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, object] | None) -> CustomerCard | None:
        """Back from the ledger's JSON (None/garbage → None)."""
        if not isinstance(raw, Mapping):
            return None
        names = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in raw.items() if k in names and v is not None})

    def digest(self) -> str:
        """sha256 of the canonical JSON (the ledger's payload hash)."""
        data = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def to_address(self) -> Address:
        """As a records.Address (for an AddressBookDoc)."""
        return Address(**self.as_dict())

    @property
    def title(self) -> str:
        """What a person calls this customer: the company, else the name, else the e-mail."""
        return self.company or self.name or self.email or self.ico


def _space(value: str) -> str:
    return " ".join((value or "").split())


# --------------------------------------------------------------------------- IČO / DIČ


def normalise_ico(raw: str) -> str:
    """IČO without spaces; 6–7 digit historic numbers get their leading zeros back."""
    value = "".join((raw or "").split())
    if value.isdigit() and 6 <= len(value) < 8:
        value = value.zfill(8)
    return value


def ico_checksum_ok(ico: str) -> bool:
    """True when an 8-digit IČO passes the mod-11 check (weights 8…2)."""
    if len(ico) != 8 or not ico.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(ico[:7], range(8, 1, -1), strict=True))
    return (11 - total % 11) % 10 == int(ico[7])


def ico_problem(ico: str) -> str | None:
    """A Czech reason why ``ico`` is not a valid IČO, or None (empty is fine)."""
    if not ico:
        return None
    if not ico.isdigit() or len(ico) != 8:
        return f"IČO {ico} musí mít 8 číslic"
    if not ico_checksum_ok(ico):
        return f"IČO {ico} nemá platný kontrolní součet"
    return None


def normalise_dic(raw: str, country: str = "") -> str:
    """DIČ upper-case without spaces; bare Czech digits get the ``CZ`` prefix."""
    value = re.sub(r"[\s.-]", "", raw or "").upper()
    if value.isdigit() and 8 <= len(value) <= 10 and country in ("", "CZ"):
        value = "CZ" + value
    return value


def dic_problem(dic: str) -> str | None:
    """A Czech reason why ``dic`` is not a valid DIČ / VAT id, or None (empty is fine)."""
    if not dic:
        return None
    if dic.startswith("CZ"):
        if re.fullmatch(r"CZ\d{8,10}", dic):
            return None
        return f"DIČ {dic} nemá platný tvar (CZ a 8–10 číslic)"
    if re.fullmatch(r"[A-Z]{2}[0-9A-Z+*]{2,12}", dic):
        return None
    return f"DIČ {dic} nemá platný tvar (kód státu a číslo, např. CZ12345678)"


# --------------------------------------------------------------------------- contact fields

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]{2,}")

#: country names people type instead of ISO codes
_COUNTRIES: dict[str, str] = {
    "CZE": "CZ", "CESKO": "CZ", "ČESKO": "CZ", "CESKA REPUBLIKA": "CZ", "ČESKÁ REPUBLIKA": "CZ",
    "CZECH REPUBLIC": "CZ", "CZECHIA": "CZ", "SVK": "SK", "SLOVENSKO": "SK", "SLOVAKIA": "SK",
    "SLOVENSKÁ REPUBLIKA": "SK", "DEU": "DE", "NĚMECKO": "DE", "NEMECKO": "DE", "GERMANY": "DE",
    "AUT": "AT", "RAKOUSKO": "AT", "AUSTRIA": "AT", "POL": "PL", "POLSKO": "PL", "POLAND": "PL",
    "HUN": "HU", "MAĎARSKO": "HU", "HUNGARY": "HU",
}  # fmt: skip
#: calling codes of the countries whose numbers we group as +CCC XXX XXX XXX
_CALLING = {"CZ": "420", "SK": "421"}


def normalise_country(raw: str) -> str:
    """An ISO 3166-1 alpha-2 code (``"Česká republika"`` → ``"CZ"``); empty stays empty."""
    value = _space(raw).upper()
    return _COUNTRIES.get(value, value)


def normalise_email(raw: str) -> str:
    """E-mail trimmed and lower-cased (the matching key: case-insensitive, trimmed)."""
    return (raw or "").strip().lower()


def email_problem(email: str) -> str | None:
    """A Czech reason why the record cannot become a shop customer by this e-mail, or None."""
    if not email:
        return "záznam nemá e-mail"
    if not _EMAIL.fullmatch(email):
        return f"e-mail „{email}“ není platný"
    return None


def normalise_zip(raw: str, country: str = "") -> str:
    """Czech and Slovak ZIPs as ``602 00``; others only trimmed."""
    value = _space(raw)
    digits = value.replace(" ", "")
    if country in ("", "CZ", "SK") and len(digits) == 5 and digits.isdigit():
        return f"{digits[:3]} {digits[3:]}"
    return value


def normalise_phone(raw: str, country: str = "") -> str:
    """Phone as ``+420 602 123 456`` for Czech/Slovak numbers; others as ``+`` and digits."""
    value = (raw or "").strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    plus = value.startswith("+") or value.startswith("00")
    if value.startswith("00"):
        digits = digits[2:]
    if not plus and len(digits) == 9 and country in ("", "CZ", "SK"):
        digits = _CALLING.get(country or "CZ", "420") + digits
        plus = True
    if plus and len(digits) == 12 and digits[:3] in _CALLING.values():
        return f"+{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"
    if plus and digits:
        return "+" + digits
    return _space(value)


# --------------------------------------------------------------------------- names

#: legal forms that make a bare name a company ("Pekárna Čermák s.r.o.")
_LEGAL_FORM = re.compile(
    r"(?:\b(?:s\.\s?r\.\s?o|spol\.\s?s\s?r\.\s?o|a\.\s?s|v\.\s?o\.\s?s|k\.\s?s|z\.\s?s|o\.\s?p\.\s?s|z\.\s?ú"
    r"|s\.\s?p|družstvo|gmbh|ltd|inc)\.?|\bs\.r\.o\.?)\s*$",
    re.IGNORECASE,
)
#: academic titles written before / after a Czech name
_TITLES_BEFORE = {"bc.", "bca.", "mgr.", "mga.", "ing.", "ing.arch.", "mudr.", "mvdr.", "mddr.", "judr.",
                  "phdr.", "rndr.", "paeddr.", "thdr.", "doc.", "prof.", "phmr.", "rsdr.", "pharmdr."}
_TITLES_AFTER = {"ph.d.", "phd.", "csc.", "drsc.", "dis.", "mba", "ll.m.", "th.d.", "dr."}


def looks_like_company(name: str) -> bool:
    """True when a name ends with a Czech (or common foreign) legal form."""
    return bool(_LEGAL_FORM.search(name or ""))


def split_company_person(company: str, name: str) -> tuple[str, str]:
    """(company, person): a company name typed into the person field moves to the company."""
    company, name = _space(company), _space(name)
    if not company and name and looks_like_company(name):
        return name, ""
    return company, name


def split_person_name(full: str) -> tuple[str, str]:
    """Czech person name → (first name, last name); titles stay with the part they belong to.

    ``"Ing. Jan Novák, Ph.D."`` → ``("Ing. Jan", "Novák, Ph.D.")``; joining the
    two with a space gives the original back.
    """
    tokens = _space(full).split(" ")
    if tokens == [""]:
        return "", ""
    after: list[str] = []
    while len(tokens) > 1 and tokens[-1].lower().strip(",") in _TITLES_AFTER:
        after.insert(0, tokens.pop())
    before: list[str] = []
    while len(tokens) > 1 and tokens[0].lower() in _TITLES_BEFORE:
        before.append(tokens.pop(0))
    if len(tokens) == 1:
        first, last = "", tokens[0]
    else:
        first, last = " ".join(tokens[:-1]), tokens[-1]
    first = " ".join([*before, first]).strip()
    last = " ".join([last, *after]).strip()
    return first, last


# --------------------------------------------------------------------------- cards from both systems


def make_card(address: Address, *, email: str = "", name: str = "") -> CustomerCard:
    """Normalise an Address (optionally with the account e-mail / name as fallbacks)."""
    country = normalise_country(address.country)
    company, person = split_company_person(address.company, address.name or name)
    return CustomerCard(
        company=company,
        name=person,
        street=_space(address.street),
        city=_space(address.city),
        zip=normalise_zip(address.zip, country),
        country=country,
        email=normalise_email(email or address.email),
        phone=normalise_phone(address.phone, country),
        ico=normalise_ico(address.ico),
        dic=normalise_dic(address.dic, country),
    )


def card_from_customer(customer: Customer) -> CustomerCard:
    """A registered shop customer's billing data; the account e-mail is the identity."""
    name = " ".join(p for p in (customer.first_name.strip(), customer.last_name.strip()) if p)
    return make_card(customer.billing, email=customer.email, name=name)


def card_from_billing(billing: Address) -> CustomerCard:
    """A guest order's billing address."""
    return make_card(billing)


def card_from_entry(entry: AddressBookEntry) -> CustomerCard:
    """A POHODA address book record."""
    return make_card(entry.address)


def card_problems(card: CustomerCard) -> list[str]:
    """Why a card must not go to POHODA (invalid IČO, invalid DIČ); empty when fine."""
    return [p for p in (ico_problem(card.ico), dic_problem(card.dic)) if p]


def pohoda_view(card: CustomerCard) -> CustomerCard:
    """The card as POHODA will store it: Windows-1250 and POHODA's field lengths."""
    values = {name: pohoda_text.fit(value, name, POHODA_TYPES[name])[0] if value else ""
              for name, value in card.as_dict().items()}
    return replace(card, **values)


def after_upsert(previous: CustomerCard | None, sent: CustomerCard) -> CustomerCard:
    """What POHODA holds after an upsert of ``sent``: empty fields are not sent, so old values stay."""
    fitted = pohoda_view(sent).as_dict()
    before = previous.as_dict() if previous is not None else {}
    return CustomerCard(**{k: v or before.get(k, "") for k, v in fitted.items()})


def same_data(shop: CustomerCard, pohoda: CustomerCard) -> bool:
    """True when both systems hold the same data (as far as POHODA can store it)."""
    return pohoda_view(shop) == pohoda


def changed_fields(a: CustomerCard | None, b: CustomerCard | None) -> list[str]:
    """Names of the fields that differ (for highlighting in the UI)."""
    left = a.as_dict() if a is not None else {}
    right = b.as_dict() if b is not None else {}
    return [name for name in FIELD_LABELS if left.get(name, "") != right.get(name, "")]


# --------------------------------------------------------------------------- documents for each side


def addressbook_doc(key: str, card: CustomerCard, *, ext_system: str) -> AddressBookDoc:
    """The address book upsert for a shop customer (``extId`` = shop customer id or ``ico:<IČO>``)."""
    return AddressBookDoc(key=key, address=card.to_address(), ext_id=key, ext_system=ext_system)


def shop_customer(card: CustomerCard, *, account_email: str, first_name: str = "",
                  last_name: str = "") -> NewCustomer:
    """A shop customer body from POHODA's card (never a password).

    The account e-mail (the shop login) is kept; POHODA's e-mail goes to the
    billing address. A record without a person's name keeps the names the
    account already has.
    """
    first, last = split_person_name(card.name) if card.name else (first_name, last_name)
    billing = Address(company=card.company, name="", street=card.street, city=card.city, zip=card.zip,
                      country=card.country, email=card.email, phone=card.phone, ico=card.ico, dic=card.dic)
    return NewCustomer(email=account_email or card.email, first_name=first, last_name=last, billing=billing)


# --------------------------------------------------------------------------- diff and conflicts


def classify(shop: CustomerCard | None, pohoda: CustomerCard | None, agreed_shop: CustomerCard | None,
             agreed_pohoda: CustomerCard | None) -> Action:
    """What to do with one linked (or newly paired) customer.

    ``shop``/``pohoda`` are the current cards of the sides read in this run
    (None = not read, i.e. unchanged since the watermark); ``agreed_*`` are
    the cards both sides held after the last sync (None = never synced).
    """
    shop_changed = shop is not None and shop != agreed_shop
    pohoda_changed = pohoda is not None and pohoda != agreed_pohoda
    if shop_changed and pohoda_changed:
        assert shop is not None and pohoda is not None
        return "same" if same_data(shop, pohoda) else "conflict"
    if shop_changed:
        assert shop is not None
        pohoda_ref = pohoda if pohoda is not None else agreed_pohoda
        return "same" if pohoda_ref is not None and same_data(shop, pohoda_ref) else "to_pohoda"
    if pohoda_changed:
        assert pohoda is not None
        shop_ref = shop if shop is not None else agreed_shop
        return "same" if shop_ref is not None and same_data(shop_ref, pohoda) else "to_eshop"
    return "same"


def winner(master: str) -> Side:
    """The side the master rule picks in a conflict (default POHODA: billing data is the accountant's)."""
    return "eshop" if master == "eshop" else "pohoda"


def other(side: Side) -> Side:
    """The other side."""
    return "pohoda" if side == "eshop" else "eshop"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A POHODA record left out because another record carries the same e-mail."""

    entry: AddressBookEntry
    kept_id: int
    email: str


def dedupe_by_email(entries: Iterable[AddressBookEntry], *, prefer: Mapping[str, int] | None = None
                    ) -> tuple[list[AddressBookEntry], list[Duplicate]]:
    """One record per e-mail: the one already linked (``prefer``: e-mail → id), else the lowest id."""
    groups: dict[str, list[AddressBookEntry]] = {}
    for entry in entries:
        groups.setdefault(normalise_email(entry.address.email), []).append(entry)
    kept: list[AddressBookEntry] = []
    dups: list[Duplicate] = []
    prefer = prefer or {}
    for email, group in groups.items():
        group.sort(key=lambda e: (e.id != prefer.get(email), e.id))
        kept.append(group[0])
        dups.extend(Duplicate(e, group[0].id, email) for e in group[1:])
    return kept, dups


def conflict_record(*, key: str, shop_card: CustomerCard, pohoda_card: CustomerCard, master: str,
                    applied: bool, shop_id: int | None, pohoda_id: int | None, kind: str,
                    note: str = "") -> dict[str, object]:
    """The JSON kept for one conflict (the Adresář page renders it; "take" runs replay it)."""
    return {
        "key": key,
        "kind": kind,
        "eshop": shop_card.as_dict(),
        "pohoda": pohoda_card.as_dict(),
        "fields": changed_fields(pohoda_view(shop_card), pohoda_card),
        "decision": winner(master),
        "applied": applied,
        "note": note,
        "shop_id": shop_id,
        "pohoda_id": pohoda_id,
    }


def conflict_message(decision: Side, applied: bool, fields_: Sequence[str], kind: str = "both_changed") -> str:
    """A Czech one-line description of a conflict and what the master rule did."""
    names = ", ".join(FIELD_LABELS.get(f, f) for f in fields_) or "údaje"
    side = "POHODY" if decision == "pohoda" else "e-shopu"
    what = ("Při prvním spárování se údaje v e-shopu a v POHODĚ liší" if kind == "first_pairing"
            else "Změněno v e-shopu i v POHODĚ")
    if applied:
        return f"{what} ({names}); použita verze {side} podle pravidla přednosti."
    return (f"{what} ({names}); přednost má verze {side}, ale tento směr je vypnutý — "
            "nic nebylo přepsáno, rozhodněte na stránce Adresář.")
