"""Stock job end to end: the real job against both emulators over real sockets.

Both emulators are seeded from the same catalogue (same seed and size), so
the expected pairing and quantities come from ``catalogue.generate``.
``StockEnv`` is shared with the other stock/pairing/products test modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import EshopSettings, PohodaSettings, Settings, StockSettings
from adapter.emulators import catalogue
from adapter.ledger.pairing import paired_product_ids
from adapter.records import ZERO, StockUpdate
from adapter.sync.connections import DefaultConnections
from adapter.sync.pairing.queries import status_counts
from adapter.sync.runner import JobRunner
from adapter.sync.stock.mapping import Desired, desired_for, shop_price, vat_percents


@dataclass
class StockEnv:
    """Both emulators seeded alike, settings pointing at them, a runner and the ledger."""

    mserver: Any
    woo: Any
    settings: Settings
    size: int

    @property
    def catalogue(self) -> catalogue.Catalogue:
        return catalogue.generate(1, self.size)

    def runner(self, **changes: Any) -> JobRunner:
        settings = self.with_stock(**changes) if changes else self.settings
        return JobRunner(lambda: settings, DefaultConnections())

    def with_stock(self, **changes: Any) -> Settings:
        return replace(self.settings, stock=replace(self.settings.stock, **changes))

    def run(self, agenda: str = "stock", *, full: bool = False, settings: Settings | None = None,
            **kw: Any) -> ledger.Run:
        settings = settings or self.settings
        runner = JobRunner(lambda: settings, DefaultConnections())
        run, created = runner.run_inline(agenda, "cli", full=full, **kw)
        assert created
        return run

    def shop_qty(self, sku: str) -> Decimal:
        doc = self.woo.product_by_sku(sku)
        return Decimal(str(doc["stock_quantity"]))

    def simple_codes(self, n: int) -> list[str]:
        """Codes of single-warehouse cards sold as simple products (one batch call for all)."""
        simple = {p.sku for p in self.catalogue.products if p.kind == "simple" and p.role == "paired"}
        dup = set(self.catalogue.duplicate_skus)
        return [c.code for c in self.catalogue.cards
                if len(c.stores) == 1 and c.code in simple and c.code not in dup][:n]


def make_env(tmp_path: Path, mserver_factory: Callable[..., Any], woo_factory: Callable[..., Any], size: int,
             **stock: Any) -> StockEnv:
    """Seed both emulators with ``size`` cards and open a fresh ledger."""
    m = mserver_factory(seed_stock=size)
    w = woo_factory(seed_products=size)
    settings = Settings(
        data_dir=tmp_path / "adapter",
        pohoda=PohodaSettings(url=m.url, user="admin", password="heslo", ico="12345678"),
        eshop=EshopSettings(url=w.url, consumer_key="ck_test", consumer_secret="cs_test"),
        stock=StockSettings(**stock),
    )
    ledger.init_db(settings.data_dir / "ledger.db")
    return StockEnv(m, w, settings, size)


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Callable[..., Any], woo_factory: Callable[..., Any]) -> StockEnv:
    """600 cards on both sides."""
    return make_env(tmp_path, mserver_factory, woo_factory, 600)


def expected_counts(cat: catalogue.Catalogue) -> dict[str, int]:
    """What the pairing report must show for a seeded catalogue."""
    exp = cat.expected
    items = [p for p in cat.products if p.kind != "variable"]
    return {"eshop_only": exp.shop_unknown, "pohoda_only": exp.pohoda_only,
            "products": len(items), "with_code": sum(1 for p in items if p.pohoda_code)}


# --------------------------------------------------------------------------- pure logic


def test_desired_sums_clamps_and_converts_prices() -> None:
    from adapter.records import PriceLevel, StockCard

    a = StockCard(id=1, code="A", name="a", store="HLAVNI", count=Decimal(5), reservation=Decimal(2),
                  selling_price=Decimal("100"), vat_rate="high", is_internet=True,
                  price_levels=(PriceLevel("Velkoobchod", Decimal("80")),), action_price=Decimal("90"))
    b = replace(a, id=2, store="PRODEJNA", count=Decimal(-7), reservation=ZERO, is_internet=False)
    percents = vat_percents(Settings(data_dir=Path(".")))
    opts = StockSettings()
    assert desired_for([a, b], opts, percents) == Desired(Decimal(0))  # 3 + (−7) → 0
    assert desired_for([a, b], replace(opts, stores=("HLAVNI",)), percents) == Desired(Decimal(3))
    assert desired_for([a, b], replace(opts, quantity="physical", stores=("HLAVNI",)), percents).quantity == 5
    assert desired_for([b], replace(opts, internet_only=True), percents) is None
    priced = desired_for([a], replace(opts, push_prices=True, action_prices=True), percents)
    assert priced == Desired(Decimal(3), Decimal("121.00"), Decimal("108.90"), False)
    level = desired_for([a], replace(opts, push_prices=True, price_level="velkoobchod", price_includes_vat=False),
                        percents)
    assert level.regular_price == Decimal("80.00")
    assert desired_for([replace(a, action_price=None)], replace(opts, push_prices=True, action_prices=True),
                       percents).clear_sale
    assert shop_price(Decimal("121"), includes_vat=True, percent=Decimal(21), want_vat=False) == Decimal("100.00")
    assert Desired(Decimal(3)).hash != Desired(Decimal(4)).hash
    assert Desired(Decimal("3.0")).hash == Desired(Decimal(3)).hash


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_5000_cards_full_then_37_changes_then_nothing(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> None:
    env = make_env(tmp_path, mserver_factory, woo_factory, 5000)
    cat = env.catalogue
    first = env.run(full=True)
    assert first.status == "ok", first.message
    # the seed makes both sides agree: nothing to push, everything remembered
    assert env.woo.stats()["write_calls"] == 0
    counts = status_counts()
    want = expected_counts(cat)
    assert counts["eshop_only"] == want["eshop_only"]
    assert counts["pohoda_only"] == want["pohoda_only"]
    assert counts["paired"] + counts["conflict"] + counts["eshop_only"] == want["products"]
    assert 4700 <= counts["paired"] <= 4900
    assert len(paired_product_ids()) == want["with_code"]

    codes = env.simple_codes(37)
    assert len(codes) == 37
    for n, code in enumerate(codes):
        env.mserver.set_stock(code, Decimal(500 + n))
    env.woo.reset_stats()
    second = env.run()
    assert second.status == "ok", second.message
    stats = env.woo.stats()
    assert stats["batch_items"] == 37
    assert stats["write_calls"] == 1  # all simple products: one batch call
    assert second.ok_count == 37
    for n, code in enumerate(codes):
        assert env.shop_qty(code) == 500 + n

    env.woo.reset_stats()
    third = env.run()
    assert third.status == "ok"
    assert env.woo.stats()["write_calls"] == 0
    assert third.ok_count == 0


def test_incremental_pushes_only_changes_and_records_ledger(env: StockEnv) -> None:
    assert env.run(full=True).status == "ok"
    codes = env.simple_codes(5)
    for code in codes:
        env.mserver.set_stock(code, Decimal(77))
    env.woo.reset_stats()
    run = env.run()
    assert run.ok_count == 5 and env.woo.stats()["batch_items"] == 5
    entry = ledger.get_entry("stock", str(env.woo.product_by_sku(codes[0])["id"]))
    assert entry is not None and entry.state == "ok" and entry.pohoda_number == codes[0]
    assert '"množství": "77"' in entry.details
    assert ledger.get_checkpoint("stock").cursor
    env.woo.reset_stats()
    assert env.run().ok_count == 0
    assert env.woo.stats()["write_calls"] == 0


def test_preview_writes_nothing(env: StockEnv) -> None:
    env.run(full=True)
    code = env.simple_codes(1)[0]
    env.mserver.set_stock(code, Decimal(3))
    env.woo.reset_stats()
    cursor = ledger.get_checkpoint("stock").cursor
    run = env.run(dry_run=True)
    assert run.status == "ok" and env.woo.stats()["write_calls"] == 0
    events = ledger.run_events(run.id, state="preview")
    assert [e.label for e in events] == [f"SKU {code}"] and "množství 3" in events[0].message
    assert ledger.get_checkpoint("stock").cursor == cursor
    assert env.run().ok_count == 1


def _reserve(env: StockEnv, code: str, quantity: int) -> None:
    """A received order with isReserved raises the card's reservation (as in POHODA)."""
    from datetime import date

    from adapter.pohoda.client import MServerClient
    from adapter.pohoda.envelope import build_pack
    from adapter.pohoda.orders import order_item
    from adapter.records import Address, DocLine, OrderDoc

    doc = OrderDoc(key=f"R-{code}", number_order=f"R-{code}", date=date.today(), partner=Address(name="Jan Novák"),
                   lines=(DocLine(text=code, quantity=Decimal(quantity), unit_price=Decimal(10), stock_code=code),),
                   is_reserved=True)
    p = env.settings.pohoda
    with MServerClient(p.url, p.user, p.password, p.ico) as client:
        result = client.send(build_pack([order_item(doc)], ico=p.ico, pack_id=f"res-{code}"))
    assert all(item.ok for item in result.items), result


def test_available_versus_physical(env: StockEnv) -> None:
    env.run(full=True)
    code = env.simple_codes(1)[0]
    env.mserver.set_stock(code, Decimal(20))
    _reserve(env, code, 8)
    assert env.run().ok_count == 1
    assert env.shop_qty(code) == 12  # available = 20 − 8
    physical = env.with_stock(quantity="physical")
    assert env.run(settings=physical, full=True).ok_count == 1
    assert env.shop_qty(code) == 20


def test_multi_warehouse_sum_and_per_store_change(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> None:
    env = make_env(tmp_path, mserver_factory, woo_factory, 600, stores=("HLAVNI", "PRODEJNA"))
    card = next(c for c in env.catalogue.cards if dict(c.stores).keys() == {"HLAVNI", "PRODEJNA"}
                and c.code not in env.catalogue.duplicate_skus)
    env.mserver.set_stock(card.code, Decimal(10), store="HLAVNI")
    env.mserver.set_stock(card.code, Decimal(4), store="PRODEJNA")
    only_main = next(c for c in env.catalogue.cards if dict(c.stores).keys() == {"EXPEDICE"} and c.in_shop
                     and c.code in {p.sku for p in env.catalogue.products if p.kind == "simple"})
    assert env.run(full=True).status == "ok"
    assert env.shop_qty(card.code) == 14
    # a card only in a warehouse that is not chosen is not part of the pairing: the product is left alone
    row = ledger.Pairing.get(ledger.Pairing.sku == only_main.code)
    assert row.status == "eshop_only"
    env.mserver.set_stock(card.code, Decimal(1), store="PRODEJNA")
    env.woo.reset_stats()
    run = env.run()
    assert run.ok_count == 1 and env.woo.stats()["batch_items"] == 1
    assert env.shop_qty(card.code) == 11  # the unchanged HLAVNI card was re-read, not forgotten


def test_prices_from_price_level_without_vat(env: StockEnv) -> None:
    card = next(c for c in env.catalogue.cards if c.id % 5 == 0 and c.in_shop and len(c.stores) == 1
                and c.code in env.simple_codes(600))
    settings = env.with_stock(push_prices=True, price_level="Velkoobchod", price_includes_vat=True)
    run = env.run(settings=settings, full=True)
    assert run.status == "ok", run.message
    level = (card.price_excl * Decimal("0.9")).quantize(Decimal("0.01"))
    rate = {"high": Decimal("1.21"), "low": Decimal("1.12"), "none": Decimal(1)}[card.vat_rate]
    doc = env.woo.product_by_sku(card.code)
    assert Decimal(doc["regular_price"]) == (level * rate).quantize(Decimal("0.01"))
    other = next(c for c in env.catalogue.cards if c.id % 5 == 1 and c.code in env.simple_codes(600))
    assert Decimal(env.woo.product_by_sku(other.code)["regular_price"]) == other.price_incl  # unchanged
    env.woo.reset_stats()
    assert env.run(settings=settings).ok_count == 0
    assert env.woo.stats()["write_calls"] == 0


def test_full_run_catches_vanished_card_and_shop_drift(env: StockEnv) -> None:
    env.run(full=True)
    gone, drift = env.simple_codes(2)
    with env.mserver.store.transaction() as conn:  # a user deleted the card in POHODA
        conn.execute("DELETE FROM stock WHERE code = ?", (gone,))
    right = env.shop_qty(drift)
    product = env.woo.product_by_sku(drift)
    shop = DefaultConnections().eshop(env.settings)  # someone edits the quantity in the shop
    shop.update_stock([StockUpdate(product_id=product["id"], quantity=right + 5)])
    shop.close()
    run = env.run(full=True)
    assert run.status == "ok", run.message
    assert env.shop_qty(gone) == 0
    warnings = ledger.run_events(run.id, state="warning")
    assert any(gone in w.message for w in warnings)
    assert ledger.get_entry("stock", str(env.woo.product_by_sku(gone)["id"])).state == "skipped"
    assert env.shop_qty(drift) == right  # POHODA is the master
    env.woo.reset_stats()
    again = env.run(full=True)
    assert env.woo.stats()["write_calls"] == 0 and not ledger.run_events(again.id, state="warning")
