"""Orders pages: preview of one order (exact XML, validation, pairing, totals), transfer button, dashboard part."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from adapter import ledger
from adapter.sync.connections import default_connections
from adapter.sync.orders.preview import preview_order
from tests.fixtures_app import CsrfClient
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    shop_total,
    sku_pools,
)


@pytest.fixture
def web(env: Env) -> Iterator[Any]:
    """The real app (real jobs, real connections) on the env's data folder."""
    from app import create_app

    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    application.extensions["adapter"].runner.wait("orders", 30)


def test_preview_shows_exact_valid_xml_pairing_and_totals_and_sends_nothing(env: Env, web: Any,
                                                                           assert_valid_datapack) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][0], 3), (pools["variation"][0], 1)], status="completed",
                            coupon_lines=[{"code": "sleva10"}],
                            billing={"first_name": "Žofie", "last_name": "Šťastná 😀", "company": "Pekárna s.r.o."})
    imports_before = env.ms.stats()["items"]
    page = web.test_client().get(f"/orders/preview/{doc['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "ord:order" in text and "platné" in text and "souhlasí" in text
    assert pools["single"][0] in text and "Přenést tuto objednávku teď" in text
    assert env.ms.received_orders() == []
    assert env.ms.stats()["items"] - imports_before <= 2  # one read-only pairing look-up, no import
    with web.app_context():
        p = preview_order(env.settings, default_connections(), doc["id"])
    assert p.validation == [] and p.totals_equal and p.mapped.doc_total == shop_total(env, doc["id"])
    assert_valid_datapack(p.xml.encode("cp1250"))
    assert env.ms.received_orders() == []


def test_transfer_button_sends_that_one_order(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][1], 1)], status="completed")
    other = env.woo.add_order([(pools["single"][2], 1)], status="completed")
    client = web.test_client()
    response = client.post(f"/orders/transfer/{doc['id']}")
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    web.extensions["adapter"].runner.wait("orders", 30)
    (order,) = env.ms.received_orders()
    assert order.ext_id == str(doc["id"]) and order.total == shop_total(env, doc["id"])
    assert ledger.get_entry("orders", str(other["id"])) is None
    page = client.get(f"/orders/preview/{doc['id']}").get_data(as_text=True)
    assert "Přenést tuto objednávku teď" not in page and order.number in page


def test_preview_of_unpaired_or_missing_order_says_why(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["unknown"][0], 1)], status="completed")
    text = web.test_client().get(f"/orders/preview/{doc['id']}").get_data(as_text=True)
    assert "nespárováno" in text and "nemá v POHODĚ zásobu" in text and "Přenést tuto objednávku teď" not in text
    missing = web.test_client().get("/orders/preview/999999").get_data(as_text=True)
    assert "alert-error" in missing


def test_dashboard_names_held_orders_and_blocking_skus(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    sku = pools["unknown"][0]
    for _ in range(3):
        env.woo.add_order([(pools["single"][0], 1), (sku, 1)], status="completed")
    env.run()
    client = web.test_client()
    assert 'hx-get="/orders/_dashboard"' in client.get("/").get_data(as_text=True)
    part = client.get("/orders/_dashboard").get_data(as_text=True)
    assert "3 objednávky čekají" in part and sku in part and re.search(r"3\s+objednávky", part)
    index = client.get("/orders/").get_data(as_text=True)
    assert sku in index
