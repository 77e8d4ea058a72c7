"""ČNB rates: the text format, the loopback download, the ledger cache, the fixed fallback, the hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from adapter import ledger
from adapter.config.eu import CurrencySettings
from adapter.records import Address, Order, OrderLine
from adapter.sync.currency.book import RateBook
from adapter.sync.currency.cnb import CnbError, parse
from adapter.sync.orders.mapping import MappingOptions, map_order
from tests.fixtures_eu import cnb_text

MAY4 = date(2026, 5, 4)


@pytest.fixture
def db(tmp_path: Any) -> Any:
    ledger.init_db(tmp_path / "ledger.db")
    yield
    ledger.database.close()


def test_parse_the_public_format() -> None:
    text = "04.05.2026 #85\nzemě|měna|množství|kód|kurz\nAustrálie|dolar|1|AUD|15,123\nMaďarsko|forint|100|HUF|6,321\n"
    file = parse(text)
    assert file.day == MAY4 and file.rates["AUD"].rate == Decimal("15.123")
    assert (file.rates["HUF"].amount, file.rates["HUF"].rate) == (100, Decimal("6.321"))
    for bad in ("", "<html>", "04.05.2026 #85\nhlavička\nA|b|x|EUR|1,0", "04.05.2026 #85\nh\nA|b|1|EUR"):
        with pytest.raises(CnbError):
            parse(bad)


def test_download_once_per_day_cached_in_the_ledger(db: None, cnb_server: tuple[str, dict[str, Any]]) -> None:
    url, state = cnb_server
    state["files"][date(2026, 5, 1)] = cnb_text(date(2026, 5, 1), {"EUR": (1, "24,410"), "HUF": (100, "6,321")})
    book = RateBook(CurrencySettings(source="cnb", cnb_url=url), today=lambda: date(2026, 5, 10))
    # Sunday 3 May: the file of Friday 1 May applies
    assert book("EUR", date(2026, 5, 3)) == (Decimal("24.410"), 1)
    assert book("HUF", date(2026, 5, 3)) == (Decimal("6.321"), 100)
    assert state["requests"] == [date(2026, 5, 3)]
    fresh = RateBook(CurrencySettings(source="cnb", cnb_url=url), today=lambda: date(2026, 5, 10))
    state["down"] = True
    assert fresh("EUR", date(2026, 5, 3)) == (Decimal("24.410"), 1)  # from the ledger, no request
    assert state["requests"] == [date(2026, 5, 3)]
    assert fresh("USD", date(2026, 5, 3)) is None  # the day is cached and has no USD: no second request
    assert state["requests"] == [date(2026, 5, 3)]


def test_today_before_publication_is_not_cached(db: None, cnb_server: tuple[str, dict[str, Any]]) -> None:
    url, state = cnb_server
    state["files"][date(2026, 5, 1)] = cnb_text(date(2026, 5, 1), {"EUR": (1, "24,410")})
    settings = CurrencySettings(source="cnb", cnb_url=url)
    assert RateBook(settings, today=lambda: MAY4)("EUR", MAY4) == (Decimal("24.410"), 1)
    state["files"][MAY4] = cnb_text(MAY4, {"EUR": (1, "24,350")})
    assert RateBook(settings, today=lambda: MAY4)("EUR", MAY4) == (Decimal("24.350"), 1)


def test_offline_falls_back_to_the_fixed_rate_then_holds(db: None, cnb_server: tuple[str, dict[str, Any]]) -> None:
    url, state = cnb_server
    state["down"] = True
    book = RateBook(CurrencySettings(source="cnb", cnb_url=url, fixed_rates={"EUR": "25.00"}), today=lambda: MAY4)
    assert book("EUR", MAY4) == (Decimal("25.00"), 1) and MAY4 in book.failures
    assert RateBook(CurrencySettings(source="fixed", cnb_url=url, fixed_rates={"EUR": "25.1"}))("EUR", MAY4) == (
        Decimal("25.1"), 1)
    assert len(state["requests"]) == 1  # "fixed" never asks ČNB
    order = _eur_order()
    held = map_order(order, {"A": "A"}, MappingOptions(rate_lookup=RateBook(CurrencySettings(cnb_url=url))))
    assert not held.ok and held.problems[0].kind == "rate" and "chybí kurz" in held.reason()
    assert "[currency] fixed_rates" in held.reason()


def test_the_order_gets_the_rate_of_its_date(db: None, cnb_server: tuple[str, dict[str, Any]]) -> None:
    url, state = cnb_server
    state["files"][MAY4] = cnb_text(MAY4, {"EUR": (1, "24,350")})
    opts = MappingOptions(rate_lookup=RateBook(CurrencySettings(cnb_url=url), today=lambda: date(2026, 6, 1)))
    mapped = map_order(_eur_order(), {"A": "A"}, opts)
    assert mapped.ok and mapped.doc is not None
    assert (mapped.doc.currency, mapped.doc.rate, mapped.doc.amount) == ("EUR", Decimal("24.350"), 1)


def _eur_order() -> Order:
    moment = datetime(2026, 5, 4, 9, tzinfo=UTC)
    line = OrderLine(kind="product", name="Zboží", quantity=Decimal(2), unit_price=Decimal("10"),
                     unit_price_incl=Decimal("12.10"), total=Decimal("20"), total_tax=Decimal("4.20"),
                     tax_rate=Decimal(21), sku="A")
    return Order(id=7, number="7", status="completed", currency="EUR", created=moment, modified=moment,
                 total=Decimal("24.20"), total_tax=Decimal("4.20"), prices_include_tax=False, lines=(line,),
                 billing=Address(name="Jan", street="Dlouhá 1", city="Praha", country="CZ"), shipping=Address())
