"""Hardening: a large payments CSV is read by a background worker, not in the upload request."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapter import ledger
from adapter.sync.payments import preview as sync_payments
from adapter.web import payments as payments_web
from adapter.web import payments_pending
from tests.fixtures_app import CsrfClient, connections_for_tests
from tests.sync.payments.test_job import Env, build_env, csv_bytes


@pytest.fixture
def env(woo_factory: Any, mserver_factory: Any, data_dir: Path, assert_valid_datapack: Any) -> Env:
    return build_env(woo_factory, mserver_factory, data_dir, assert_valid_datapack, max_upload_mb=1)


@pytest.fixture
def app(env: Env, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    from app import create_app

    monkeypatch.setattr(payments_web, "INLINE_BYTES", 64)  # every test file counts as large
    application = create_app(env.settings, data_dir=data_dir, connections=connections_for_tests())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    ledger.database.close()


def upload(client: FlaskClient, data: bytes) -> Any:
    return client.post("/payments/upload", data={"file": (io.BytesIO(data), "faktury.csv")},
                       content_type="multipart/form-data")


def follow_pending(client: FlaskClient, url: str) -> Any:
    deadline = time.monotonic() + 30
    while True:
        page = client.get(url)
        if page.status_code != 200 or "data-pending" not in page.get_data(as_text=True):
            return page
        assert '<meta http-equiv="refresh"' in page.get_data(as_text=True)
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_large_file_is_read_in_the_background(app: Flask, client: FlaskClient, env: Env,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = sync_payments.prepare_upload

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_payments, "prepare_upload", spy)
    order = env.order("on-hold")
    response = upload(client, csv_bytes([("26FV0001", "4.3.2025", order["number"], "1 210,00", "0,00", "6.3.2025")]))
    assert response.status_code == 302 and "/payments/pending/" in response.headers["Location"]
    done = follow_pending(client, response.headers["Location"])
    assert done.status_code == 302 and "/payments/upload/" in done.headers["Location"]
    assert threads and threads[0].startswith("payments-upload") and threads[0] != threading.current_thread().name
    preview = client.get(done.headers["Location"]).get_data(as_text=True)
    assert order["number"] in preview


def test_a_pending_upload_belongs_to_its_session(app: Flask, client: FlaskClient, env: Env) -> None:
    response = upload(client, csv_bytes([("26FV0001", "4.3.2025", "1", "10,00", "0,00", "")]))
    url = response.headers["Location"]
    assert app.test_client().get(url).status_code == 404
    assert client.get("/payments/pending/neznamy-identifikator").status_code == 404
    follow_pending(client, url)


def test_a_bad_large_file_shows_its_problem(app: Flask, client: FlaskClient) -> None:
    response = upload(client, b"tohle;neni;export\n" * 20)
    page = follow_pending(client, response.headers["Location"])
    assert page.status_code == 400
    assert "Traceback" not in page.get_data(as_text=True)


def test_too_many_waiting_uploads_are_refused(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    monkeypatch.setattr(sync_payments, "prepare_upload", lambda *a, **k: gate.wait(30) and None)
    data = csv_bytes([("26FV0001", "4.3.2025", "1", "10,00", "0,00", "")])
    try:
        statuses = [upload(client, data).status_code for _ in range(payments_pending.MAX_PENDING + 1)]
    finally:
        gate.set()
    assert statuses == [302] * payments_pending.MAX_PENDING + [429]


def test_small_files_are_still_read_inline() -> None:
    assert 64 * 1024 <= payments_pending.INLINE_BYTES <= 4 * 1024 * 1024
