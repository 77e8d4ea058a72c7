"""A dead side is red: a run that had nothing to do still fails when a side it needs cannot be reached."""

from __future__ import annotations

import socket
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter.config import Settings
from adapter.sync.connections import DefaultConnections
from adapter.sync.runner import JobRunner
from tests.sync.stock.test_job import StockEnv, make_env


def dead_url() -> str:
    """A loopback address nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> StockEnv:
    return make_env(tmp_path, mserver_factory, woo_factory, 60)


def run(settings: Settings, agenda: str = "stock", **kw: Any) -> Any:
    run, created = JobRunner(lambda: settings, DefaultConnections()).run_inline(agenda, "schedule", **kw)
    assert created
    return run


def test_incremental_stock_without_changes_fails_when_the_shop_is_down(env: StockEnv) -> None:
    assert env.run(full=True).status == "ok"
    alive = run(env.settings)
    assert alive.status == "ok", alive.message  # nothing changed, shop reached: green
    assert alive.eshop_requests >= 1
    dead = replace(env.settings, eshop=replace(env.settings.eshop, url=dead_url()))
    failed = run(dead)
    assert failed.status == "failed"
    # the incremental run asks the shop what it changed itself (stock lowered by orders), so it meets the dead
    # shop inside the job; a run that never opened the shop gets the runner's probe message instead
    assert failed.message.startswith(("Nepodařilo se spojit s e-shopem:", "E-shop není dostupný")), failed.message


def test_a_preview_is_not_green_for_a_dead_shop_either(env: StockEnv) -> None:
    assert env.run(full=True).status == "ok"
    dead = replace(env.settings, eshop=replace(env.settings.eshop, url=dead_url()))
    assert run(dead, dry_run=True).status == "failed"


def test_changes_pushed_mean_the_shop_was_reached_without_a_probe(env: StockEnv) -> None:
    assert env.run(full=True).status == "ok"
    code = env.simple_codes(1)[0]
    env.mserver.set_stock(code, Decimal(41))
    env.woo.reset_stats()
    done = run(env.settings)
    assert done.status == "ok" and done.ok_count == 1
    assert env.shop_qty(code) == 41


def test_payments_over_mserver_without_paid_invoices_fail_when_the_shop_is_down(env: StockEnv) -> None:
    dead = replace(env.settings, eshop=replace(env.settings.eshop, url=dead_url()))
    failed = run(dead, "payments")
    assert failed.status == "failed", failed.message
    assert "e-shopem" in failed.message


def test_orders_fail_when_pohoda_is_down_even_with_nothing_to_transfer(env: StockEnv) -> None:
    dead = replace(env.settings, pohoda=replace(env.settings.pohoda, url=dead_url()))
    failed = run(dead, "orders")
    assert failed.status == "failed", failed.message
    assert failed.message.startswith("Nepodařilo se spojit s POHODOU (mServer)") or "mServer" in failed.message
