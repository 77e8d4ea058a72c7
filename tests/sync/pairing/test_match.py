"""Pairing rules: SKU = code, case option, EAN fallback, every kind of conflict."""

from __future__ import annotations

from decimal import Decimal

from adapter.emulators.catalogue import generate
from adapter.records import Product, StockCard
from adapter.sync.pairing.match import pair


def card(code, store="HLAVNI", ean="", id_=1, internet=True):
    return StockCard(id=id_, code=code, name=f"Karta {code}", ean=ean, store=store, is_internet=internet)


def product(id_, sku, ean="", kind="simple", parent=None):
    return Product(id=id_, name=f"Produkt {id_}", sku=sku, ean=ean, kind=kind, parent_id=parent)


def test_sku_pairs_code_trimmed_and_case_insensitive_by_default():
    res = pair([card("ABC-1")], [product(1, " abc-1 ")])
    assert [r.status for r in res.rows] == ["paired"]
    assert res.code_for(product_id=1) == "ABC-1"
    assert res.code_for(sku="Abc-1") == "ABC-1"


def test_case_sensitive_option_keeps_them_apart():
    res = pair([card("ABC-1")], [product(1, "abc-1")], case_sensitive=True)
    assert sorted(r.status for r in res.rows) == ["eshop_only", "pohoda_only"]
    assert res.code_for(product_id=1) is None


def test_ean_fallback_only_when_enabled_and_unique():
    cards = [card("X1", ean="2000000000015", id_=1), card("X2", ean="2000000000022", id_=2)]
    products = [product(1, "UNKNOWN", ean="2000000000015")]
    assert pair(cards, products).code_for(product_id=1) is None
    res = pair(cards, products, ean_fallback=True)
    row = next(r for r in res.rows if r.product)
    assert (row.status, row.code, row.matched_by) == ("paired", "X1", "ean")


def test_conflicts_duplicate_sku_multi_store_ean_and_missing_sku():
    cards = [card("A", ean="111"), card("B", store="HLAVNI", id_=2), card("B", store="PRODEJNA", id_=2)]
    products = [
        product(1, "A", ean="222"),  # EAN disagrees
        product(2, "B"),  # in two stores
        product(3, "A"),  # duplicate SKU with product 1
        product(4, ""),  # no SKU
        product(5, "", kind="variable"),  # parent: ignored
        product(6, "B-RED", parent=5, kind="variation"),  # unknown variation SKU
    ]
    res = pair(cards, products)
    rows = {r.product.id: r for r in res.rows if r.product}
    assert 5 not in rows
    assert rows[1].status == "conflict" and "EAN nesouhlasí" in rows[1].conflict and "2 produktů" in rows[1].conflict
    assert rows[2].status == "conflict" and "více skladech" in rows[2].conflict and rows[2].code == "B"
    assert rows[3].code == "A"  # still resolvable for orders and stock
    assert rows[4].status == "conflict" and rows[4].code is None
    assert rows[6].status == "eshop_only"
    assert res.counts() == {"paired": 0, "conflict": 4, "eshop_only": 1, "pohoda_only": 0}


def test_counts_match_the_shared_catalogue_seed():
    cat = generate(3, 2000)
    cards = [
        StockCard(id=c.id, code=c.code, name=c.name, ean=c.ean, store=s, count=q, is_internet=c.is_internet)
        for c in cat.cards
        for s, q in c.stores
    ]
    products = [
        Product(id=p.key, name=p.name, sku=p.sku, ean=p.ean, kind=p.kind, regular_price=Decimal(p.regular_price))
        for p in cat.products
    ]
    res = pair(cards, products)
    counts = res.counts()
    exp = cat.expected
    assert counts["pohoda_only"] == exp.pohoda_only
    assert counts["eshop_only"] == exp.shop_unknown
    paired_products = sum(1 for r in res.rows if r.product and r.code)
    non_parent = sum(1 for p in cat.products if p.kind != "variable")
    assert paired_products == non_parent - exp.shop_unknown - exp.shop_no_sku
    assert len({r.code for r in res.rows if r.product and r.code}) == exp.paired_codes


def test_same_code_on_two_cards_without_store_filter_is_a_multi_store_conflict():
    # a listing without ftr:store cannot name the warehouse; two card ids with one code mean two warehouses
    res = pair([card("Q", store="", id_=10), card("Q", store="", id_=11)], [product(1, "Q")])
    row = next(r for r in res.rows if r.product)
    assert row.status == "conflict"
    assert "2 karty" in row.conflict
    assert row.code == "Q"
