"""Pairing on disk (ScratchPairing) gives exactly the rows of the in-memory rule (pair), in the same order."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.emulators.catalogue import generate
from adapter.records import Product, StockCard
from adapter.sync.pairing.match import PairRow, pair
from adapter.sync.pairing.stream import ScratchPairing


@pytest.fixture
def db(tmp_path: Path) -> Iterator[None]:
    ledger.init_db(tmp_path / "ledger.db")
    yield
    ledger.database.close()


def catalogue_listing(size: int) -> tuple[list[StockCard], list[Product]]:
    """The emulators' catalogue as POHODA lists it per warehouse and as the shop lists its products."""
    cat = generate(3, size)
    cards = [StockCard(id=c.id, code=c.code, name=c.name, ean=c.ean, store=store, is_internet=c.is_internet,
                       count=qty) for c in cat.cards for store, qty in c.stores]
    products = [Product(id=p.key, name=p.name, sku=p.sku, ean=p.ean, kind=p.kind, parent_id=p.parent_key,
                        regular_price=p.regular_price, stock_quantity=Decimal(p.stock), manage_stock=True)
                for p in cat.products]
    return cards, products


def tricky_listing() -> tuple[list[StockCard], list[Product]]:
    """Codes differing in case and spaces, EANs shared or unique, cards without code or store, no-SKU products."""
    cards = [
        StockCard(id=1, code="a-1", name="A", ean="111", store="HL", is_internet=False),
        StockCard(id=2, code=" A-1 ", name="A2", ean="111", store="PR", is_internet=True),
        StockCard(id=3, code="B", name="B", ean="222"),
        StockCard(id=4, code="C", name="C", ean="333"),
        StockCard(id=5, code="D", name="D", ean="333"),
        StockCard(id=6, code="", name="bez kódu"),
        StockCard(id=7, code="E", name="E", ean=" 444 "),
        StockCard(id=7, code="E", name="E", ean="444"),
        StockCard(id=8, code="f", name="f"),
        StockCard(id=9, code="F", name="F"),
    ]
    products = [
        Product(id=10, name="p", sku="a-1"),
        Product(id=11, name="p", sku="X", ean="222"),  # EAN fallback to B
        Product(id=12, name="p", sku="Y", ean="333"),  # EAN shared by C and D: no fallback
        Product(id=13, name="p", sku="", ean="444"),  # no SKU, EAN finds E
        Product(id=14, name="p", sku="B", ean="999"),  # EAN disagrees
        Product(id=15, name="p", sku="b"),  # duplicate SKU with 14 (case-insensitive)
        Product(id=16, name="p", sku="", kind="variable"),
        Product(id=17, name="p", sku="F"),
        Product(id=18, name="p", sku="  "),
    ]
    return cards, products


def _key(r: PairRow) -> tuple[Any, ...]:
    p, c = r.product, r.card
    return (r.status, p.id if p else None, r.code, r.matched_by, r.conflict,
            (c.code, c.id, c.name, c.ean, c.stores, c.is_internet, c.cards) if c else None)


def streamed(cards: list[StockCard], products: list[Product], **kw: bool) -> tuple[list[PairRow], ScratchPairing]:
    with ScratchPairing(case_sensitive=kw.get("case_sensitive", False), ean_fallback=kw.get("ean_fallback", False)) as s:
        s.add_cards(cards)
        s.add_products(products)
        rows = [item.row for item in s.rows()]
    return rows, s


@pytest.mark.parametrize("options", [{}, {"ean_fallback": True}, {"case_sensitive": True},
                                     {"case_sensitive": True, "ean_fallback": True}])
@pytest.mark.parametrize("listing", ["catalogue", "tricky"])
def test_streamed_rows_equal_the_rule(db: None, options: dict[str, bool], listing: str) -> None:
    cards, products = catalogue_listing(1500) if listing == "catalogue" else tricky_listing()
    expected = pair(cards, products, **options)
    rows, scratch = streamed(cards, products, **options)
    assert [_key(r) for r in rows] == [_key(r) for r in expected.rows]
    assert scratch.counts == expected.counts()
    assert scratch.cards == len(cards) and scratch.products == len(products)


def test_shuffled_listing_still_equal(db: None) -> None:
    cards, products = catalogue_listing(800)
    random.Random(5).shuffle(cards)
    expected = pair(cards, products, ean_fallback=True)
    rows, _scratch = streamed(cards, products, ean_fallback=True)
    assert [_key(r) for r in rows] == [_key(r) for r in expected.rows]


def test_code_stock_sums_counting_cards_and_keeps_the_first_ones_text(db: None) -> None:
    cards = [StockCard(id=1, code="A", name="A", store="HL", count=Decimal("2.5")),
             StockCard(id=2, code="a", name="A", store="X", count=Decimal(7)),
             StockCard(id=3, code="A", name="A", store="PR", count=Decimal(1))]

    def stock(card: StockCard, store: str) -> tuple[Decimal | None, str]:
        return (None, "") if store == "X" else (card.count, store)

    with ScratchPairing(case_sensitive=False, ean_fallback=False, card_stock=stock) as s:
        s.add_cards(cards)
        s.add_products([Product(id=1, name="p", sku="a")])
        (item, ) = list(s.rows())
    assert item.stock is not None
    assert (item.stock.counted, item.stock.quantity, item.stock.extra) == (2, Decimal("3.5"), "HL")
    assert item.row.card is not None and item.row.card.stores == ("HL", "X", "PR")
    assert s.multi_codes == {"A"}


def test_tables_are_dropped_afterwards(db: None) -> None:
    streamed(*tricky_listing())
    names = {r[0] for r in ledger.database.execute_sql("SELECT name FROM sqlite_temp_master WHERE type = 'table'")}
    assert not names & {"pair_card", "pair_product", "pair_info", "pair_ean"}
