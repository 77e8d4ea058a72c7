"""Every page at 1366 × 768 in Chromium: no horizontal overflow and the menu on one line.

The app runs over a demo-like data folder (``tests/fixtures_demo.py``: every agenda
has run), so tables, run reports with XML, order previews and the settings pages
are full. Each page visited leaves a full-page screenshot, the test's artifact: in
the folder named by ``PAGE_SCREENSHOTS`` (CI keeps it), else in pytest's temporary
folder (printed at the end). The README screenshots come from the other browser tests.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.web.labels import PAGES
from tests.fixtures_app import free_port
from tests.fixtures_demo import DemoApp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH, HEIGHT = 1366, 768


@pytest.fixture(scope="module")
def demo_url(demo_app: DemoApp) -> Iterator[str]:
    """The demo-like app served by waitress for the module's tests."""
    from waitress.server import create_server

    server = create_server(demo_app.app, host="127.0.0.1", port=free_port(), threads=8)
    thread = threading.Thread(target=server.run, name="waitress-pages", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(5)


def detail_pages(demo: DemoApp) -> list[str]:
    """Pages not in the menu: run reports, a document with its XML, order previews, each settings page."""
    with ledger.database.connection_context():
        sent = ledger.entries(agenda="orders", state="ok", limit=1)
        products = ledger.entries(agenda="products", state="ok", limit=1)
    pages = [f"/runs/{demo.preview[a]}" for a in ("orders", "invoices", "products", "customers", "stock")]
    pages += [f"/runs/{demo.real[a]}" for a in ("orders", "payments", "states", "documents")]
    pages += [f"/ledger/{e.id}" for e in [*sent, *products]]
    pages += [f"/orders/preview/{key}" for key in demo.held_orders[:2]]
    pages += ["/pairing/?status=conflict", "/pairing/?status=eshop_only", "/alerts/", "/settings/plugin/"]
    pages += [f"/settings/{name}" for name in PAGES]
    return pages


def test_no_page_is_wider_than_the_window_and_the_menu_stays_on_one_line(
    browser: Any, demo_url: str, demo_app: DemoApp, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kept = os.environ.get("PAGE_SCREENSHOTS")
    shots = Path(kept) if kept else tmp_path_factory.mktemp("screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="cs-CZ")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(demo_url + "/")
        menu = page.locator("nav.nav a")
        paths = [menu.nth(i).get_attribute("href") or "" for i in range(menu.count())]
        assert "/orders/" in paths, "the Objednávky page is not in the menu"
        wide, wrapped = {}, {}
        for path in [*paths, *detail_pages(demo_app)]:
            answer = page.goto(demo_url + path)
            assert answer is not None and answer.ok, f"{path}: HTTP {answer.status if answer else '?'}"
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > page.evaluate("window.innerWidth"):
                wide[path] = width
            links = page.locator("nav.nav a")
            tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
            if len(tops) != 1:
                wrapped[path] = len(tops)
            name = re.sub(r"[^\w]+", "-", path).strip("-") or "prehled"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        print(f"\nscreenshots of {len(list(shots.iterdir()))} pages: {shots}")
        assert not wide, f"pages wider than {WIDTH} px: {wide}"
        assert not wrapped, f"the menu wraps onto more lines: {wrapped}"
    finally:
        context.close()
