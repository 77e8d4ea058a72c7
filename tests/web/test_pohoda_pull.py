"""POHODA pulls orders („Obecný internetový obchod“): auth, Windows-1250, XSD-valid answer, ledger, confirmation."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from lxml import etree

from adapter import ledger
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import NS, build_pack, parse_response, q
from adapter.pohoda.orders import list_orders_request
from adapter.sync.connections import default_connections
from tests.fixtures_app import CsrfClient
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    ICO,
    Env,
    env_fixture,
    fast_sockets_fixture,
    seed_pairing,
    sku_pools,
)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode("cp1250")).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "text/xml"}


AUTH = basic("pohoda", "tajne-heslo")


def request_body() -> bytes:
    """POHODA's order list request (Windows-1250 dataPack)."""
    item = list_orders_request()
    return build_pack([item], ico=ICO, pack_id="pohoda-import", application="Obecný Internetový obchod - import").xml


@pytest.fixture
def web(env: Env) -> Any:
    from app import create_app

    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    seed_pairing(sku_pools(env)["single"])  # POHODA pulls without mServer: pairing comes from the report
    return application


def orders_in(body: bytes) -> list[etree._Element]:
    doc = etree.fromstring(body)
    return doc.findall("rsp:responsePackItem/lst:listOrder/lst:order", NS)


def test_auth_refused_then_accepted_and_answer_is_windows_1250_and_valid(env: Env, web: Any,
                                                                          assert_valid_responsepack) -> None:
    pools = sku_pools(env)
    ready = [env.woo.add_order([(pools["single"][n], 1 + n)], status="completed",
                               billing={"first_name": "Řehoř", "last_name": "Žluťák 😀"})["id"] for n in range(3)]
    held = env.woo.add_order([(pools["unknown"][0], 1)], status="completed")["id"]
    client = web.test_client()
    assert client.post("/pohoda/orders", data=request_body(), headers={"Content-Type": "text/xml"}).status_code == 401
    assert client.post("/pohoda/orders", data=request_body(), headers=basic("pohoda", "spatne")).status_code == 401
    response = client.post("/pohoda/orders", data=request_body(), headers=AUTH)
    assert response.status_code == 200
    assert "windows-1250" in response.headers["Content-Type"].lower()
    body = response.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="Windows-1250"?>')
    assert "Řehoř".encode("cp1250") in body
    assert_valid_responsepack(body)
    got = orders_in(body)
    assert {o.findtext("ord:orderHeader/ord:extId/typ:ids", namespaces=NS) for o in got} == {str(i) for i in ready}
    # the ledger records what POHODA fetched, inside a run started by POHODA
    for key in map(str, ready):
        entry = ledger.get_entry("orders", key)
        assert entry.state == "sending" and entry.details_value()["route"] == "pull"
    assert ledger.get_entry("orders", str(held)).state == "held"
    (run,) = ledger.runs(agenda="orders", trigger="pohoda")
    assert run.status == "ok" and len(ledger.run_events(run.id, state="sending")) == 3
    # fetched orders are not offered again
    again = client.post("/pohoda/orders", data=request_body(), headers=AUTH).get_data()
    assert_valid_responsepack(again)
    assert orders_in(again) == []
    # a person confirms: ok + marked in the shop
    page = client.get("/orders/").get_data(as_text=True)
    assert "Potvrdit přenos" in page
    response = client.post("/orders/pulled/confirm", data={"key": [str(ready[0])]})
    assert response.status_code == 302
    assert ledger.get_entry("orders", str(ready[0])).state == "ok"
    assert any("Přeneseno do POHODY" in n["note"] for n in env.woo.notes(ready[0]))
    # the others are confirmed by the next mServer run once POHODA has imported them (extId lookup)
    pack_items = []
    for element in got[1:]:
        element.tag = q("ord:order")
    from adapter.pohoda.envelope import PackItem

    pack_items = [PackItem(f"imp-{n}", element) for n, element in enumerate(got[1:])]
    with MServerClient(env.ms.url, "admin", "heslo", ICO) as pohoda:
        result = parse_response(pohoda.post(build_pack(pack_items, ico=ICO, pack_id="pohoda-own").xml, write=True))
    assert all(i.state != "error" for i in result.items)
    run = env.run()
    assert run.status == "ok"
    for key in map(str, ready[1:]):
        entry = ledger.get_entry("orders", key)
        assert entry.state == "ok" and entry.pohoda_number
    assert len(env.ms.received_orders()) == 2  # nothing re-sent over mServer


def test_pull_switched_off_without_credentials_and_bad_body(env: Env, web: Any, assert_valid_responsepack) -> None:
    client = web.test_client()
    bad = client.post("/pohoda/orders", data=b"<nonsense/>", headers=AUTH)
    assert bad.status_code == 200 and b'state="error"' in bad.get_data()
    assert_valid_responsepack(bad.get_data())
    ext = web.extensions["adapter"]
    ext.store.save({"pohoda": {"pull_user": ""}})
    assert client.post("/pohoda/orders", data=request_body(), headers=AUTH).status_code == 403


def test_release_offers_fetched_orders_again(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    oid = env.woo.add_order([(pools["single"][0], 1)], status="completed")["id"]
    client = web.test_client()
    assert len(orders_in(client.post("/pohoda/orders", data=request_body(), headers=AUTH).get_data())) == 1
    client.post("/orders/pulled/release", data={"key": [str(oid)]})
    assert ledger.get_entry("orders", str(oid)).state == "pending"
    assert len(orders_in(client.post("/pohoda/orders", data=request_body(), headers=AUTH).get_data())) == 1
