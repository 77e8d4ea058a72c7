"""Czech wording: plurals, one money format, VAT rate and shop status names, the shop's English translated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter.czech import NBSP, money, plural, sentence, shop_error, shop_status, vat_name


@pytest.mark.parametrize(("n", "text"), [(0, "0 objednávek"), (1, "1 objednávka"), (2, "2 objednávky"),
                                         (4, "4 objednávky"), (5, "5 objednávek"), (22, "22 objednávek")])
def test_plural_forms(n: int, text: str) -> None:
    assert plural(n, "objednávka", "objednávky", "objednávek") == text


def test_one_money_format() -> None:
    assert money(Decimal("13662.32")) == f"13{NBSP}662,32{NBSP}Kč"
    assert money(Decimal("1234567.5"), "EUR") == f"1{NBSP}234{NBSP}567,50{NBSP}€"
    assert money(Decimal("-0.4")) == f"−0,40{NBSP}Kč"
    assert money(12, "huf") == f"12,00{NBSP}HUF"
    assert money(Decimal("999.995")) == f"1{NBSP}000,00{NBSP}Kč"
    assert money(None) == ""


def test_names() -> None:
    assert [vat_name(c) for c in ("high", "low", "none")] == ["základní", "snížená", "nulová"]
    assert shop_status("processing") == "Zpracovává se" and shop_status("wc-completed") == "Dokončeno"
    assert shop_status("moje-stav") == "moje-stav"
    assert sentence("chyba spojení") == "Chyba spojení"


def test_shop_errors_are_translated_with_the_original_kept() -> None:
    text = shop_error("Invalid or duplicated SKU.")
    assert text.startswith("SKU už v e-shopu používá jiný produkt.") and "(e-shop: Invalid or duplicated SKU.)" in text
    assert shop_error("Zásoba neexistuje.") == "Zásoba neexistuje."


#: what WooCommerce 10.0.2's REST controllers and authentication actually send (code, English message)
WOO_10_ERRORS = [
    ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."),
    ("woocommerce_rest_authentication_error", "Consumer key is invalid."),
    ("woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match."),
    ("woocommerce_rest_authentication_error", "The API key provided does not have write permissions."),
    ("woocommerce_rest_product_invalid_id", "Invalid product ID."),
    ("woocommerce_rest_order_invalid_id", "Invalid order ID."),
    ("woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero."),
    ("woocommerce_api_cannot_create_order_note", "Cannot create order note, please try again."),
    ("woocommerce_rest_request_entity_too_large", "Unable to accept more than 100 items for this request."),
    ("woocommerce_rest_customer_invalid_email", "Email address is invalid."),
    ("registration-error-email-exists", "An account is already registered with your email address. Please log in."),
    ("product_invalid_sku", "Invalid or duplicated SKU."),
    ("rest_no_route", "No route was found matching the URL and request method."),
    ("rest_invalid_param", "Invalid parameter(s): status"),
    ("rest_missing_callback_param", "Missing parameter(s): id"),
    ("rest_forbidden", "Sorry, you are not allowed to do that."),
]


@pytest.mark.parametrize(("code", "english"), WOO_10_ERRORS)
def test_every_common_woocommerce_error_is_said_in_czech(code: str, english: str) -> None:
    text = shop_error(english)
    assert text != english and text.endswith(f"(e-shop: {english})"), text
    czech_part = text.removesuffix(f" (e-shop: {english})")
    assert czech_part[:1].isupper() and not any(word in czech_part.lower() for word in ("sorry", "invalid", "resource"))
    bare = shop_error(code)  # a bare code (no message) is said in Czech too
    assert bare != code and bare[:1].isupper() and bare.endswith(f"(e-shop: {code})"), bare


def test_write_permission_is_told_apart_from_a_wrong_key() -> None:
    assert "Číst/Zapisovat" in shop_error("The API key provided does not have write permissions.")
    assert "odmítl klíč API" in shop_error("Consumer secret is invalid.")


def test_run_states_and_plural_forms() -> None:
    from adapter.czech import plural_form, run_state

    assert run_state("partial") == "s chybami" and run_state("failed") == "selhal" and run_state("x") == "x"
    assert [plural_form(n, "chyba", "chyby", "chyb") for n in (0, 1, 3, 5)] == ["chyb", "chyba", "chyby", "chyb"]
    assert sentence(None) == "" and sentence("") == ""
    assert sentence("mServer neběží") == "mServer neběží" and sentence("e-shop neodpovídá") == "E-shop neodpovídá"


def test_quantities_in_czech() -> None:
    from adapter.czech import number

    assert number(Decimal("1234.500")) == f"1{NBSP}234,5" and number(Decimal("2")) == "2" and number(None) == ""
    assert number(Decimal("-0.25")) == "−0,25" and number("x") == "x" and number(Decimal("1E+3")) == f"1{NBSP}000"


def test_pohoda_fields_by_their_czech_names() -> None:
    from adapter.czech import pohoda_field
    from adapter.pohoda.text import fit

    assert pohoda_field("shipTo.zip") == "dodací adresa › PSČ" and pohoda_field("note") == "poznámka"
    assert pohoda_field("neznamy") == "neznamy"
    assert fit("😀", "note")[1] == ("poznámka: znaky, které POHODA neumí uložit, byly nahrazeny („😀“ → „?“)",)
