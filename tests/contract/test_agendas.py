"""End to end per agenda: the real jobs against the mServer emulator and each shop (emulator, real).

Both shops hold the same catalogue (SKUs = the mServer emulator's codes for ``--seed 1
--seed-stock 40``), so the same run must give the same outcome against either.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import demo, ledger
from adapter.config import EshopSettings, PohodaSettings, Settings, SettingsStore
from adapter.sync.connections import DefaultConnections
from adapter.sync.payments.cli import import_payments_cli
from adapter.sync.runner import JobRunner
from tests.contract.sides import Side

STAFF = {"admin@example.test", "spravce@example.test"}


@dataclass
class Env:
    side: Side
    mserver: Any
    settings: Settings

    def run(self, agenda: str, *, full: bool = False, settings: Settings | None = None, **kw: Any) -> ledger.Run:
        chosen = settings or self.settings
        run, created = JobRunner(lambda: chosen, DefaultConnections()).run_inline(agenda, "cli", full=full, **kw)
        assert created
        return run

    def shop_qty(self, sku: str) -> int:
        [product] = self.side.client().ok("GET", "products", sku=sku)
        return int(product["stock_quantity"])


@pytest.fixture
def env(side: Side, mserver_factory: Callable[..., Any], tmp_path: Path) -> Iterator[Env]:
    mserver = mserver_factory(seed_stock=40)
    settings = Settings(
        data_dir=tmp_path / "adapter",
        pohoda=PohodaSettings(url=mserver.url, user="admin", password="heslo", ico="12345678"),
        eshop=EshopSettings(url=side.site_url, consumer_key=side.ck, consumer_secret=side.cs),
    )
    ledger.init_db(settings.data_dir / "ledger.db")
    yield Env(side, mserver, settings)
    ledger.database.close()


def _order_lowering(env: Env, sku: str, quantity: int) -> None:
    [product] = env.side.client().ok("GET", "products", sku=sku)
    env.side.client().ok("POST", "orders", {
        "status": "processing", "billing": {"first_name": "Jana", "last_name": "Nová", "email": "jana.nova@example.cz"},
        "line_items": [{"product_id": product["id"], "quantity": quantity}],
    })


def test_stock_full_unchanged_and_what_the_shop_lowered_itself(env: Env) -> None:
    full = env.run("stock", full=True)
    assert full.status in ("ok", "warning"), full.message
    synced = env.shop_qty("DOM000003")
    card = next(c for c in env.mserver.stock_cards() if c.code == "DOM000003")
    assert Decimal(synced) == Decimal(str(card.count))
    again = env.run("stock")
    assert again.status in ("ok", "warning"), again.message
    assert env.shop_qty("DOM000003") == synced
    _order_lowering(env, "DOM000003", 2)
    assert env.shop_qty("DOM000003") == synced - 2
    repaired = env.run("stock")  # an ordinary run, not --full
    assert repaired.status in ("ok", "warning"), repaired.message
    assert env.shop_qty("DOM000003") == synced


def test_customers_go_to_the_address_book_without_staff(env: Env) -> None:
    run = env.run("customers")
    assert run.status in ("ok", "warning"), run.message
    emails = {a.address.email for a in env.mserver.addresses()}
    shop_customers = {c["email"] for c in env.side.client().ok("GET", "customers", per_page="100")}
    assert emails
    assert emails <= shop_customers | {o["billing"]["email"] for o in
                                       env.side.client().ok("GET", "orders", status="any", per_page="100")}
    assert not emails & STAFF


def test_orders_reach_pohoda_and_are_marked(env: Env) -> None:
    settings = replace(env.settings, orders=replace(env.settings.orders, transfer_statuses=("completed",)))
    run = env.run("orders", settings=settings)
    assert run.status in ("ok", "warning"), run.message
    completed = env.side.client().ok("GET", "orders", status="completed", per_page="100")
    received = env.mserver.received_orders()
    assert 0 < len(received) <= len(completed)
    marked = [o for o in env.side.client().ok("GET", "orders", status="completed", per_page="100")
              if any(m["key"] == "_pohoda_number" for m in o["meta_data"])]
    assert len(marked) == len(received)
    second = env.run("orders", settings=settings)
    assert second.status in ("ok", "warning"), second.message
    assert len(env.mserver.received_orders()) == len(received)


def test_every_agenda_and_the_payments_csv_run_to_a_good_end(side: Side, mserver_factory: Callable[..., Any],
                                                             tmp_path: Path) -> None:
    """Like a new user in demo mode, but against this shop: every agenda on, then the payments CSV."""
    mserver = mserver_factory(seed_stock=40, ico=demo.ICO, user=demo.MSERVER_USER, password=demo.MSERVER_PASSWORD)
    values = demo.demo_settings(mserver.url, side.site_url)
    values["eshop"].update(consumer_key=side.ck, consumer_secret=side.cs)
    data_dir = tmp_path / "data"
    demo.write_settings(data_dir, values)
    store = SettingsStore(data_dir, demo=True)
    ledger.init_db(data_dir / "ledger.db")
    try:
        runner = JobRunner(store.get, DefaultConnections())
        results = {}
        for agenda in ("stock", "orders", "invoices", "products", "customers", "payments"):
            run, ran = runner.run_inline(agenda, "cli")
            assert ran
            results[agenda] = (run.status, run.message, run.ok_count)
        for agenda, (status, message, _ok) in results.items():
            assert status in ("ok", "warning"), (agenda, message)
        assert results["orders"][2] > 0
        assert len(mserver.received_orders()) == results["orders"][2]
        assert not {a.address.email for a in mserver.addresses()} & STAFF
        waiting = side.client().ok("GET", "orders", status="on-hold,pending", per_page="100")
        sample = demo.write_sample_payments_csv(tmp_path / "faktury.csv", waiting)
        assert sample is not None
        out = io.StringIO()
        code = import_payments_cli(store.get(), sample, apply=True, out=out)
        assert code == 0, out.getvalue()
        paid = {o["id"] for o in side.client().ok("GET", "orders", status="processing", per_page="100")}
        assert paid & {o["id"] for o in waiting}, out.getvalue()  # orders awaiting payment were marked paid
    finally:
        ledger.database.close()
