"""Czech wording shared by messages and pages: plurals, money, VAT rates, shop statuses, shop errors.

One place decides how the adapter says things to a Czech shop owner and
accountant: ``13 662,32 Kč`` (a foreign document in its own currency),
*základní / snížená / nulová* sazba DPH, WooCommerce statuses by the names
the Czech WooCommerce shows, Czech plural forms, and the common English
errors of WooCommerce translated (the original stays in the detail).
No Flask here: the sync jobs and the web pages both use it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: the space inside numbers and before the currency (no break, as Czech typography wants)
NBSP = "\u00a0"

#: POHODA's VAT rate codes by their Czech names
VAT_NAMES: dict[str, str] = {
    "high": "základní",
    "low": "snížená",
    "third": "druhá snížená",
    "none": "nulová",
}

#: POHODA's XML element names (without prefix) → Czech words, for XPaths and field warnings
POHODA_WORDS: dict[str, str] = {
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
    "shipTo": "dodací adresa",
    "partner": "odběratel",
    "adresa": "adresa",
    "exSystemName": "název systému",
    "userFilterName": "uživatelský filtr",
    "symPar": "párový symbol",
    "description": "popis",
    "filter": "filtr",
    "numbering series": "číselná řada",
    "application": "aplikace",
}

#: WooCommerce order statuses as the Czech WooCommerce names them
SHOP_STATUSES: dict[str, str] = {
    "pending": "Čeká na platbu",
    "processing": "Zpracovává se",
    "on-hold": "Čeká na vyřízení",
    "completed": "Dokončeno",
    "cancelled": "Zrušeno",
    "refunded": "Vráceno",
    "failed": "Nezdařilo se",
    "checkout-draft": "Koncept",
    "trash": "V koši",
}

#: a run's state as the pages and messages say it ("s chybami" for a partial run)
RUN_STATES: dict[str, str] = {
    "running": "běží",
    "ok": "v pořádku",
    "partial": "s chybami",
    "failed": "selhal",
    "interrupted": "přerušen",
}

#: currency codes shown by their Czech symbol
CURRENCY_SIGNS: dict[str, str] = {"CZK": "Kč", "EUR": "€", "USD": "US$", "GBP": "£"}

#: the WooCommerce 10 / WordPress REST errors the adapter can meet (code or English text as the shop sends it)
#: → Czech; the first match wins, so the specific ones come first
SHOP_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), czech) for pattern, czech in (
        (r"invalid or duplicated sku|product_invalid_sku|duplicate_sku", "SKU už v e-shopu používá jiný produkt."),
        (r"does not have (read|write) permissions",
         "Klíč API nemá oprávnění Číst/Zapisovat; nastavte je klíči ve WooCommerce › Nastavení › Pokročilé › REST API."),
        (r"cannot create order refund|cannot_create_order_refund", "E-shop vrácení nevytvořil; zkuste to znovu."),
        (r"cannot create order note|cannot_create_order_note", "E-shop poznámku k objednávce neuložil; zkuste to znovu."),
        (r"sorry, you (cannot|are not allowed to)|_cannot_(view|edit|create|delete|batch|update)\b|rest_forbidden",
         "Klíč API nemá oprávnění k této akci (nastavte mu ve WooCommerce oprávnění Číst/Zapisovat)."),
        (r"consumer (key|secret) is invalid|invalid signature|invalid consumer|invalid timestamp|invalid nonce"
         r"|authentication_error|authentication_missing_parameter|not currently logged in|rest_not_logged_in",
         "E-shop odmítl klíč API (Consumer key / secret); zkontrolujte je v Nastavení › Připojení."),
        (r"refund amount must be greater than zero|invalid_order_refund\b", "Vrácená částka musí být větší než nula."),
        (r"unable to accept more than \d+ items|request_entity_too_large",
         "E-shop přijme v jednom požadavku méně položek; zmenšete velikost dávky v Nastavení."),
        (r"email.*(exists|registered)|already registered|customer_exists|cannot create existing resource",
         "Zákazník s tímto e-mailem už v e-shopu je."),
        (r"email address is invalid|customer_invalid_email", "E-mailová adresa zákazníka je neplatná."),
        (r"product id or sku is required|required_product_reference", "U položky chybí ID produktu nebo SKU."),
        (r"order item id provided is not associated|invalid_item_id", "Položka nepatří k této objednávce."),
        (r"customer id is invalid|invalid_customer_id", "Zákazník s tímto ID v e-shopu neexistuje."),
        (r"invalid (\w+ )*id\b|_invalid_(\w+_)*id\b|resource does not exist",
         "Záznam s tímto ID v e-shopu neexistuje."),
        (r"already been (deleted|trashed)|already_trashed", "Záznam už byl v e-shopu smazán."),
        (r"no route was found|rest_no_route", "E-shop nezná tuto adresu REST API; je WooCommerce zapnutý a aktuální?"),
        (r"invalid json body|rest_invalid_json", "E-shop nerozuměl odeslaným datům (neplatný JSON)."),
        (r"invalid parameter|rest_invalid_param", "E-shop odmítl hodnotu některého pole."),
        (r"missing parameter|rest_missing_callback_param", "E-shopu chybí povinné pole."),
        (r"cookie check failed|rest_cookie_invalid_nonce", "E-shop odmítl přihlášení (cookie); adaptér má používat klíč API."),
        (r"rest api is disabled|rest_disabled", "REST API e-shopu je vypnuté."),
        (r"too many requests|rate.?limit", "E-shop hlásí přetížení (příliš mnoho požadavků); zkuste to za chvíli."),
    )
)


def plural_form(count: int, one: str, few: str, many: str) -> str:
    """Only the Czech form for ``count``: ``one`` for 1, ``few`` for 2–4, ``many`` for 0 and 5+."""
    n = abs(count)
    return one if n == 1 else few if 2 <= n <= 4 else many


def plural(count: int, one: str, few: str, many: str) -> str:
    """``count`` with the Czech form: 1 objednávka, 2–4 objednávky, 0 and 5+ objednávek."""
    return f"{count} {plural_form(count, one, few, many)}"


def _grouped(whole: str) -> str:
    head = len(whole) % 3 or 3
    parts = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return NBSP.join(p for p in parts if p)


def money(value: Decimal | int | float | str | None, currency: str = "CZK") -> str:
    """``13 662,32 Kč``: haléře always, thousands grouped, the document's own currency."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "−" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    code = (currency or "CZK").upper()
    return f"{sign}{_grouped(whole)},{cents}{NBSP}{CURRENCY_SIGNS.get(code, code)}"


def number(value: Decimal | int | float | str | None) -> str:
    """A quantity as Czech writes it: ``1234.500`` → ``1 234,5`` (no trailing zeros, no currency)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "−" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    return f"{sign}{_grouped(whole)}" + (f",{fraction}" if fraction else "")


def pohoda_field(name: str) -> str:
    """A POHODA field by its Czech name: ``shipTo.zip`` → ``dodací adresa › PSČ`` (unknown parts as they are)."""
    return " › ".join(POHODA_WORDS.get(part, part) for part in name.split("."))


def vat_name(code: str) -> str:
    """``high`` → ``základní`` (an unknown code as it is)."""
    return VAT_NAMES.get(code, code)


def run_state(status: str) -> str:
    """``partial`` → ``s chybami`` (an unknown state as it is)."""
    return RUN_STATES.get(status, status)


def shop_status(status: str) -> str:
    """A WooCommerce status by its Czech name (an unknown one, e.g. a plugin's, as it is)."""
    bare = status.removeprefix("wc-")
    return SHOP_STATUSES.get(bare, bare)


def shop_error(message: str) -> str:
    """A common English error of the shop in Czech with the original beside it; Czech or unknown text unchanged."""
    text = message.strip()
    for pattern, czech in SHOP_ERRORS:
        if pattern.search(text):
            return f"{czech} (e-shop: {text})"
    return text


def sentence(text: str | None) -> str:
    """The message with a capital first letter (None or "" → ""); a name such as *mServer* stays as it is."""
    if not text:
        return ""
    first = text.split(maxsplit=1)[0]
    if any(ch.isupper() for ch in first[1:]):
        return text
    return text[:1].upper() + text[1:]
