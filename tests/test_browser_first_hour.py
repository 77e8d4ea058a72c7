"""The first hour in a real browser (Playwright + Debian's Chromium) against both emulators.

What a shop owner and an accountant see: the menu on one line at 1366 px and no
page wider than the window, the Objednávky page in the menu, a held order's
preview with numbered XML and the reasons it waits, the warehouse per line,
and the run page after *Přenést tuto objednávku teď* that completes by itself.
Each page leaves a screenshot in ``docs/screenshots/`` for the README.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.sync.connections import default_connections
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PAGES = ["/", "/orders/", "/pairing/", "/runs/", "/ledger/", "/payments/", "/customers/", "/settings/"]


@pytest.fixture
def app(env: Env) -> Iterator[Any]:
    from app import create_app

    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    yield application
    application.extensions["adapter"].runner.wait("orders", 60)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="cs-CZ")
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_menu_on_one_line_and_no_page_wider_than_1366(live_server_url: str, page: Any) -> None:
    for path in PAGES:
        page.goto(live_server_url + path)
        links = page.locator("nav.nav a")
        tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        assert len(tops) == 1, f"{path}: the menu wraps onto {len(tops)} lines"
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 1366, f"{path}: the page is {wide} px wide at a 1366 px window"
    page.goto(live_server_url + "/")
    page.locator("nav.nav").get_by_role("link", name="Objednávky").click()
    page.wait_for_url("**/orders/")
    assert page.locator("nav.nav a.active").inner_text() == "Objednávky"
    shot(page, "orders.png")


def test_held_order_preview_shows_numbered_xml_and_why_it_waits(live_server_url: str, page: Any, env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["unknown"][0], 1), (pools["single"][0], 2)], status="completed")
    page.goto(f"{live_server_url}/orders/preview/{doc['id']}")
    why = page.locator("#why-waits")
    why.wait_for()
    assert "nemá v POHODĚ zásobu" in why.inner_text()
    xml = page.locator(".xml-lines")
    assert xml.locator("td.ln").first.inner_text() == "1"
    assert "ord:order" in xml.inner_text()
    assert page.get_by_role("button", name="Přenést tuto objednávku teď").count() == 0
    table = page.locator("table.table").first.inner_text().lower()
    assert "sklad" in table and "základní" in table and "kč" in table
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(page, "order-preview-held.png")


def test_run_page_after_transfer_completes_by_itself(live_server_url: str, page: Any, env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][1], 1)], status="completed")
    page.goto(f"{live_server_url}/orders/preview/{doc['id']}")
    env.ms.set_faults(latency_ms=1500)  # the run is still going when its page opens
    page.get_by_role("button", name="Přenést tuto objednávku teď").click()
    page.wait_for_url("**/runs/*")
    assert page.locator("#run-page-refresh").count() == 1, "the run had already ended: nothing to refresh"
    assert page.get_by_role("link", name=f"Objednávka {doc['number']}").count() == 0
    # no reload: when the run ends the results and the documents table appear by themselves
    page.locator(".run-widget[data-status='ok']").wait_for(timeout=30_000)
    page.get_by_role("link", name=f"Objednávka {doc['number']}").first.wait_for(timeout=15_000)
    assert page.locator("#run-page-refresh").count() == 0
    with ledger.database.connection_context():
        entry = ledger.get_entry("orders", str(doc["id"]))
    assert entry is not None and entry.state == "ok"
    shot(page, "run-detail.png")


def test_a_button_that_waits_shows_that_it_works(live_server_url: str, page: Any, env: Env) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["single"][2], 1)], status="completed")
    page.goto(f"{live_server_url}/orders/preview/{doc['id']}")

    # the first submit stays on the page (a listener after busy.js's cancels it), so the button can be looked at
    page.evaluate("""() => window.addEventListener('submit', e => { if (!window.__once) { window.__once = 1;
        e.preventDefault(); } })""")
    button = page.get_by_role("button", name="Přenést tuto objednávku teď")
    button.click()
    page.wait_for_function("document.querySelector('button[aria-busy=true]') !== null", timeout=5000)
    seen = page.evaluate("""() => { const b = document.querySelector('button[aria-busy=true]');
        return [b.textContent.trim(), b.disabled, getComputedStyle(b, '::after').animationName]; }""")
    assert seen == ["Přenést tuto objednávku teď", True, "busy-spin"]
    page.evaluate("document.querySelector('button[aria-busy=true]').closest('form').submit()")
    page.wait_for_url("**/runs/*")
    page.locator(".run-widget[data-status='ok']").wait_for(timeout=30_000)
