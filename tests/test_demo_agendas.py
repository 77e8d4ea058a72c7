"""Demo mode as a new user meets it: every agenda runs to a good end, and the sample CSV marks orders paid."""

from __future__ import annotations

import io

import pytest

from adapter import ledger
from adapter.config import SettingsStore
from adapter.sync.connections import default_connections
from adapter.sync.payments.cli import import_payments_cli
from adapter.sync.runner import JobRunner


@pytest.mark.slow
def test_every_agenda_works_in_demo_mode(tmp_path):
    from adapter.demo import start_demo

    demo = start_demo(tmp_path / "demo")
    try:
        store = SettingsStore(demo.data_dir, demo=True)
        ledger.init_db(demo.data_dir / "ledger.db")
        runner = JobRunner(store.get, default_connections())
        results = {}
        for agenda in ("stock", "orders", "invoices", "products", "customers", "payments"):
            run, ran = runner.run_inline(agenda, "cli")
            assert ran
            results[agenda] = (run.status, run.message, run.ok_count, run.error_count)
        for agenda, (status, message, _ok, errors) in results.items():
            assert status == "ok", (agenda, message)
            assert errors == 0, (agenda, message)
        assert results["orders"][2] > 0
        assert results["products"][2] > 0  # the shop-only products became stock cards
        assert len(demo.mserver.received_orders()) == results["orders"][2]

        assert demo.sample_csv is not None
        out = io.StringIO()
        code = import_payments_cli(store.get(), demo.sample_csv, apply=True, out=out)
        assert code == 0, out.getvalue()
        paid = [o for o in demo.woo.orders() if o["status"] == "processing" and o.get("date_paid")]
        assert paid, out.getvalue()
    finally:
        ledger.database.close()
        demo.stop()
