"""POHODA's answers in words: XPaths of offending elements and known errnos.

POHODA points at a problem with a path into the request we sent, e.g.
``dat:dataPack/dat:dataPackItem[1]/ord:order/ord:orderHeader/ord:date``; the
user should read "Objednávka › hlavička › datum".
"""

from __future__ import annotations

import re

#: local element names (without prefix) → Czech words
ELEMENT_WORDS: dict[str, str] = {
    "order": "Objednávka",
    "invoice": "Faktura",
    "stock": "Zásoba",
    "addressbook": "Adresa",
    "prijemka": "Příjemka",
    "orderHeader": "hlavička",
    "invoiceHeader": "hlavička",
    "stockHeader": "hlavička",
    "addressbookHeader": "hlavička",
    "prijemkaHeader": "hlavička",
    "orderDetail": "položky",
    "invoiceDetail": "položky",
    "prijemkaDetail": "položky",
    "orderItem": "položka",
    "invoiceItem": "položka",
    "prijemkaItem": "položka",
    "orderSummary": "souhrn",
    "invoiceSummary": "souhrn",
    "stockPriceItem": "ceny",
    "date": "datum",
    "dateTax": "datum zdanitelného plnění",
    "dateDue": "datum splatnosti",
    "dateAccounting": "datum účetního případu",
    "dateOrder": "datum objednávky",
    "number": "číslo",
    "numberOrder": "číslo objednávky",
    "numberRequested": "požadované číslo",
    "partnerIdentity": "odběratel",
    "address": "adresa",
    "shipToAddress": "dodací adresa",
    "identity": "identita",
    "company": "firma",
    "name": "jméno",
    "street": "ulice",
    "city": "obec",
    "zip": "PSČ",
    "country": "země",
    "ico": "IČO",
    "dic": "DIČ",
    "email": "e-mail",
    "phone": "telefon",
    "text": "text",
    "note": "poznámka",
    "intNote": "interní poznámka",
    "quantity": "množství",
    "unit": "jednotka",
    "rateVAT": "sazba DPH",
    "homeCurrency": "částky v Kč",
    "foreignCurrency": "cizí měna",
    "unitPrice": "jednotková cena",
    "price": "cena",
    "priceVAT": "DPH",
    "stockItem": "skladová položka",
    "store": "sklad",
    "storage": "členění skladu",
    "ids": "zkratka",
    "code": "kód",
    "EAN": "EAN",
    "paymentType": "forma úhrady",
    "carrier": "dopravce",
    "numberOrderRequested": "požadované číslo",
    "sellingPrice": "prodejní cena",
    "purchasingPrice": "nákupní cena",
    "isInternet": "příznak Internet",
    "links": "vazby",
    "link": "vazba",
    "sourceDocument": "zdrojový doklad",
    "symVar": "variabilní symbol",
    "accounting": "předkontace",
    "classificationVAT": "členění DPH",
    "extId": "externí ID",
}

#: envelope steps that say nothing to the user
_SKIP = {"dataPack", "dataPackItem"}

#: errno → meaning (codes seen in the wild; POHODA publishes no official list)
ERRNOS: dict[int, str] = {
    103: "doklad spadá do již uzavřeného období DPH",
    603: "hodnota musela být upravena",
    606: "datum není v účetním období",
}

_STEP = re.compile(r"^(?:[\w.-]+:)?(?P<name>[\w.-]+)(?:\[(?P<index>\d+)\])?$")


def explain_xpath(xpath: str) -> str:
    """``…/ord:order/ord:orderHeader/ord:date`` → ``Objednávka › hlavička › datum``."""
    words = []
    for step in xpath.strip().strip("/").split("/"):
        match = _STEP.match(step.strip())
        if not match:
            words.append(step)
            continue
        name, index = match["name"], match["index"]
        if name in _SKIP:
            continue
        word = ELEMENT_WORDS.get(name, name)
        if index and name not in ("order", "invoice", "stock", "addressbook", "prijemka"):
            word = f"{word} {index}"
        words.append(word)
    return " › ".join(words)


def explain_errno(errno: int | str | None) -> str:
    """A known errno in words, else ``kód N``."""
    if errno in (None, ""):
        return ""
    try:
        number = int(errno)
    except (TypeError, ValueError):
        return f"kód {errno}"
    meaning = ERRNOS.get(number)
    return f"kód {number}: {meaning}" if meaning else f"kód {number}"


def explain_detail(detail: dict[str, object]) -> str:
    """One ``rdc:detail`` (as stored in the ledger) as one Czech sentence."""
    parts = []
    where = str(detail.get("xpath") or detail.get("XPath") or "")
    if where:
        parts.append(explain_xpath(where))
    note = str(detail.get("note") or "")
    if note:
        parts.append(note)
    errno = detail.get("errno")
    if errno not in (None, ""):
        parts.append(f"({explain_errno(errno)})")  # type: ignore[arg-type]
    requested, produced = detail.get("value_requested"), detail.get("value_produced")
    if requested or produced:
        parts.append(f"poslali jsme „{requested or ''}“, POHODA uložila „{produced or ''}“")
    return ": ".join(parts[:2]) + (" " + " ".join(parts[2:]) if len(parts) > 2 else "")
