"""States job against both emulators: POHODA's state, invoice and tracking go to the shop order, once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapter import ledger
from adapter.config import StatesSettings, settings_from_mapping
from adapter.errors import EshopError
from adapter.eshop.woocommerce import WooCommerce
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)

STATES = StatesSettings(enabled=True, status_map={"executed": "completed", "delivered": "completed"},
                        tracking_field="param:Zasilka", tracking_url={"PPL": "https://ppl.example/{number}"})


def meta(env: Env, order_id: int) -> dict[str, Any]:
    return {m["key"]: m["value"] for m in env.woo.order(order_id)["meta_data"]}


def pohoda_notes(env: Env, order_id: int) -> list[dict[str, Any]]:
    return [n for n in env.woo.notes(order_id) if n["note"].startswith("POHODA:")]


def transferred(env: Env, count: int) -> list[dict[str, Any]]:
    env.with_orders(transfer_statuses=("processing",))
    env.settings = replace(env.settings, states=STATES)
    single = sku_pools(env)["single"]
    orders = [env.woo.add_order([(single[n], 1)], status="processing") for n in range(count)]
    assert env.run("orders").ok_count == count
    return orders


def pohoda_number(order: dict[str, Any]) -> str:
    entry = ledger.get_entry("orders", str(order["id"]))
    assert entry is not None
    return entry.pohoda_number


def test_state_invoice_and_tracking_reach_exactly_the_changed_orders_once(env: Env) -> None:
    a, b, c, d = transferred(env, 4)
    env.ms.set_order_state(pohoda_number(a), executed=True, carrier="PPL", fields={"param:Zasilka": "TRK-1"})
    env.ms.set_order_state(pohoda_number(b), delivered=True)
    invoice = env.ms.invoice_order(pohoda_number(c))
    run = env.run("states")
    assert (run.status, run.ok_count, run.error_count) == ("ok", 3, 0), run.message
    assert env.woo.order(a["id"])["status"] == "completed"
    assert meta(env, a["id"])["_pohoda_tracking_number"] == "TRK-1"
    assert meta(env, a["id"])["_pohoda_state"] == "executed"
    (note,) = pohoda_notes(env, a["id"])
    assert "https://ppl.example/TRK-1" in note["note"] and not note["customer_note"]
    assert meta(env, b["id"])["_pohoda_state"] == "delivered"
    assert meta(env, c["id"])["_pohoda_invoice_number"] == invoice["number"]
    assert env.woo.order(c["id"])["status"] == "completed"  # the transfer to an invoice executes the order
    assert env.woo.order(d["id"])["status"] == "processing" and "_pohoda_state" not in meta(env, d["id"])
    assert pohoda_notes(env, d["id"]) == []
    # nothing changed → nothing written
    again = env.run("states")
    assert again.ok_count == 0 and again.error_count == 0
    assert len(pohoda_notes(env, a["id"])) == 1
    # a full run re-reads everything and still writes nothing
    assert env.run("states", full=True).ok_count == 0
    # a new fact is one new change
    env.ms.set_order_state(pohoda_number(c), fields={"param:Zasilka": "TRK-3"})
    assert env.run("states").ok_count == 1
    assert meta(env, c["id"])["_pohoda_tracking_number"] == "TRK-3"
    assert len(pohoda_notes(env, c["id"])) == 2
    # the orders job does not take completed orders again
    assert env.run("orders").ok_count == 0


def test_a_failed_shop_write_is_done_by_the_next_run_once(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    (a,) = transferred(env, 1)
    env.ms.set_order_state(pohoda_number(a), executed=True)
    real = WooCommerce.write_back

    def broken(self: WooCommerce, *args: Any, **kw: Any) -> str:
        raise EshopError("E-shop neodpovídá.")

    monkeypatch.setattr(WooCommerce, "write_back", broken)
    run = env.run("states")
    assert run.error_count == 1
    assert ledger.get_entry("states", str(a["id"])).state == "error"
    monkeypatch.setattr(WooCommerce, "write_back", real)
    run = env.run("states")
    assert run.ok_count == 1 and run.error_count == 0
    assert len(pohoda_notes(env, a["id"])) == 1
    assert env.run("states").ok_count == 0


def test_a_status_that_would_be_transferred_again_is_refused(env: Env) -> None:
    (a,) = transferred(env, 1)
    env.settings = replace(env.settings, states=replace(STATES, status_map={"executed": "processing"}))
    env.ms.set_order_state(pohoda_number(a), executed=True)
    run = env.run("states")
    assert run.status == "failed"
    assert "k přenosu nabídla znovu" in run.message
    assert pohoda_notes(env, a["id"]) == []
    _, errors = settings_from_mapping(env.data_dir, {"states": {"enabled": True, "status_map": {"executed": "completed"}}})
    assert any(e.path == "states.status_map" and "znovu" in e.message for e in errors)
    _, errors = settings_from_mapping(env.data_dir, {"states": {"status_map": {"shipped": "completed"}}})
    assert any("neznámý stav POHODY" in e.message for e in errors)


def test_preview_writes_nothing(env: Env) -> None:
    (a,) = transferred(env, 1)
    env.ms.set_order_state(pohoda_number(a), executed=True)
    run = env.run("states", dry_run=True)
    assert run.status == "ok"
    assert run.report_dict()["zapsalo by se"] == 1
    assert pohoda_notes(env, a["id"]) == [] and env.woo.order(a["id"])["status"] == "processing"
    assert env.run("states").ok_count == 1
