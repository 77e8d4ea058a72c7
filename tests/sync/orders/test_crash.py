"""The orders job killed (kill -9) mid-batch and run again: nothing duplicated, nothing lost.

The job runs in a subprocess (``python app.py sync orders --data DIR``); both
emulators run in this test process, so the kill hits only the adapter.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import pytest

from adapter import config, ledger
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    received_by_key,
    seed_pairing,
    shop_total,
    sku_pools,
)

ROOT = Path(__file__).resolve().parents[3]


def write_settings(env: Env) -> None:
    """The env's settings as settings.toml in its data folder (what the CLI reads)."""
    data = {}
    for name in config.SECTIONS:
        section = getattr(env.settings, name)
        data[name] = {f.name: getattr(section, f.name) for f in fields(section)}
    config.save_settings(env.data_dir, data)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_mid_batch_then_rerun_nothing_duplicated_nothing_lost(env: Env, seed: int) -> None:
    pools = sku_pools(env)
    seed_pairing(pools["single"])
    ids = []
    for n in range(60):
        lines = [(pools["single"][(n * 3 + k + seed) % len(pools["single"])], 1 + (n + k) % 3) for k in range(1 + n % 3)]
        ids.append(env.woo.add_order(lines, status="completed", coupon_lines=[{"code": "sleva10"}] if n % 4 == 0 else [])["id"])
    env.with_orders(batch_size=10)
    write_settings(env)
    env.ms.set_faults(latency_per_item_ms=25)
    kill_at = seed * 10 + 5  # orders already in POHODA when the kill lands: mid-batch (batches are 10), never on a boundary
    proc = subprocess.Popen([sys.executable, "app.py", "sync", "orders", "--data", str(env.data_dir)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while len(env.ms.received_orders()) < kill_at and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert proc.poll() is None, "the job finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    in_pohoda = len(env.ms.received_orders())
    assert kill_at <= in_pohoda < len(ids)
    # the kill landed while a batch was with POHODA: its rows were committed as "sending" before the POST
    assert ledger.Entry.select().where(ledger.Entry.state == "sending").count() > 0
    env.ms.clear_faults()

    run = env.run()
    assert run.status == "ok", run.message
    got = received_by_key(env)
    assert set(got) == {str(i) for i in ids}
    assert all(len(v) == 1 for v in got.values()), "an order went to POHODA twice"
    for key, (order,) in got.items():
        assert order.total == shop_total(env, int(key))
        entry = ledger.get_entry("orders", key)
        assert entry.state == "ok" and entry.pohoda_number == order.number
        stored = {m["key"]: m["value"] for m in env.woo._store.get("orders", int(key)).get("meta_data", [])}
        assert stored.get("_pohoda_number") == order.number, "a transferred order was never marked in the shop"
    assert ledger.Entry.select().where(ledger.Entry.state == "sending").count() == 0
    assert env.run().ok_count == 0
