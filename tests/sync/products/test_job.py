"""Products job end to end: e-shop products become POHODA stock cards (and one receipt, once)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import ProductsSettings
from adapter.records import Product
from adapter.sync.pairing.queries import status_counts
from adapter.sync.products.mapping import card_doc, vat_rate_for
from tests.sync.stock.test_job import StockEnv, make_env


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> StockEnv:
    env = make_env(tmp_path, mserver_factory, woo_factory, 400)
    env.settings = replace(env.settings, products=ProductsSettings(
        initial_quantity=True, storage="Zboží/Kuchyně", price_type="SK"))
    return env


def test_card_doc_maps_tax_class_price_and_flags() -> None:
    product = Product(id=7, name=" Čaj Earl Grey ", sku=" CAJ-1 ", ean="8590000000001", tax_class="reduced-rate",
                      regular_price=Decimal("99.9"))
    doc, warnings = card_doc(product, ProductsSettings(unit="bal"))
    assert (doc.code, doc.name, doc.vat_rate, doc.selling_price, doc.unit) == ("CAJ-1", "Čaj Earl Grey", "low",
                                                                              Decimal("99.90"), "bal")
    assert doc.price_includes_vat and doc.is_internet and not warnings
    assert vat_rate_for("zero-rate")[0] == "none" and vat_rate_for("")[0] == "high"
    assert vat_rate_for("luxus")[1]


def test_creates_exactly_the_selected_cards_and_one_receipt(env: StockEnv, assert_valid_datapack: Any) -> None:
    cat = env.catalogue
    chosen = [env.woo.product_by_sku(sku) for sku in cat.unknown_skus[:2]]
    left_out = env.woo.product_by_sku(cat.unknown_skus[2])
    before = {c.code for c in env.mserver.stock_cards()}
    run = env.run("products", settings=env.settings, options={"keys": [str(p["id"]) for p in chosen]})
    assert run.status == "ok", run.message
    rows_after = len(env.mserver.stock_cards())
    after = {c.code: c for c in env.mserver.stock_cards()}
    assert set(after) - before == {p["sku"] for p in chosen}
    card = after[chosen[0]["sku"]]
    assert card.vat_rate == "low" and card.is_internet and card.selling_price == Decimal(chosen[0]["regular_price"])
    assert card.count == Decimal(chosen[0]["stock_quantity"])  # the receipt raised it
    assert left_out["sku"] not in after
    receipts = env.mserver.receipts()
    assert len(receipts) == 1 and len(receipts[0].lines) == sum(1 for p in chosen if p["stock_quantity"])
    entry = ledger.get_entry("products", str(chosen[0]["id"]))
    assert entry.state == "ok" and entry.sent_xml
    assert ledger.get_entry("products_receipt", str(chosen[0]["id"])).state == "ok"
    # every pack the job sent was valid (the emulator validates them); the item XML too
    assert env.mserver.stats()["pack_errors"] == 0
    from adapter.pohoda.envelope import build_pack
    from adapter.pohoda.stock import stock_item

    doc, _ = card_doc(Product(id=1, name="x", sku="X-1"), env.settings.products)
    assert_valid_datapack(build_pack([stock_item(doc, type_price="SK")], ico="12345678", pack_id="p").xml)

    # the pairing is refreshed: they are paired now, so a second run creates nothing and sends no receipt
    again = env.run("products", settings=env.settings, options={"keys": [str(p["id"]) for p in chosen]})
    assert again.status == "ok" and again.ok_count == 0
    assert len(env.mserver.receipts()) == 1
    assert len(env.mserver.stock_cards()) == rows_after
    assert status_counts()["eshop_only"] == cat.expected.shop_unknown - 2


def test_default_scope_is_every_eshop_only_product(env: StockEnv) -> None:
    cat = env.catalogue
    run = env.run("products", settings=env.settings)
    assert run.status == "ok", run.message
    assert run.ok_count == cat.expected.shop_unknown
    codes = {c.code for c in env.mserver.stock_cards()}
    assert set(cat.unknown_skus) <= codes
    held = ledger.run_events(run.id, state="held")
    assert held == []  # products without SKU are conflicts, not e-shop-only: nothing to hold
    second = env.run("products", settings=env.settings)
    assert second.ok_count == 0 and len(env.mserver.receipts()) == 1


def test_selected_product_without_sku_is_held_with_reason(env: StockEnv) -> None:
    no_sku = next(p for p in env.woo.products() if not p["sku"] and p["type"] == "simple")
    run = env.run("products", settings=env.settings, options={"keys": [str(no_sku["id"])]})
    events = ledger.run_events(run.id, state="held")
    assert run.held_count == 1 and "nemá SKU" in events[0].message
