"""Dashboard cards, the progress partial (polls while running, stops when done), cancel."""

from __future__ import annotations

import re

from jinja2 import ChoiceLoader, DictLoader

from adapter import ledger

HX = {"HX-Request": "true"}


def wait_done(app, agenda):
    assert app.extensions["adapter"].runner.wait(agenda, 15)


def run_id_of(html: bytes) -> int:
    return int(re.search(rb'data-run-id="(\d+)"', html).group(1))


def test_dashboard_shows_a_card_per_agenda(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for title in ("Přijaté objednávky", "Zásoby a ceny do e-shopu", "Zaplacené objednávky", "Vydané faktury"):
        assert title in html
    assert "vypnuto" in html  # invoices are off by default
    assert "Synchronizovat" in html and "Náhled" in html and "Úplná kontrola" in html
    assert "Zatím neproběhla žádná synchronizace" in html


def test_progress_polls_while_running_and_stops_when_finished(app, client, job_gate):
    job_gate.hold()
    started = client.post("/jobs/stock/start/sync", data={"v": "card"}, headers=HX)
    assert started.status_code == 200
    html = started.data
    assert b'hx-trigger="load delay:1s"' in html and b'hx-swap="outerHTML"' in html
    run_id = run_id_of(html)
    assert job_gate.started.wait(10)
    polled = client.get(f"/jobs/{run_id}?v=card", headers=HX)
    assert b"load delay:1s" in polled.data and "Zrušit" in polled.get_data(as_text=True)
    assert b"<progress" in polled.data
    assert "HX-Trigger" not in polled.headers

    # a second start shows the running one
    again = client.post("/jobs/stock/start/sync", headers=HX)
    assert run_id_of(again.data) == run_id
    assert "už běží" in again.get_data(as_text=True)

    job_gate.release.set()
    wait_done(app, "stock")
    finished = client.get(f"/jobs/{run_id}?v=card", headers=HX)
    assert finished.status_code == 200
    assert b"hx-trigger" not in finished.data  # polling ends
    assert finished.headers["HX-Trigger"] == "run-finished-stock"
    assert "v pořádku" in finished.get_data(as_text=True)
    assert ledger.get_run(run_id).ok_count == 10


def test_cancel_interrupts_the_run(app, client, job_gate):
    job_gate.hold()
    run_id = run_id_of(client.post("/jobs/stock/start/sync", headers=HX).data)
    assert job_gate.started.wait(10)
    cancelled = client.post(f"/jobs/{run_id}/cancel", data={"v": "card"}, headers=HX)
    assert "Ruší se" in cancelled.get_data(as_text=True)
    job_gate.release.set()
    wait_done(app, "stock")
    run = ledger.get_run(run_id)
    assert run.status == "interrupted"
    html = client.get(f"/jobs/{run_id}", headers=HX).get_data(as_text=True)
    assert "přerušen" in html


def test_job_failure_is_state_with_200(app, client):
    response = client.post("/jobs/invoices/start/sync", headers=HX)
    assert response.status_code == 200
    wait_done(app, "invoices")
    html = client.get(f"/jobs/{run_id_of(response.data)}", headers=HX).get_data(as_text=True)
    assert "selhal" in html and "mServer neběží" in html


def test_preview_and_full_flags(app, client):
    client.post("/jobs/stock/start/preview", headers=HX)
    wait_done(app, "stock")
    run = ledger.last_run("stock", real=False)
    assert run.dry_run and not run.full
    client.post("/jobs/stock/start/full", headers=HX)
    wait_done(app, "stock")
    assert ledger.last_run("stock", real=False).full


def test_plain_post_redirects_to_run_detail(app, client):
    response = client.post("/jobs/products/start/sync")
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    wait_done(app, "products")


def test_unknown_agenda_or_mode_is_404(client):
    assert client.post("/jobs/nope/start/sync", headers=HX).status_code == 404
    assert client.post("/jobs/stock/start/explode", headers=HX).status_code == 404
    assert client.get("/jobs/9999").status_code == 404


def test_counts_and_held_link_after_a_run(app, client):
    client.post("/jobs/orders/start/sync", headers=HX)
    wait_done(app, "orders")
    html = client.get("/").get_data(as_text=True)
    assert "1 doklad čeká na vyřízení" in html
    assert "/ledger/?agenda=orders&amp;state=held" in html
    counts = client.get("/dashboard/orders/counts").get_data(as_text=True)
    assert 'hx-trigger="run-finished-orders from:body"' in counts
    assert "chyba</span> 1" in counts


def test_next_scheduled_run_is_shown(app, client):
    app.extensions["adapter"].store.save({"stock": {"schedule_minutes": 15}})
    html = client.get("/").get_data(as_text=True)
    assert "Automaticky každých 15 min" in html


def test_agenda_extra_partial_is_included_when_present(app, client):
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"dashboard/_extra_stock.html": "<p>EXTRA {{ card.agenda }}</p>"}), app.jinja_env.loader]
    )
    html = client.get("/").get_data(as_text=True)
    assert "EXTRA stock" in html
    assert "EXTRA orders" not in html
