"""Bookmark sync URLs: tokens created (shown once), used, restricted, revoked; text and HTML answers."""

from __future__ import annotations

import hashlib
import logging
import re

from adapter import ledger
from adapter.web import accounts


def create_token(client, name="Plánovač", agendas=()):
    response = client.post("/tokens/", data={"name": name, "agendas": list(agendas)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.search(r'<code class="secret" data-token>([^<]+)</code>', html).group(1), html


def test_token_is_shown_once_and_stored_as_hash(client):
    secret, html = create_token(client)
    assert "znovu se už nezobrazí" in html and f"/run/stock?token={secret}&amp;format=text" in html
    row = ledger.Token.get()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and row.prefix == secret[:6]
    listing = client.get("/tokens/").get_data(as_text=True)
    assert secret not in listing and f"{secret[:6]}…" in listing


def test_text_answer_waits_for_the_run(app, lan_client, client):
    secret, _ = create_token(client)
    response = lan_client.get(f"/run/stock?token={secret}&format=text")  # no login needed
    assert response.status_code == 200 and response.mimetype == "text/plain"
    first, message = response.get_data(as_text=True).splitlines()[:2]
    run = ledger.last_run("stock")
    assert first == f"ok run={run.id} agenda=stock"
    assert "Přeneseno 10" in message
    assert run.trigger == "bookmark"


def test_script_accept_header_gets_text_and_failures_are_200(app, client):
    secret, _ = create_token(client)
    response = client.get(f"/run/invoices?token={secret}", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("failed run=")
    assert "mServer neběží" in response.get_data(as_text=True)


def test_mode_preview(app, client):
    secret, _ = create_token(client)
    client.get(f"/run/stock?token={secret}&format=text&mode=preview")
    assert ledger.last_run("stock", real=False).dry_run


def test_browser_gets_the_progress_page(app, lan_client, client, job_gate):
    secret, _ = create_token(client)
    job_gate.hold()
    page = lan_client.get(f"/run/stock?token={secret}", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    run = ledger.last_run("stock")
    poll = re.search(r'hx-get="(/run/progress/\d+/[0-9a-f]+)"', html).group(1)
    assert secret not in poll and "Zrušit" not in html and "Nastavení" not in html
    assert job_gate.started.wait(10)
    # a second call while running shows the running one
    again = lan_client.get(f"/run/stock?token={secret}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "už běžela" in again and f"Běh #{run.id}" in again
    text = lan_client.get(f"/run/stock?token={secret}&format=text&wait=0").get_data(as_text=True)
    assert text.startswith(f"running run={run.id} ")
    # the signed poll URL works without login; a forged one does not
    assert lan_client.get(poll).status_code == 200
    assert lan_client.get(poll[:-1] + ("0" if poll[-1] != "0" else "1")).status_code == 403
    job_gate.release.set()
    app.extensions["adapter"].runner.wait("stock", 15)
    finished = lan_client.get(poll).get_data(as_text=True)
    assert "hx-trigger" not in finished and "v pořádku" in finished


def test_bad_revoked_and_restricted_tokens(app, client):
    secret, _ = create_token(client, agendas=["stock"])
    assert client.get("/run/stock?token=nesmysl&format=text").status_code == 403
    assert client.get("/run/stock?format=text").status_code == 403
    assert client.get(f"/run/orders?token={secret}&format=text").status_code == 403
    assert client.get(f"/run/nope?token={secret}&format=text").status_code == 404
    assert client.get("/run/stock?token=nesmysl", headers={"Accept": "text/html"}).status_code == 403
    assert client.get(f"/run/stock?token={secret}&format=text").status_code == 200
    token = ledger.Token.get()
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 302
    assert client.get(f"/run/stock?token={secret}&format=text").status_code == 403  # at once
    assert "zrušen" in client.get("/tokens/").get_data(as_text=True)


def test_tokens_are_compared_in_constant_time(client, monkeypatch):
    first, _ = create_token(client, "a")
    create_token(client, "b")
    calls = []
    real = accounts.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(accounts.hmac, "compare_digest", spy)
    assert accounts.check_token(first) is not None
    assert len(calls) == 2  # every live token compared, no early exit
    calls.clear()
    assert accounts.check_token("nesmysl") is None and len(calls) == 2


def test_token_never_logged(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    secret, _ = create_token(client)
    client.get(f"/run/stock?token={secret}&format=text")
    client.get(f"/run/invoices?token={secret}&format=text")
    assert secret not in caplog.text


def test_token_name_is_required(client):
    response = client.post("/tokens/", data={"name": " "})
    assert response.status_code == 302
    assert "Zadejte název tokenu" in client.get("/tokens/").get_data(as_text=True)
