"""``[orders] transfer_note``: the private note per transferred order, left out where the plugin shows POHODA's number.

Against both emulators over real sockets; the shop emulator has no companion plugin, so the
plugin's status answer is given by replacing the connector's ``plugin_status`` (the real shop with
the plugin installed is covered in ``tests/realshop/test_plugin.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from adapter import ledger, shop_plugin
from adapter.eshop.woocommerce import WooCommerce
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)

NOTE = "Přeneseno do POHODY jako objednávka"


def plugin_answer(number_key: str = "_pohoda_number") -> dict[str, Any]:
    """What the companion plugin's status route answers (see class-pohoda-adapter-rest.php)."""
    return {"plugin": shop_plugin.SLUG, "version": "1.0.0", "transfer_meta_key": shop_plugin.TRANSFER_META_KEY,
            "storage": "hpos", "meta_keys": {"number": number_key, "status": "_pohoda_status"}}


def transfer_three(env: Env) -> tuple[list[int], Any, dict[str, int]]:
    """Three paired orders transferred by one run: (their ids, the run, the shop's counters of the run)."""
    pools = sku_pools(env)
    ids = [env.woo.add_order([(pools["single"][n], 1)], status="completed")["id"] for n in range(3)]
    env.woo.reset_stats()
    run = env.run()
    assert run.status == "ok" and run.ok_count == 3, run.message
    return ids, run, env.woo.stats()


def noted(env: Env, order_id: int) -> int:
    return sum(NOTE in n["note"] for n in env.woo.notes(order_id))


def number_of(env: Env, order_id: int) -> str:
    meta = {m["key"]: m["value"] for m in env.woo._store.get("orders", order_id).get("meta_data", [])}
    return str(meta.get("_pohoda_number", ""))


def test_auto_without_the_plugin_notes_each_order(env: Env) -> None:
    ids, _run, stats = transfer_three(env)
    assert [noted(env, i) for i in ids] == [1, 1, 1]
    assert stats["write_calls"] == 1 + 3  # one batch update, one note each


def test_auto_with_the_plugin_writes_the_number_and_no_note(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WooCommerce, "plugin_status", lambda self: plugin_answer())
    ids, run, stats = transfer_three(env)
    assert [noted(env, i) for i in ids] == [0, 0, 0]
    assert all(number_of(env, i) == ledger.get_entry("orders", str(i)).pohoda_number for i in ids)
    assert stats["write_calls"] == 1  # the batch update carries the meta; no request per order
    assert not [e.message for e in ledger.run_events(run.id, state="warning") if "označit" in e.message]


def test_auto_with_a_plugin_showing_another_key_still_notes(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WooCommerce, "plugin_status", lambda self: plugin_answer("_other_number"))
    ids, _run, _stats = transfer_three(env)
    assert [noted(env, i) for i in ids] == [1, 1, 1]


@pytest.mark.parametrize(("mode", "expected"), [("always", 1), ("never", 0)])
def test_always_and_never_ignore_the_plugin(env: Env, monkeypatch: pytest.MonkeyPatch, mode: str,
                                            expected: int) -> None:
    asked: list[int] = []

    def answer(self: WooCommerce) -> dict[str, Any]:
        asked.append(1)
        return plugin_answer()

    monkeypatch.setattr(WooCommerce, "plugin_status", answer)
    env.with_orders(transfer_note="never" if mode == "never" else "always")
    ids, _run, _stats = transfer_three(env)
    assert [noted(env, i) for i in ids] == [expected] * 3
    assert asked == []  # nothing to ask the shop


def test_a_failed_marking_retried_with_never_adds_no_note(env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][1], 1)], status="completed")
    env.with_orders(transferred_status="no-such-status", transfer_note="never")  # the shop refuses the status
    env.run()
    assert ledger.get_entry("orders", str(doc["id"])).details_value()["mark_pending"] is True
    env.with_orders(transferred_status="")
    env.run()
    entry = ledger.get_entry("orders", str(doc["id"]))
    assert "mark_pending" not in entry.details_value()
    assert number_of(env, doc["id"]) == entry.pohoda_number and noted(env, doc["id"]) == 0
