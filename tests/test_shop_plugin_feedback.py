"""The orders job writes what the companion plugin shows: state, held reason, error text, transfer time — once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapter import ledger, shop_plugin
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    received_by_key,
    seed_pairing,
    sku_pools,
)

FLAG = shop_plugin.TRANSFER_META_KEY


def meta(env: Env, order_id: int) -> dict[str, str]:
    return {m["key"]: m["value"] for m in env.woo._store.get("orders", order_id).get("meta_data", [])}


def set_flag(env: Env, order_id: int, value: str) -> None:
    """What the plugin's action does: the flag (or its removal) and a new modification time."""
    env.woo.objects.update_order({"id": order_id, "meta_data": [{"key": FLAG, "value": value}]})


def add(env: Env, sku: str, *, flagged: bool) -> int:
    fields = {"meta_data": [{"key": FLAG, "value": "yes"}]} if flagged else {}
    return int(env.woo.add_order([(sku, 1)], status="processing", **fields)["id"])


def test_marked_orders_go_and_the_shop_sees_number_reason_and_time(env: Env) -> None:
    env.with_orders(transfer_meta_key=FLAG)
    pools = sku_pools(env)
    marked = [add(env, pools["single"][i], flagged=True) for i in range(3)]
    unmarked = add(env, pools["single"][3], flagged=False)
    held = add(env, pools["unknown"][0], flagged=True)
    before = datetime.now(UTC) - timedelta(seconds=5)
    run = env.run()
    assert run.status == "ok", run.message
    got = received_by_key(env)
    assert set(got) == {str(i) for i in marked}
    for order_id in marked:
        m = meta(env, order_id)
        assert m["_pohoda_number"] == got[str(order_id)][0].number
        assert m[shop_plugin.STATUS_KEY] == "transferred"
        assert datetime.fromisoformat(m[shop_plugin.TRANSFERRED_KEY]) >= before.replace(microsecond=0)
        assert not m.get(shop_plugin.HELD_REASON_KEY) and not m.get(shop_plugin.ERROR_KEY)
    h = meta(env, held)
    assert h[shop_plugin.STATUS_KEY] == "held"
    assert "nemá v POHODĚ zásobu" in h[shop_plugin.HELD_REASON_KEY]
    assert h[shop_plugin.HELD_REASON_KEY] == ledger.get_entry("orders", str(held)).error
    assert shop_plugin.STATUS_KEY not in meta(env, unmarked) and "_pohoda_number" not in meta(env, unmarked)

    # the next run writes nothing: the held reason is the same, the transferred ones are done
    env.woo.reset_stats()
    again = env.run()
    assert again.status == "ok" and again.ok_count == 0 and again.held_count == 1
    assert env.woo.stats()["write_calls"] == 0

    # unmarked in the shop before it could go: it stays out and its held state is cleared
    set_flag(env, held, "")
    third = env.run()
    assert third.status == "ok"
    assert ledger.get_entry("orders", str(held)).state == "skipped"
    h = meta(env, held)
    assert h[shop_plugin.STATUS_KEY] == "" and h[shop_plugin.HELD_REASON_KEY] == ""
    assert set(received_by_key(env)) == {str(i) for i in marked}


def test_marking_later_is_found_by_the_incremental_run(env: Env) -> None:
    env.with_orders(transfer_meta_key=FLAG)
    pools = sku_pools(env)
    first = add(env, pools["single"][0], flagged=True)
    later = add(env, pools["single"][1], flagged=False)
    assert env.run().status == "ok"
    assert set(received_by_key(env)) == {str(first)}
    set_flag(env, later, "yes")
    assert env.run().status == "ok"
    assert set(received_by_key(env)) == {str(first), str(later)}


def test_pohoda_error_text_reaches_the_order_once(env: Env) -> None:
    env.with_orders(transfer_meta_key=FLAG)
    sku = sku_pools(env)["single"][0]
    seed_pairing([sku])  # paired already: no stock look-up that the fault below would break
    order_id = add(env, sku, flagged=True)
    env.ms.set_faults(item_error_rate=1.0)
    run = env.run()
    assert run.status == "failed" and run.error_count == 1, run.message
    entry = ledger.get_entry("orders", str(order_id))
    assert entry.state == "error", entry.error
    assert entry.state == "error"
    m = meta(env, order_id)
    assert m[shop_plugin.STATUS_KEY] == "error"
    assert m[shop_plugin.ERROR_KEY] == " ".join(entry.error.split())[: shop_plugin.MAX_TEXT]
    assert "_pohoda_number" not in m
    # fixed in POHODA: the next run (which sees the order modified by our own write) sends it once more
    env.ms.clear_faults()
    assert env.run().status == "ok"
    m = meta(env, order_id)
    assert m[shop_plugin.STATUS_KEY] == "transferred" and m[shop_plugin.ERROR_KEY] == "" and m["_pohoda_number"]


class MetaOnly:
    """Enough of an order for the meta helpers."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def meta_value(self, key: str) -> str | None:
        return self.values.get(key)


def test_changes_and_wanted() -> None:
    order = MetaOnly({shop_plugin.STATUS_KEY: "held", shop_plugin.HELD_REASON_KEY: "SKU X"})
    assert shop_plugin.changes(order, shop_plugin.wanted("held", "SKU  X")) == {}
    assert shop_plugin.changes(order, shop_plugin.wanted("held", "SKU Y")) == {shop_plugin.HELD_REASON_KEY: "SKU Y"}
    assert shop_plugin.changes(order, shop_plugin.wanted("error", "bad")) == {
        shop_plugin.STATUS_KEY: "error", shop_plugin.HELD_REASON_KEY: "", shop_plugin.ERROR_KEY: "bad"}
    long = shop_plugin.wanted("error", "x" * 5000)[shop_plugin.ERROR_KEY]
    assert len(long) == shop_plugin.MAX_TEXT and long.endswith("…")
    when = datetime(2025, 3, 1, 12, 0, 5, 123, tzinfo=UTC)
    items = {i["key"]: i["value"] for i in shop_plugin.transferred_meta(order, now=when)}
    assert items == {shop_plugin.STATUS_KEY: "transferred", shop_plugin.HELD_REASON_KEY: "",
                     shop_plugin.TRANSFERRED_KEY: "2025-03-01T12:00:05+00:00"}
