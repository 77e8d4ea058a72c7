"""Zaplacené objednávky in the browser flow: upload → preview → confirm → run, against both emulators."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapter import ledger
from adapter.config import Settings
from tests.fixtures_app import CsrfClient, connections_for_tests
from tests.sync.payments.test_job import TO_MARK, UNKNOWN, Env, build_env, csv_bytes

PREVIEW_URL = re.compile(r"/payments/upload/([A-Za-z0-9_-]+)$")


@pytest.fixture
def env(woo_factory: Any, mserver_factory: Any, data_dir: Path, assert_valid_datapack: Any) -> Env:
    """Both emulators; [payments] upload limit 1 MB."""
    return build_env(woo_factory, mserver_factory, data_dir, assert_valid_datapack, max_upload_mb=1)


@pytest.fixture
def app_settings(env: Env) -> Settings:
    """The app talks to the emulators."""
    return env.settings


@pytest.fixture
def app(app_settings: Settings, data_dir: Path) -> Iterator[Flask]:
    """The real app with the real payments job (no stand-in jobs)."""
    from app import create_app

    application = create_app(app_settings, data_dir=data_dir, connections=connections_for_tests())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    application.extensions["adapter"].runner.wait("payments", 30)
    ledger.database.close()


def upload(client: FlaskClient, data: bytes, name: str = "faktury.csv") -> Any:
    """Post a file to the upload form."""
    return client.post("/payments/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def wait_for_run(app: Flask) -> ledger.Run:
    """Wait for the payments run to finish and return it."""
    assert app.extensions["adapter"].runner.wait("payments", 30)
    with ledger.database.connection_context():
        run = ledger.last_run("payments")
    assert run is not None and run.finished
    return run


def test_upload_preview_confirm_marks_orders_paid(app: Flask, client: FlaskClient, env: Env) -> None:
    on_hold, pending, completed, partly = (env.order("on-hold"), env.order("pending"), env.order("completed"),
                                           env.order("on-hold"))
    completed_before = env.shop(completed["id"])
    data = csv_bytes([
        ("26FV0001", "4.3.2025", on_hold["number"], "1 210,00", "0,00", "6.3.2025"),
        ("26FV0002", "4.3.2025", pending["number"], "500,00", "0,00", "7.3.2025"),
        ("26FV0003", "4.3.2025", completed["number"], "100,00", "0,00", "6.3.2025"),
        ("26FV0004", "4.3.2025", partly["number"], "1 000,00", "400,00", "6.3.2025"),
        ("26FV0005", "4.3.2025", "880088", "100,00", "0,00", "6.3.2025"),
        ("26FV0006", "4.3.2025", "12", "x", "0,00", ""),
    ])
    response = upload(client, data)
    assert response.status_code == 302, response.data[:400]
    preview_url = response.headers["Location"]
    assert PREVIEW_URL.search(preview_url)
    page = client.get(preview_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="to-mark-count">2<' in html
    assert "Částečně uhrazené" in html and "zbývá uhradit 400,00" in html
    assert "880088" in html and UNKNOWN in html
    assert "Přeskočené řádky souboru" in html and "není částka" in html
    assert "1\u00a0210,00\u00a0Kč" in html and "6. 3. 2025" in html
    assert env.writes() == 0, "the preview changes nothing"

    response = client.post(preview_url + "/apply")
    assert response.status_code == 302
    run_url = response.headers["Location"]
    assert re.search(r"/payments/run/\d+$", run_url)
    run = wait_for_run(app)
    assert run.status == "ok" and run.trigger == "upload" and run.ok_count == 2
    for order in (on_hold, pending):
        shop = env.shop(order["id"])
        assert shop["status"] == "processing" and shop["date_paid"]
        assert any(n["note"].startswith("Zaplaceno dle POHODA, faktura 26FV000") for n in env.woo.notes(order["id"]))
    assert env.meta(pending["id"])["_pohoda_paid_date"] == "2025-03-07"
    assert env.shop(completed["id"])["status"] == "completed"
    assert env.shop(completed["id"])["date_modified"] == completed_before["date_modified"]
    assert env.shop(partly["id"])["status"] == "on-hold"

    result = client.get(run_url).get_data(as_text=True)
    assert TO_MARK in result and "Označena jako zaplacená" in result and "880088" in result
    generic = client.get(f"/runs/{run.id}").get_data(as_text=True)
    assert TO_MARK in generic and "Označena jako zaplacená" in generic
    again = client.get(preview_url).get_data(as_text=True)
    assert f"/payments/run/{run.id}" in again, "a confirmed upload links to its run"

    # the same file again: nothing to do, and confirming writes nothing
    writes = env.writes()
    response = upload(client, data)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="nothing-to-do"' in html and 'id="confirm-apply"' not in html
    client.post(response.headers["Location"] + "/apply")
    wait_for_run(app)
    assert env.writes() == writes


def test_preview_belongs_to_the_uploading_session(app: Flask, client: FlaskClient, env: Env) -> None:
    order = env.order("on-hold")
    response = upload(client, csv_bytes([("FV1", "4.3.2025", order["number"], "10,00", "0,00", "")]))
    preview_url = response.headers["Location"]
    other = app.test_client()
    assert other.get(preview_url).status_code == 404
    assert other.post(preview_url + "/apply").status_code == 404
    assert client.get("/payments/upload/../../settings.toml").status_code == 404
    assert client.get("/payments/upload/" + "A" * 24).status_code == 404
    assert env.shop(order["id"])["status"] == "on-hold"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "Soubor je PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "XLSX"),
        ("Číslo;Datum;Celkem\r\nFV1;1.1.2025;100\r\n".encode("cp1250"), "Nalezená hlavička: Číslo; Datum; Celkem"),
        (b"\x00\x01\x02\x03" * 200, "binární"),
        (b"", "prázdný"),
    ],
)
def test_unusable_files_get_a_czech_message_not_a_500(client: FlaskClient, env: Env, content: bytes,
                                                      expected: str) -> None:
    response = upload(client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="upload-error"' in html and expected in html
    assert env.writes() == 0


def test_no_file_chosen(client: FlaskClient) -> None:
    response = client.post("/payments/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Vyberte soubor" in response.get_data(as_text=True)


def test_oversize_file_gets_a_clear_message(client: FlaskClient, env: Env) -> None:
    big = csv_bytes([("FV1", "4.3.2025", "1", "10,00", "0,00", "")]) + b"x" * (1024 * 1024 + 10)
    response = upload(client, big)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "větší než povolených 1 MB" in html and "Nastavení" in html


def test_shop_answering_a_login_page_is_a_message(client: FlaskClient, env: Env) -> None:
    env.woo.set_faults(html_page=True)
    response = upload(client, csv_bytes([("FV1", "4.3.2025", "1", "10,00", "0,00", "")]))
    assert response.status_code == 502
    html = response.get_data(as_text=True)
    assert "e-shop se nepodařilo zeptat" in html and "neodpověděl platnými daty" in html


def test_index_and_dashboard_show_the_last_upload(app: Flask, client: FlaskClient, env: Env) -> None:
    order = env.order("on-hold")
    upload(client, csv_bytes([("FV1", "4.3.2025", order["number"], "10,00", "0,00", "")]), name="brezen.csv")
    index = client.get("/payments/").get_data(as_text=True)
    assert "brezen.csv" in index and "jen náhled" in index
    assert 'enctype="multipart/form-data"' in index
    dashboard = client.get("/").get_data(as_text=True)
    assert "Poslední nahraný soubor: <strong>brezen.csv</strong>" in dashboard
    assert 'href="/payments/"' in dashboard


def test_automatic_route_from_the_dashboard_button(app: Flask, client: FlaskClient, env: Env) -> None:
    paid, unpaid = env.order("on-hold"), env.order("on-hold")
    env.emu.mark_paid(env.invoice(paid["number"], "100"))
    env.invoice(unpaid["number"], "100")
    response = client.post("/jobs/payments/start/sync")
    assert response.status_code == 302
    run = wait_for_run(app)
    assert run.status == "ok" and run.ok_count == 1
    assert env.shop(paid["id"])["status"] == "processing"
    assert env.shop(unpaid["id"])["status"] == "on-hold"
    page = client.get(f"/payments/run/{run.id}").get_data(as_text=True)
    assert "POHODA (mServer)" in page and paid["number"] in page
    partial = client.get(f"/payments/run/{run.id}/table", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'id="payments-result"' in partial.get_data(as_text=True)
    assert client.get("/payments/run/999999").status_code == 404
