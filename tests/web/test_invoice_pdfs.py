"""Invoice PDF pages: the list with states, the download of a stored PDF, send again, the test e-mail button."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapter.config import DocumentsSettings
from adapter.ledger import pdfs as rows
from adapter.mail import MailSettings
from adapter.sync.connections import default_connections
from tests.fixtures_app import CsrfClient
from tests.fixtures_mail import SmtpServer
from tests.fixtures_mail import _free_port as free_port
from tests.sync.invoice_pdfs.test_job import invoiced
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
)


@pytest.fixture
def web(env: Env, smtp_server: SmtpServer) -> Any:
    """The real app on the env's data folder, mail going to the loopback SMTP server."""
    from app import create_app

    env.settings = replace(env.settings,
                           mail=MailSettings(host=smtp_server.host, port=smtp_server.port, security="none",
                                             sender="faktury@obchod.cz", password="nikdy-nezobrazit"),
                           documents=DocumentsSettings(enabled=True, report=1))
    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    return application


def test_list_download_resend_and_dashboard(env: Env, web: Any, smtp_server: SmtpServer) -> None:
    (order, invoice), = invoiced(env, 1)
    assert env.run("documents").ok_count == 1
    client = web.test_client()
    page = client.get("/invoice-pdfs/").get_data(as_text=True)
    assert invoice["number"] in page and "hotovo" in page and "nikdy-nezobrazit" not in page
    entry = rows.by_key(str(invoice["id"]))
    assert entry is not None
    pdf = client.get(f"/invoice-pdfs/{entry.id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert client.get("/invoice-pdfs/999999/pdf").status_code == 404
    assert client.post(f"/invoice-pdfs/{entry.id}/resend").status_code == 302
    assert rows.by_key(str(invoice["id"])).state == "printed"
    assert env.run("documents").ok_count == 1
    assert len(smtp_server.messages) == 2  # sent again because a person asked for it
    preview = client.get(f"/orders/preview/{order['id']}").get_data(as_text=True)
    assert f"/invoice-pdfs/?order={order['id']}" in preview
    settings_page = client.get("/settings/documents").get_data(as_text=True)
    assert "zkusebni-email" in settings_page and "ID tiskové sestavy" in settings_page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Faktury PDF zákazníkům" in dashboard and "Stav objednávek do e-shopu" in dashboard


def test_test_mail_button(env: Env, web: Any, smtp_server: SmtpServer) -> None:
    client = web.test_client()
    answer = client.post("/invoice-pdfs/test-mail", data={"to": "ja@obchod.cz"}, follow_redirects=True)
    assert "Zkušební e-mail odešel" in answer.get_data(as_text=True)
    assert [str(m["To"]) for m in smtp_server.messages] == ["ja@obchod.cz"]


def test_test_mail_failure_is_shown_in_czech(env: Env) -> None:
    from app import create_app

    settings = replace(env.settings, mail=MailSettings(host="127.0.0.1", port=free_port(), security="none",
                                                       sender="faktury@obchod.cz"))
    application = create_app(settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    answer = application.test_client().post("/invoice-pdfs/test-mail", follow_redirects=True)
    assert "není dostupný" in answer.get_data(as_text=True)


def test_bookmark_urls_run_states_and_documents(env: Env, web: Any) -> None:
    import re

    client = web.test_client()
    html = client.post("/tokens/", data={"name": "Plánovač", "agendas": ["states", "documents"]}).get_data(as_text=True)
    secret = re.search(r'<code class="secret" data-token>([^<]+)</code>', html).group(1)
    for agenda in ("states", "documents"):
        answer = client.get(f"/run/{agenda}?token={secret}&format=text&mode=preview").get_data(as_text=True)
        assert answer.startswith("ok run=") and f"agenda={agenda}" in answer, answer
    assert client.get(f"/run/orders?token={secret}&format=text").status_code == 403
