"""POHODA pushes its stock export to /pohoda/stock ("Obecný internetový obchod")."""

from __future__ import annotations

import base64
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import PohodaSettings
from adapter.pohoda.client import MServerClient
from adapter.pohoda.envelope import build_pack
from adapter.pohoda.stock import list_stock_request
from adapter.sync.connections import DefaultConnections
from adapter.sync.stock.push import PushOutcome
from tests.fixtures_app import CsrfClient
from tests.sync.stock.test_job import StockEnv, make_env

AUTH = {"Authorization": "Basic " + base64.b64encode("pohoda:tajné".encode("cp1250")).decode()}


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> StockEnv:
    env = make_env(tmp_path, mserver_factory, woo_factory, 300)
    p = env.settings.pohoda
    env.settings = replace(env.settings, pohoda=PohodaSettings(url=p.url, user=p.user, password=p.password, ico=p.ico,
                                                               pull_user="pohoda", pull_password="tajné"))
    return env


@pytest.fixture
def app(env: StockEnv) -> Any:
    from app import create_app

    application = create_app(env.settings, data_dir=env.settings.data_dir, connections=DefaultConnections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    application.extensions["adapter"].runner.wait("stock", 60)
    ledger.database.close()


def _export(env: StockEnv) -> bytes:
    """What POHODA sends from "Odeslat na internet": a responsePack with lStk:listStock (Internet cards)."""
    p = env.settings.pohoda
    with MServerClient(p.url, p.user, p.password, p.ico) as client:
        item = list_stock_request(internet=True)
        return client.post(build_pack([item], ico=p.ico, pack_id="export").xml)


def test_push_applies_stock_and_answers_ok(client: Any, app: Any, env: StockEnv, assert_valid_responsepack: Any) -> None:
    codes = env.simple_codes(3)
    for code in codes:
        env.mserver.set_stock(code, Decimal(42))
    body = _export(env)
    assert body.startswith(b'<?xml version="1.0" encoding="Windows-1250"')
    response = client.post("/pohoda/stock", data=body, headers={**AUTH, "Content-Type": "text/xml"}, csrf=False)
    assert response.status_code == 200, response.data
    assert "Windows-1250" in response.headers["Content-Type"]
    assert_valid_responsepack(response.data)
    assert b'state="ok"' in response.data and "Přijato".encode("cp1250") in response.data
    assert app.extensions["adapter"].runner.wait("stock", 60)
    with ledger.database.connection_context():
        run = ledger.last_run("stock")
        assert run.trigger == "pohoda" and run.status == "ok", run.message
        assert run.ok_count >= 3
    for code in codes:
        assert env.shop_qty(code) == 42
    assert not list((env.settings.data_dir / "pohoda_push").glob("*.xml"))  # applied → removed
    # the same export again: nothing changed, nothing written
    env.woo.reset_stats()
    again = client.post("/pohoda/stock", data=body, headers=AUTH, csrf=False)
    assert b'state="ok"' in again.data
    assert app.extensions["adapter"].runner.wait("stock", 60)
    assert env.woo.stats()["write_calls"] == 0


def test_push_refuses_bad_credentials_and_garbage(client: Any, env: StockEnv, assert_valid_responsepack: Any) -> None:
    bad = {"Authorization": "Basic " + base64.b64encode(b"pohoda:spatne").decode()}
    response = client.post("/pohoda/stock", data=b"<x/>", headers=bad, csrf=False)
    assert response.status_code == 401 and "Basic" in response.headers["WWW-Authenticate"]
    assert_valid_responsepack(response.data)
    garbage = client.post("/pohoda/stock", data=b"<not-xml", headers=AUTH, csrf=False)
    assert garbage.status_code == 200 and b'state="error"' in garbage.data
    assert_valid_responsepack(garbage.data)
    assert "Zkontrolujte v POHODĚ".encode("cp1250") in garbage.data
    empty = client.post("/pohoda/stock", data=b"", headers=AUTH, csrf=False)
    assert b'state="error"' in empty.data


def test_push_off_without_pull_user(client: Any, app: Any, assert_valid_responsepack: Any) -> None:
    app.extensions["adapter"].store.save({"pohoda": {"pull_user": ""}})
    response = client.post("/pohoda/stock", data=b"<x/>", headers=AUTH, csrf=False)
    assert response.status_code == 403 and "vypnutý".encode("cp1250") in response.data
    assert_valid_responsepack(response.data)


def test_push_answer_is_valid(assert_valid_responsepack: Any) -> None:
    assert_valid_responsepack(PushOutcome(True, "Přijato 3 zásob; běh #1.", 1, 3).answer())
    assert_valid_responsepack(PushOutcome(False, "Chyba – „uvozovky“ & <znaky>").answer())
