"""Resuming the stock job after it was killed (kill -9) half-way through pushing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from tests.sync.stock.test_job import make_env

ROOT = Path(__file__).resolve().parents[3]
CHILD = """
import json, sys
from pathlib import Path
from adapter import ledger
from adapter.config import Settings, PohodaSettings, EshopSettings
from adapter.sync.connections import DefaultConnections
from adapter.sync.runner import JobRunner
cfg = json.loads(sys.argv[1])
s = Settings(data_dir=Path(cfg["data"]), pohoda=PohodaSettings(url=cfg["m"], user="admin", password="heslo", ico="12345678"),
             eshop=EshopSettings(url=cfg["w"], consumer_key="ck_test", consumer_secret="cs_test"))
ledger.init_db(Path(cfg["data"]) / "ledger.db")
JobRunner(lambda: s, DefaultConnections()).run_inline("stock", "cli", full=cfg["full"])
"""


@pytest.mark.slow
def test_killed_run_resumes_with_only_the_remainder(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> None:
    # 10 batches: several are in flight at once (parallel_requests), so the kill must land well before the end
    env = make_env(tmp_path, mserver_factory, woo_factory, 1500)
    assert env.run(full=True).status == "ok"
    codes = env.simple_codes(1000)
    assert len(codes) == 1000
    for n, code in enumerate(codes):
        env.mserver.set_stock(code, Decimal(1000 + n))
    env.woo.reset_stats()
    env.woo.set_faults(latency_ms=400)
    cfg = {"data": str(env.settings.data_dir), "m": env.mserver.url, "w": env.woo.url, "full": False}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(cfg)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while env.woo.stats()["batch_items"] < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    # batches the dead process still had in flight are served after the kill: wait until the shop is quiet
    first_items, quiet_since, deadline = -1, time.monotonic(), time.monotonic() + 30
    while time.monotonic() < deadline:
        now_items = env.woo.stats()["batch_items"]
        if now_items != first_items:
            first_items, quiet_since = now_items, time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            break
        time.sleep(0.1)
    assert 200 <= first_items < 1000
    with ledger.database.connection_context():
        committed = ledger.Entry.select().where(
            (ledger.Entry.agenda == "stock") & (ledger.Entry.run == ledger.last_run("stock").id)).count()
        assert ledger.last_run("stock").status == "running"  # left behind by the dead process
    assert committed <= first_items
    env.woo.clear_faults()
    env.woo.reset_stats()
    second = env.run()
    assert second.status == "ok", second.message
    # only what was not committed goes again (the batch in flight at the kill at most once more)
    assert env.woo.stats()["batch_items"] == 1000 - committed
    assert second.ok_count == 1000 - committed
    for n, code in enumerate(codes):
        assert env.shop_qty(code) == 1000 + n
    interrupted = ledger.Run.select().where(ledger.Run.status == "interrupted").count()
    assert interrupted == 1
    env.woo.reset_stats()
    assert env.run().ok_count == 0 and env.woo.stats()["write_calls"] == 0
