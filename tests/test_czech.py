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
