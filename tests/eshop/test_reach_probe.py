"""The check that a run reached the shop is one light signed request, not the connection test's four."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapter.sync.connections import DefaultConnections
from adapter.sync.runner import JobRunner
from tests.eshop.helpers import in_flight_peaks
from tests.sync.stock.test_job import StockEnv, make_env


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> StockEnv:
    return make_env(tmp_path, mserver_factory, woo_factory, 10)


def test_a_run_that_never_needed_the_shop_checks_it_with_one_light_request(
        env: StockEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """Payments over mServer with no paid invoice never call the shop; the probe is one GET, no WordPress index."""
    calls = in_flight_peaks(monkeypatch, "/wp-json")
    env.woo.reset_stats()
    run, _ = JobRunner(lambda: env.settings, DefaultConnections()).run_inline("payments", "schedule")
    assert run.status == "ok", run.message
    assert calls["calls"] == 1 and env.woo.stats()["requests"] == 1
    assert run.eshop_requests == 1


def test_the_light_check_still_fails_a_run_whose_keys_the_shop_refuses(env: StockEnv) -> None:
    wrong = replace(env.settings, eshop=replace(env.settings.eshop, consumer_secret="cs_wrong"))
    run, _ = JobRunner(lambda: wrong, DefaultConnections()).run_inline("payments", "schedule")
    assert run.status == "failed"
    assert run.message.startswith("Nepodařilo se spojit s e-shopem"), run.message
