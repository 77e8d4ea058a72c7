"""Hardening: POHODA's endpoints throttle wrong passwords and refuse an empty one; waiting bookmark calls are capped."""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from adapter import ledger
from adapter.config import PohodaSettings, Settings
from adapter.web import accounts, throttle
from adapter.web.pohoda_basic import pohoda_credentials_ok

PULL_USER = "pohoda-web"
PULL_PASSWORD = "Pull-Heslo-7"
ENDPOINTS = ("/pohoda/orders", "/pohoda/stock")


@pytest.fixture
def app_settings(data_dir: Path) -> Settings:
    base = Settings(data_dir=data_dir)
    return replace(base, pohoda=replace(base.pohoda, url="http://127.0.0.1:1", user="admin", ico="12345678",
                                        pull_user=PULL_USER, pull_password=PULL_PASSWORD))


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def from_addr(app: Flask, addr: str) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    return client


@pytest.mark.parametrize("path", ENDPOINTS)
def test_wrong_passwords_are_throttled_per_address(app: Flask, path: str) -> None:
    attacker = from_addr(app, "192.168.1.66")
    statuses = [attacker.post(path, data=b"<x/>", headers=basic(PULL_USER, f"zkouska{i}")).status_code
                for i in range(throttle.POHODA_FAILURES + 3)]
    assert statuses[: throttle.POHODA_FAILURES] == [401] * throttle.POHODA_FAILURES, statuses
    assert statuses[-1] == 429
    refused = attacker.post(path, data=b"<x/>", headers=basic(PULL_USER, PULL_PASSWORD))
    assert refused.status_code == 429  # even the right password waits: no oracle for the attacker
    assert int(refused.headers["Retry-After"]) > 0
    assert "Příliš mnoho nesprávných hesel" in refused.get_data(as_text=True)
    # POHODA on another computer is not punished for the attacker
    assert from_addr(app, "192.168.1.67").post(path, data=b"<x/>",
                                               headers=basic(PULL_USER, "spatne")).status_code == 401


def test_a_good_password_clears_the_count(app: Flask) -> None:
    client = from_addr(app, "192.168.1.68")
    for _ in range(throttle.POHODA_FAILURES - 1):
        client.post("/pohoda/stock", data=b"<x/>", headers=basic(PULL_USER, "spatne"))
    good = client.post("/pohoda/stock", data=b"<x/>", headers=basic(PULL_USER, PULL_PASSWORD))
    assert good.status_code not in (401, 429)
    for _ in range(throttle.POHODA_FAILURES - 1):
        assert client.post("/pohoda/stock", data=b"<x/>", headers=basic(PULL_USER, "spatne")).status_code == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_empty_pull_password_switches_the_endpoints_off(app: Flask, path: str) -> None:
    app.extensions["adapter"].store.save({"pohoda": {"pull_password": ""}})
    response = from_addr(app, "192.168.1.69").post(path, data=b"<x/>", headers=basic(PULL_USER, ""))
    assert response.status_code == 403
    assert "Heslo pro POHODU" in response.get_data(as_text=True)


def test_credentials_with_an_empty_password_never_match() -> None:
    header = basic(PULL_USER, "")["Authorization"]
    assert not pohoda_credentials_ok(header, PohodaSettings(pull_user=PULL_USER, pull_password=""))


def test_waiting_bookmark_calls_are_capped(app: Flask, job_gate: Any) -> None:
    with app.app_context(), ledger.database.connection_context():
        secret = accounts.create_token("Plánovač").secret
    url = f"/run/stock?token={secret}&format=text&wait=20"
    job_gate.hold()
    slots = throttle.limits(app).waiting
    answers: list[int] = []

    def call() -> None:
        answers.append(app.test_client().get(url).status_code)

    waiting = [threading.Thread(target=call) for _ in range(throttle.WAITING_LIMIT)]
    for thread in waiting:
        thread.start()
    deadline = time.monotonic() + 10
    while slots._value and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    try:
        busy = app.test_client().get(url)
        assert busy.status_code == 429 and busy.headers["Retry-After"] == str(throttle.WAITING_RETRY_AFTER)
        assert "wait=0" in busy.get_data(as_text=True)
        # a call that does not wait needs no slot
        quick = app.test_client().get(url.replace("wait=20", "wait=0"))
        assert quick.status_code == 200 and quick.get_data(as_text=True).startswith("running run=")
    finally:
        job_gate.release.set()
        for thread in waiting:
            thread.join(30)
    assert answers == [200] * throttle.WAITING_LIMIT
    assert slots._value == throttle.WAITING_LIMIT  # type: ignore[attr-defined]  # every slot came back


def test_the_server_has_threads_left_for_the_pages() -> None:
    assert throttle.SERVER_THREADS - throttle.WAITING_LIMIT >= 8
