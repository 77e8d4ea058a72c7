"""Shop drift after the adapter's own writes: what the ledger explains is not re-read, real drift always is.

The shop moves the modified date of every product the adapter writes, so the
run after a full run lists them all as changed. A product whose values are
exactly what the ledger says was pushed last is not drift; everything else is
compared with POHODA. The property tests prove that a match can never be
false, for every combination of the price settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter import ledger
from adapter.config import StockSettings
from adapter.ledger.stock import links_by_codes
from adapter.records import Product
from adapter.sync.connections import DefaultConnections
from adapter.sync.pairing import store
from adapter.sync.pairing.store import PAIRING_CHECKPOINT, targets_for_codes, targets_for_products
from adapter.sync.stock.incremental import drifted
from adapter.sync.stock.mapping import Desired, shop_matches, shown_desired
from tests.sync.stock.test_job import StockEnv, make_env

# --------------------------------------------------------------------------- the match can never be false

MONEY = st.one_of(st.none(), st.sampled_from([Decimal("0"), Decimal("0.00"), Decimal("99.90"), Decimal("99.9"),
                                               Decimal("100"), Decimal("121.00"), Decimal("-1")]))
QUANTITY = st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal("0.0"), Decimal(3), Decimal("3.000"),
                                                 Decimal("3.5"), Decimal(-2), Decimal(7)]))
OPTS = st.builds(lambda prices, action, level: replace(StockSettings(), push_prices=prices, action_prices=action,
                                                       price_level=level),
                 st.booleans(), st.booleans(), st.sampled_from(["", "Velkoobchod"]))
PRODUCTS = st.builds(lambda q, manage, regular, sale: Product(id=1, name="", manage_stock=manage, stock_quantity=q,
                                                              regular_price=regular, sale_price=sale),
                     QUANTITY, st.booleans(), MONEY, MONEY)
PUSHED = st.builds(lambda q, regular, sale, clear: Desired(q, regular, sale, clear),
                   st.sampled_from([Decimal(0), Decimal(3), Decimal(7), Decimal("3.5")]), MONEY, MONEY, st.booleans())


@settings(max_examples=3000, deadline=None)
@given(product=PRODUCTS, opts=OPTS, pushed=PUSHED)
def test_a_ledger_hash_the_shop_shows_is_only_ever_what_it_really_shows(product: Product, opts: StockSettings,
                                                                        pushed: Desired) -> None:
    shown = shown_desired(product, opts)
    assert all(shop_matches(product, d) for d in shown)
    if pushed.hash in {d.hash for d in shown}:  # "not drift" …
        assert shop_matches(product, pushed)  # … only when the shop shows exactly what was pushed


def _written(before: Product, pushed: Desired) -> Product:
    """The product as the shop stores it after the adapter's write (the batch payload's rules)."""
    return replace(before, manage_stock=True, stock_quantity=pushed.quantity,
                   regular_price=pushed.regular_price if pushed.regular_price is not None else before.regular_price,
                   sale_price=None if pushed.clear_sale else (pushed.sale_price if pushed.sale_price is not None
                                                              else before.sale_price))


@settings(max_examples=1000, deadline=None)
@given(before=PRODUCTS, opts=OPTS, quantity=st.sampled_from([Decimal(0), Decimal(4), Decimal(250)]),
       regular=st.one_of(st.none(), st.sampled_from([Decimal("99.90"), Decimal("121.00")])),
       sale=st.one_of(st.none(), st.sampled_from([Decimal("80.00"), Decimal("1.00")])))
def test_what_the_adapter_wrote_is_recognised(before: Product, opts: StockSettings, quantity: Decimal,
                                             regular: Decimal | None, sale: Decimal | None) -> None:
    # the shapes desired_from gives under these settings
    if not opts.push_prices:
        pushed = Desired(quantity)
    else:
        pushed = Desired(quantity, regular, sale if opts.action_prices else None, opts.action_prices and sale is None)
    assert pushed.hash in {d.hash for d in shown_desired(_written(before, pushed), opts)}


def test_the_settings_table() -> None:
    shop = Product(id=1, name="", manage_stock=True, stock_quantity=Decimal(5), regular_price=Decimal("100.00"),
                   sale_price=Decimal("80.00"))
    plain = StockSettings()
    prices = replace(plain, push_prices=True)
    action = replace(prices, action_prices=True)
    assert shown_desired(shop, plain) == (Desired(Decimal(5)),)
    assert shown_desired(shop, prices) == (Desired(Decimal(5), Decimal("100.00")), Desired(Decimal(5)))
    assert shown_desired(shop, action) == (Desired(Decimal(5), Decimal("100.00"), Decimal("80.00")),
                                           Desired(Decimal(5), None, Decimal("80.00")))
    no_sale = replace(shop, sale_price=None)
    assert Desired(Decimal(5), Decimal("100.00"), None, True) in shown_desired(no_sale, action)
    assert shown_desired(replace(shop, manage_stock=False), plain) == ()
    assert shown_desired(replace(shop, stock_quantity=Decimal(-1)), plain) == ()  # the adapter never pushes that
    assert shown_desired(replace(shop, stock_quantity=Decimal("2.5")), plain) == ()


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Callable[..., Any], woo_factory: Callable[..., Any]) -> StockEnv:
    """600 cards on both sides."""
    return make_env(tmp_path, mserver_factory, woo_factory, 600)


def _every_count_differs(env: StockEnv) -> None:
    with env.mserver.store.transaction() as conn:  # the first full run writes nearly every product
        conn.execute("UPDATE stock SET count = CAST(count AS INTEGER) + 1")


def test_the_run_after_a_full_run_reads_nothing_more_and_writes_nothing(env: StockEnv) -> None:
    _every_count_differs(env)
    first = env.run(full=True)
    assert first.status == "ok" and first.ok_count > 400, first.message
    pohoda = env.mserver.stats()["requests"]
    env.woo.reset_stats()
    after = env.run()
    assert after.status == "ok", after.message
    report = after.report_dict()
    assert report["změněných produktů v e-shopu"] > 500  # the shop lists the products written …
    assert report["z toho změněno mimo adaptér"] == 0  # … and the ledger explains each one
    assert env.woo.stats()["write_calls"] == 0 and after.ok_count == 0
    reads = env.mserver.stats()["requests"] - pohoda
    assert env.run().status == "ok"  # a run with nothing new at all …
    assert env.mserver.stats()["requests"] - pohoda == 2 * reads <= 4  # … asks POHODA as much: nothing re-read


def test_a_shop_change_after_the_full_run_is_put_right(env: StockEnv) -> None:
    _every_count_differs(env)
    assert env.run(full=True).status == "ok"
    code = env.simple_codes(1)[0]
    variation = next(p for p in env.catalogue.products if p.kind == "variation" and p.role == "paired"
                     and p.sku not in env.catalogue.duplicate_skus)
    right = {code: env.shop_qty(code), variation.sku: env.shop_qty(variation.sku)}
    time.sleep(1.1)  # the shop's dates have whole seconds
    env.woo.add_order([(code, 1), (variation.sku, 2)], status="processing")  # the shop lowers both
    assert {sku: env.shop_qty(sku) for sku in right} == {code: right[code] - 1, variation.sku: right[variation.sku] - 2}
    env.woo.reset_stats()
    run = env.run()
    assert run.status == "ok", run.message
    assert run.report_dict()["z toho změněno mimo adaptér"] == 2
    assert run.ok_count == 2 and env.woo.stats()["batch_items"] == 2
    assert {sku: env.shop_qty(sku) for sku in right} == right  # POHODA is the master


def test_the_changed_listing_asks_for_values_and_only_changed_variations(env: StockEnv) -> None:
    docs = env.woo.products()
    parent = next(d for d in docs if d["type"] == "variable"
                  and sum(v.get("parent_id") == d["id"] and bool(v["sku"]) for v in docs) >= 2)
    variation = next(v for v in docs if v.get("parent_id") == parent["id"] and v["sku"])
    time.sleep(1.1)
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    env.woo.add_order([(variation["sku"], 1)], status="processing")  # a sale moves the variation and its parent
    shop: Any = DefaultConnections().eshop(env.settings)  # WooCommerce's own call, beside the Eshop protocol
    try:
        changed = list(shop.iter_products_changed(since=since))
    finally:
        shop.close()
    # of the parent's variations only the one sold comes back
    assert [(p.id, p.kind) for p in changed] == [(parent["id"], "variable"), (variation["id"], "variation")]
    assert changed[1].stock_quantity == variation["stock_quantity"] - 1 and changed[1].manage_stock
    assert changed[0].name == ""  # names, meta data and attributes are not asked for


# --------------------------------------------------------------------------- the pairing look-ups


def _pairing(rows: list[tuple[int, str]], *, case_sensitive: bool = False) -> None:
    now = datetime(2026, 1, 1)
    for product_id, code in rows:
        ledger.Pairing.create(status="paired", sku=code, product_id=product_id, pohoda_code=code, updated_at=now)
    ledger.set_checkpoint(PAIRING_CHECKPOINT, now.isoformat(), {"case_sensitive": case_sensitive, "multi": []},
                          now=now)


def test_targets_are_found_for_just_the_codes_asked(tmp_path: Path) -> None:
    ledger.init_db(tmp_path / "ledger.db")
    _pairing([(1, "abc-1"), (2, "ABC-1"), (3, "Čaj"), (4, "čaj-2"), (5, "XYZ"), (6, "other"), (7, "mIxEd")])
    # a code's case may have changed in POHODA since the pairing was stored
    found = targets_for_codes({"ABC-1": ["ABC-1"], "ČAJ": ["ČAJ"], "ČAJ-2": ["Čaj-2"], "XYZ": [" xyz "],
                               "NOPE": ["nope"], "MIXED": ["Mixed"]})
    assert {k: sorted(t.product_id for t in ts) for k, ts in found.items()} == {
        "ABC-1": [1, 2], "ČAJ": [3], "ČAJ-2": [4], "XYZ": [5], "MIXED": [7]}
    by_product = targets_for_products([1, 6, 99])
    assert {k: sorted(t.product_id for t in ts) for k, ts in by_product.items()} == {"ABC-1": [1, 2], "OTHER": [6]}


def test_case_sensitive_codes_are_looked_up_exactly(tmp_path: Path) -> None:
    ledger.init_db(tmp_path / "ledger.db")
    _pairing([(1, "abc"), (2, "ABC")], case_sensitive=True)
    assert [t.product_id for t in targets_for_codes({"abc": ["abc"]})["abc"]] == [1]
    assert set(targets_for_products([2])) == {"ABC"}


def test_many_codes_go_in_chunks(tmp_path: Path) -> None:
    ledger.init_db(tmp_path / "ledger.db")
    _pairing([(n, f"k{n:04d}") for n in range(1, 1201)])
    found = targets_for_codes({f"K{n:04d}": [f"K{n:04d}"] for n in range(1, 1201)})
    assert len(found) == 1200 and all(len(ts) == 1 for ts in found.values())
    assert len(targets_for_products(range(1, 1201))) == 1200


def test_a_real_drift_is_kept_and_an_explained_change_dropped(env: StockEnv) -> None:
    _every_count_differs(env)
    assert env.run(full=True).status == "ok"
    written = [env.woo.product_by_sku(code) for code in env.simple_codes(3)]
    assert all(getattr(ledger.get_entry("stock", str(p["id"])), "state", "") == "ok" for p in written)
    shown = [Product(id=p["id"], name="", manage_stock=True, stock_quantity=Decimal(str(p["stock_quantity"])))
             for p in written]
    sold = replace(shown[1], stock_quantity=Decimal(str(written[1]["stock_quantity"])) - 1)
    unmanaged = replace(shown[2], manage_stock=False)
    job: Any = SimpleNamespace(opts=env.settings.stock)
    assert [p.id for p in drifted([shown[0], sold, unmanaged], job)] == [sold.id, unmanaged.id]
    # with action prices pushed, a sale price the ledger's push did not set is drift
    action: Any = SimpleNamespace(opts=replace(env.settings.stock, push_prices=True, action_prices=True))
    on_sale = [replace(p, sale_price=Decimal("10.00")) for p in shown]
    assert [p.id for p in drifted(on_sale, action)] == [p.id for p in shown]


def test_a_code_only_in_pohoda_needs_no_second_look(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.init_db(tmp_path / "ledger.db")
    _pairing([(1, "abc")])
    ledger.Pairing.create(status="pohoda_only", pohoda_code="ZZZ-9", updated_at=datetime(2026, 1, 1))
    scans: list[list[str]] = []
    exact = links_by_codes

    def counted(codes: Any, *, ascii_nocase: bool = False) -> Any:
        if ascii_nocase:
            scans.append(sorted(codes))
        return exact(codes, ascii_nocase=ascii_nocase)

    monkeypatch.setattr(store, "links_by_codes", counted)
    assert set(targets_for_codes({"ZZZ-9": ["ZZZ-9"], "ABC": ["abc"]})) == {"ABC"}
    assert scans == []
    assert targets_for_codes({"NEW-1": ["new-1"]}) == {}  # a card new since the pairing: looked up once more
    assert scans == [["NEW-1"]]
