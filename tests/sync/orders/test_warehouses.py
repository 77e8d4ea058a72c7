"""The warehouse of each order line follows the card's warehouses, not one setting for every line."""

from __future__ import annotations

from adapter import ledger
from adapter.sync.orders.queries import held_reasons, held_skus
from adapter.sync.pairing.queries import ReportFilter, held_orders, held_rows, iter_csv
from adapter.sync.warehouses import CardStores, choose_store
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)


def card_stores(env: Env) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for card in env.ms.stock_cards():
        out.setdefault(card.code, []).append(card.store)
    return out


# --------------------------------------------------------------------------- the rule


def test_one_warehouse_is_that_warehouse_whatever_is_chosen() -> None:
    assert choose_store("A", CardStores(("EXPEDICE",)), "HLAVNI") == ("EXPEDICE", "")
    assert choose_store("A", CardStores(), "HLAVNI") == (None, "")  # one card, warehouse unknown: POHODA finds it
    assert choose_store("A", None, "") == (None, "")


def test_several_warehouses_need_the_chosen_one() -> None:
    two = CardStores(("HLAVNI", "PRODEJNA"), 2)
    assert choose_store("A", two, "PRODEJNA") == ("PRODEJNA", "")
    store, reason = choose_store("A", two, "")
    assert store is None and "ve více skladech (HLAVNI, PRODEJNA)" in reason and "Přijaté objednávky › Sklad" in reason
    store, reason = choose_store("A", two, "EXPEDICE")
    assert store is None and "ne ve zvoleném skladu „EXPEDICE“" in reason
    assert choose_store("A", CardStores((), 2, in_chosen=True), "EXPEDICE") == ("EXPEDICE", "")
    assert choose_store("A", CardStores((), 2, in_chosen=False), "EXPEDICE")[1]
    assert reason[0].isupper() and "[orders]" not in reason


# --------------------------------------------------------------------------- against the emulator


def test_a_chosen_warehouse_no_longer_refuses_cards_kept_elsewhere(env: Env) -> None:
    stores = card_stores(env)
    pools = sku_pools(env)
    elsewhere = [s for s in pools["single"] if stores[s] == ["EXPEDICE"]]
    at_home = [s for s in pools["single"] if stores[s] == ["HLAVNI"]]
    assert elsewhere and at_home, "the catalogue keeps some single cards in EXPEDICE"
    doc = env.woo.add_order([(elsewhere[0], 1), (at_home[0], 2)], status="completed")
    env.with_orders(store="HLAVNI")
    run = env.run()
    entry = ledger.get_entry("orders", str(doc["id"]))
    assert entry is not None and entry.state == "ok", (run.message, entry and entry.error)
    (order,) = env.ms.received_orders()
    lines = {line.stock_code: line.store for line in order.lines if line.stock_code}
    assert lines == {elsewhere[0]: "EXPEDICE", at_home[0]: "HLAVNI"}


def test_several_warehouses_go_out_of_the_chosen_one_or_wait(env: Env) -> None:
    stores = card_stores(env)
    multi = [s for s in sku_pools(env)["multi"] if sorted(stores[s]) == ["HLAVNI", "PRODEJNA"]]
    assert multi
    waiting = env.woo.add_order([(multi[0], 1)], status="completed")
    env.with_orders(store="EXPEDICE")
    env.run()
    entry = ledger.get_entry("orders", str(waiting["id"]))
    assert entry is not None and entry.state == "held"
    assert "ne ve zvoleném skladu „EXPEDICE“" in entry.error and "Přijaté objednávky › Sklad" in entry.error
    assert str(waiting["number"]) in held_skus().get(multi[0], []), "the pairing report lists the blocked order"
    assert held_reasons()[multi[0]] == entry.error  # the orders page and the pairing report say the same
    assert held_rows(held_orders())[0].reason == entry.error
    assert env.run("stock", options={"pairing_only": True}).status == "ok"
    report = "".join(iter_csv(ReportFilter(search=multi[0]), held_orders())).splitlines()
    assert report[0].endswith(";Blokované objednávky")
    row = next(r for r in report[1:] if f";{multi[0]};" in r)
    assert row.endswith(f";{waiting['number']}"), row
    env.with_orders(store="PRODEJNA")
    env.run()
    entry = ledger.get_entry("orders", str(waiting["id"]))
    assert entry is not None and entry.state == "ok", entry.error
    (order,) = env.ms.received_orders()
    assert [line.store for line in order.lines if line.stock_code] == ["PRODEJNA"]
