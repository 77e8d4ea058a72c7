"""Orders job end to end against both emulators: gate, totals, exactly once, preview, changes, shop marking."""

from __future__ import annotations

import json
from decimal import Decimal

from adapter import ledger
from adapter.pohoda import schema
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack, parse_response
from adapter.pohoda.stock import stock_item
from adapter.records import StockCardDoc
from adapter.sync.orders import queries as orders_job
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    ICO,
    Env,
    add_mixed_orders,
    env_fixture,
    fast_sockets_fixture,
    received_by_key,
    shop_total,
    sku_pools,
)


def create_card(env: Env, code: str, name: str = "Nová zásoba") -> None:
    """Create a stock card in POHODA through a real stock import."""
    card = StockCardDoc(code=code, name=name, storage="Zboží/Kuchyně", selling_price=Decimal("100"))
    pack = build_pack([stock_item(card, mode="add", type_price="SK")], ico=ICO, pack_id="test-card-" + code)
    with MServerClient(env.ms.url, "admin", "heslo", ICO) as client:
        result = parse_response(client.post(pack.xml, write=True))
    assert result.items[0].state != "error", result.items[0].note


def stored_meta(env: Env, order_id: int) -> dict[str, str]:
    """Order meta as the shop stores it (REST hides protected ``_`` keys, as WooCommerce does)."""
    return {m["key"]: m["value"] for m in env.woo._store.get("orders", order_id).get("meta_data", [])}


def entries(state: str | None = None) -> list[ledger.Entry]:
    return ledger.entries(agenda="orders", state=state, limit=10_000)


def test_200_mixed_orders_exactly_the_paired_ones_once_with_equal_totals(env: Env) -> None:
    kinds = add_mixed_orders(env, 200)
    run = env.run()
    assert run.status == "ok", run.message
    got = received_by_key(env)
    assert set(got) == {str(i) for i in kinds["paired"]}
    assert all(len(v) == 1 for v in got.values())
    assert env.ms.stats()["item_errors"] == 0 and env.ms.stats()["pack_errors"] == 0
    for key, (order,) in got.items():
        total = shop_total(env, int(key))
        if int(key) in kinds["eur"]:
            assert order.currency == "EUR" and order.total_foreign == total, key
        else:
            assert order.total == total, key
        assert order.number_order == env.woo.order(int(key))["number"]
        assert any(line.stock_code for line in order.lines)
    # the held ones say why
    held = {e.key: e for e in entries("held")}
    assert set(held) == {str(i) for i in kinds["unknown"] | kinds["multi"] | kinds["usd"]}
    for key in map(str, kinds["unknown"]):
        assert "nemá v POHODĚ zásobu" in held[key].error
        assert held[key].details_value()["skus"]
    for key in map(str, kinds["usd"]):
        assert "chybí kurz" in held[key].error
    for key in map(str, kinds["multi"]):
        assert "ve více skladech" in held[key].error
    # held_skus for the pairing report
    blocked = orders_job.held_skus()
    assert set(blocked) >= set().union(*(set(held[str(k)].details_value()["skus"]) for k in kinds["unknown"]))
    # the shop orders are marked transferred, with the POHODA number and a note
    some = next(iter(got))
    assert stored_meta(env, int(some))["_pohoda_number"] == got[some][0].number
    assert any("Přeneseno do POHODY jako objednávka" in n["note"] for n in env.woo.notes(int(some)))
    ok = ledger.get_entry("orders", some)
    assert ok.state == "ok" and ok.pohoda_number == got[some][0].number and ok.pohoda_id == got[some][0].id
    assert ok.sent_xml and "ord:order" in ok.sent_xml and ok.answer_xml and "responsePackItem" in ok.answer_xml
    assert json.loads(ok.eshop_data)["id"] == int(some)
    schema_errors = schema.validate(ok.sent_xml.encode("cp1250"), "data")
    assert schema_errors in ([], None)

    # a second run adds nothing
    run2 = env.run()
    assert run2.status == "ok"
    assert received_by_key(env) == got
    assert run2.ok_count == 0 and run2.held_count == len(held)
    assert len(env.ms.received_orders()) == len(kinds["paired"])

    # pairing fixed: create the missing cards → the held orders (unknown SKU only) go through by themselves
    pools = sku_pools(env)
    for sku in pools["unknown"]:
        create_card(env, sku)
    run3 = env.run()
    assert run3.status == "ok", run3.message
    got3 = received_by_key(env)
    assert set(got3) == {str(i) for i in kinds["paired"] | kinds["unknown"]}
    assert all(len(v) == 1 for v in got3.values())
    for key in map(str, kinds["unknown"]):
        assert got3[key][0].total == shop_total(env, int(key))
        assert ledger.get_entry("orders", key).state == "ok"


def test_preview_validates_and_sends_nothing(env: Env, assert_valid_datapack) -> None:
    add_mixed_orders(env, 12)
    run = env.run(dry_run=True)
    assert run.status == "ok", run.message
    assert env.ms.received_orders() == []
    assert ledger.entries(agenda="orders") == []
    report = run.report_dict()
    assert report["dávky"] and report["náhled"]
    for pack in report["dávky"]:
        assert_valid_datapack(pack["xml"].encode("cp1250"))
        assert pack["schéma"] == "platné"
    previews = ledger.run_events(run.id, state="preview")
    assert previews and all("souhlasí" in e.message for e in previews)
    assert ledger.get_checkpoint("orders") is None


def test_lost_answer_is_reconciled_and_a_resend_is_a_duplicate_not_a_second_order(env: Env) -> None:
    add_mixed_orders(env, 20)
    env.run()
    first = received_by_key(env)
    keys = sorted(first)
    # a crash after the POST: rows still "sending" → found in POHODA by extId, no re-send
    ledger.set_state("orders", keys[:3], "sending")
    run = env.run()
    assert run.status == "ok"
    assert received_by_key(env) == first
    for key in keys[:3]:
        e = ledger.get_entry("orders", key)
        assert e.state == "ok" and e.pohoda_number == first[key][0].number
    # the ledger forgot entirely (pending): the re-send is answered by POHODA's duplicity check
    ledger.set_state("orders", keys[3:5], "pending")
    run = env.run(full=True)
    assert run.status == "ok"
    assert received_by_key(env) == first
    events = ledger.run_events(run.id, state="duplicate")
    assert {e.key for e in events} == set(keys[3:5])
    for key in keys[3:5]:
        assert ledger.get_entry("orders", key).pohoda_number == first[key][0].number


def test_order_changed_after_transfer_is_flagged_never_resent(env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][0], 2)], status="completed")
    env.run()
    assert len(env.ms.received_orders()) == 1
    env.woo.objects.update_order({"id": doc["id"], "customer_note": "Změna po přenosu"})
    run = env.run()
    assert len(env.ms.received_orders()) == 1
    entry = ledger.get_entry("orders", str(doc["id"]))
    assert entry.state == "ok" and entry.details_value()["changed"]
    assert any("změnila po přenosu" in w for w in entry.warnings_list())
    assert [e.key for e in ledger.run_events(run.id, state="changed")] == [str(doc["id"])]
    assert [e.key for e in orders_job.summary().changed] == [str(doc["id"])]
    # flagged once, not on every run
    run = env.run(full=True)
    assert ledger.run_events(run.id, state="changed") == []
    assert orders_job.acknowledge_change(str(doc["id"]))
    assert orders_job.summary().changed == []


def test_shop_marking_failure_keeps_pohoda_ok_and_is_retried(env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][1], 1)], status="completed")
    env.with_orders(transferred_status="no-such-status")  # the shop refuses the status change
    run = env.run()
    entry = ledger.get_entry("orders", str(doc["id"]))
    assert entry.state == "ok" and entry.details_value()["mark_pending"] is True
    assert run.status == "ok" and ledger.run_events(run.id, state="warning")
    assert orders_job.summary().mark_pending == 1
    env.with_orders(transferred_status="")
    env.run()
    entry = ledger.get_entry("orders", str(doc["id"]))
    assert "mark_pending" not in entry.details_value()
    assert stored_meta(env, doc["id"])["_pohoda_number"] == entry.pohoda_number
    assert len(env.ms.received_orders()) == 1


def test_options_reserve_numbering_store_payment_and_keys(env: Env) -> None:
    pools = sku_pools(env)
    a = env.woo.add_order([(pools["single"][2], 3)], status="completed", payment_method="cod",
                          payment_method_title="Dobírka")
    b = env.woo.add_order([(pools["single"][3], 1)], status="completed")
    env.with_orders(reserve_stock=True, numbering="eshop", payment_map={"cod": "dobírka"})
    before = {c.code: c.reservation for c in env.ms.stock_cards()}
    run = env.run(options={"keys": [str(a["id"])]})
    assert run.status == "ok"
    (order,) = env.ms.received_orders()
    assert order.ext_id == str(a["id"]) and order.number == a["number"] and order.is_reserved
    after = {c.code: c.reservation for c in env.ms.stock_cards()}
    assert after[pools["single"][2]] == before[pools["single"][2]] + 3
    entry = ledger.get_entry("orders", str(a["id"]))
    assert not any("Formy úhrady" in w for w in entry.warnings_list())
    assert ledger.get_entry("orders", str(b["id"])) is None  # keys limit the run
    env.run()
    warn = ledger.get_entry("orders", str(b["id"])).warnings_list()
    assert any("Nastavení › Přijaté objednávky › Formy úhrady" in w and "payment_map" not in w for w in warn)  # unmapped payment → warning, never blocks


def test_unmapped_vat_and_total_gap_hold_with_a_clear_reason(env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][4], 1)], status="completed")
    env.with_orders(vat_rates={"12": "low", "0": "none"})
    env.run()
    entry = ledger.get_entry("orders", str(doc["id"]))
    assert entry.state == "held" and "Sazba DPH 21 %" in entry.error
    env.with_orders(vat_rates={"21": "high", "12": "low", "0": "none"})
    env.run()
    assert ledger.get_entry("orders", str(doc["id"])).state == "ok"
