"""The order preview names the VAT regime and, per line, the rate and why (OSS, reverse charge)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from adapter.config.eu import VatSettings
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
    from app import create_app

    env.settings = replace(env.settings, vat=VatSettings(oss=True))
    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    application.extensions["adapter"].runner.wait("orders", 30)


def test_preview_shows_the_oss_regime_and_the_rate_of_each_line(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][0], 2)], status="completed",
                            billing={"first_name": "Ján", "last_name": "Kováč", "country": "SK",
                                     "address_1": "Hlavná 1", "city": "Bratislava", "postcode": "811 01"})
    text = web.test_client().get(f"/orders/preview/{doc['id']}").get_data(as_text=True)
    assert "Režim DPH" in text and "OSS SK" in text and "spotřebitel v SK" in text
    assert "platné" in text and "souhlasí" in text
    assert "<ord:MOSS>" in text.replace("&lt;", "<").replace("&gt;", ">")
    line_rate = "= sazba SK" in text or "není sazbou SK" in text
    assert line_rate, "each line says why it got its rate"
