"""Refunds in the UI: the Objednávky page section, the dashboard card part, the refunds page, the bookmark agenda."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from adapter.sync.connections import default_connections
from tests.fixtures_app import CsrfClient
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)


@pytest.fixture
def web(env: Env) -> Iterator[Any]:
    """The real app (real jobs, real connections) on the env's data folder."""
    from app import create_app

    env.settings = replace(env.settings, refunds=replace(env.settings.refunds, enabled=True))
    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    application.extensions["adapter"].runner.wait("refunds", 30)


def test_cancelled_and_held_show_on_the_orders_page_and_the_card(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    cancelled = env.woo.add_order([(pools["single"][0], 1)], status="completed")
    waiting = env.woo.add_order([(pools["single"][1], 1)], status="completed")
    env.run("orders")
    env.woo.set_order_status(cancelled["id"], "cancelled")
    env.woo.add_refund(waiting["id"], amount="20.00")
    env.settings = replace(env.settings, refunds=replace(env.settings.refunds, on_cancel="list", enabled=True))
    env.run("refunds")
    client = web.test_client()
    orders_page = client.get("/orders/").get_data(as_text=True)
    assert "refunds/_section" in orders_page
    section = client.get("/refunds/_section").get_data(as_text=True)
    assert f"Zrušená objednávka {cancelled['number']}" in section and "ručně" in section
    assert "čeká na fakturu" in section and "nepohnou" in section
    card = client.get("/refunds/_dashboard").get_data(as_text=True)
    assert "1 dobropis čeká" in card and "1 zrušená objednávka čeká" in card
    assert client.get("/refunds/").status_code == 200
    dashboard = client.get("/").get_data(as_text=True)
    assert "Dobropisy a storna" in dashboard and "refunds/_dashboard" in dashboard
