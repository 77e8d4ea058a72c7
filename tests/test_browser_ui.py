"""The UI in a real browser (Playwright + Debian's Chromium) against the app served by waitress."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapter import ledger
from adapter.web import accounts
from tests.fixtures_app import ADMIN, Gate, connections_for_tests, make_jobs

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def app(app_settings, data_dir):
    """The app with a ``stock`` job that takes about 2.5 s and reports progress."""
    from app import create_app

    application = create_app(app_settings, data_dir=data_dir, connections=connections_for_tests(),
                             jobs=make_jobs(Gate(), seconds=2.5))
    yield application
    for agenda in ("orders", "stock", "invoices", "products", "customers", "payments"):
        application.extensions["adapter"].runner.wait(agenda, 10)
    ledger.database.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="cs-CZ")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_dashboard_sync_button_shows_progress_and_finishes(live_server_url, page):
    page.goto(live_server_url + "/")
    assert page.title().startswith("Přehled")
    card = page.locator("#agenda-stock")
    card.get_by_role("button", name="Synchronizovat").click()
    card.locator("progress.bar").wait_for(state="visible")
    assert card.locator(".badge-running").count() == 1
    card.locator(".run-widget[data-status='ok']").wait_for(timeout=20_000)
    assert card.locator("progress.bar").count() == 0
    assert "10" in card.locator(".run-counts").inner_text()
    # the orders job leaves one held document: its link shows after a run
    orders = page.locator("#agenda-orders")
    orders.get_by_role("button", name="Synchronizovat").click()
    orders.locator(".run-widget[data-status='partial']").wait_for(timeout=20_000)
    orders.get_by_text("1 doklad čeká na vyřízení").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), full_page=False)


def test_cancel_button_while_running(live_server_url, page):
    page.goto(live_server_url + "/")
    card = page.locator("#agenda-stock")
    card.get_by_role("button", name="Synchronizovat").click()
    card.get_by_role("button", name="Zrušit").click()
    card.locator(".run-widget[data-status='interrupted']").wait_for(timeout=20_000)


def test_login_form_and_csrf(app, live_server_url, page):
    app.extensions["adapter"].store.save({"app": {"login_on_loopback": True}})
    with ledger.database.connection_context():
        accounts.create_user(*ADMIN, "admin")
    page.goto(live_server_url + "/runs/")
    assert "/auth/login" in page.url
    page.fill("#username", ADMIN[0])
    page.fill("#password", "spatne-heslo")
    page.get_by_role("button", name="Přihlásit").click()
    page.get_by_text("Nesprávné jméno nebo heslo").wait_for()
    page.fill("#username", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.get_by_role("button", name="Přihlásit").click()
    page.wait_for_url(re.compile(r".*/runs/$"))
    # a forged POST with the session cookie but without the CSRF token fails
    forged = page.request.post(live_server_url + "/jobs/stock/start/sync", headers={"HX-Request": "true"})
    assert forged.status == 400
    # a form on another site posting here is refused by Sec-Fetch-Site
    page.route("http://evil.test/", lambda route: route.fulfill(
        content_type="text/html",
        body=f'<form method="post" action="{live_server_url}/jobs/stock/start/sync"><button>Klik</button></form>'))
    page.goto("http://evil.test/")
    page.get_by_role("button", name="Klik").click()
    page.get_by_text("Požadavek z jiného webu byl odmítnut").wait_for()
    with ledger.database.connection_context():
        assert ledger.last_run("stock", real=False) is None


def test_saving_settings_and_testing_the_connection(live_server_url, page, data_dir, mserver):
    page.goto(live_server_url + "/settings/orders")
    page.fill("#f-orders-schedule_minutes", "30")
    page.get_by_role("button", name="Uložit").click()
    page.get_by_text("Nastavení bylo uloženo").wait_for()
    assert "schedule_minutes = 30" in (data_dir / "settings.toml").read_text(encoding="utf-8")
    page.fill("#f-orders-batch_size", "0")
    page.get_by_role("button", name="Uložit").click()
    page.get_by_text("velikost dávky musí být 1 až 500").wait_for()

    page.goto(live_server_url + "/settings/connections")
    page.fill("#f-pohoda-url", mserver.url)
    page.fill("#f-pohoda-user", mserver.user)
    page.fill("#f-pohoda-password", mserver.password)
    page.fill("#f-pohoda-ico", mserver.ico)
    page.locator("[data-test='pohoda']").click()
    page.locator("#test-pohoda").get_by_text("Spojení funguje").wait_for()
    assert mserver.company in page.locator("#test-pohoda").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "settings-connections.png"), full_page=False)


def test_bookmark_url_shows_the_progress_page(live_server_url, page):
    with ledger.database.connection_context():
        secret = accounts.create_token("záložka", ["stock"]).secret
    page.goto(f"{live_server_url}/run/stock?token={secret}")
    page.locator(".run-widget").wait_for()
    page.locator(".run-widget[data-status='ok']").wait_for(timeout=20_000)
    assert "Stránku můžete zavřít" in page.content()
