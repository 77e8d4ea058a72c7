"""The pairing report in a real browser (Playwright + Debian's Chromium); takes the README screenshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.sync.connections import DefaultConnections
from tests.sync.stock.test_job import StockEnv, expected_counts, make_env

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def env(tmp_path: Path, mserver_factory: Any, woo_factory: Any) -> StockEnv:
    return make_env(tmp_path, mserver_factory, woo_factory, 600)


@pytest.fixture
def app(env: StockEnv) -> Any:
    from app import create_app

    application = create_app(env.settings, data_dir=env.settings.data_dir, connections=DefaultConnections())
    yield application
    application.extensions["adapter"].runner.wait("stock", 60)
    ledger.database.close()


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="cs-CZ")
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def test_refresh_button_filter_and_screenshot(live_server_url: str, page: Any, env: StockEnv) -> None:
    page.goto(live_server_url + "/pairing/")
    assert page.title().startswith("Párování produktů")
    page.get_by_role("button", name="Obnovit párování").click()
    page.locator(".run-widget[data-status='ok']").wait_for(timeout=60_000)
    page.goto(live_server_url + "/pairing/")
    want = expected_counts(env.catalogue)
    counts = page.locator("#pairing-counts")
    assert str(want["eshop_only"]) in counts.locator("[data-status='eshop_only']").inner_text()
    assert str(want["pohoda_only"]) in counts.locator("[data-status='pohoda_only']").inner_text()
    assert page.locator("table.pairing-table tbody tr").count() == 100
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pairing.png"), full_page=False)
    page.select_option("#filter-status", "eshop_only")
    page.get_by_role("button", name="Filtrovat").click()
    page.wait_for_url("**status=eshop_only**")
    assert page.locator("table.pairing-table tbody tr").count() == want["eshop_only"]
    assert page.locator("input[name=product_id]").count() == want["eshop_only"]


def test_warehouses_and_held_orders_columns(live_server_url: str, page: Any, env: StockEnv) -> None:
    simple = {p.sku for p in env.catalogue.products if p.kind == "simple" and p.role == "paired"}
    card = next(c for c in env.catalogue.cards if len(c.stores) == 2 and c.code in simple
                and c.code not in env.catalogue.duplicate_skus)
    with ledger.database.connection_context():
        ledger.save_entries("orders", [{"key": "o-1", "label": "Objednávka 1001", "state": "held",
                                        "details": json.dumps({"number": "1001", "skus": [card.code]})}])
    page.goto(live_server_url + "/pairing/")
    page.get_by_role("button", name="Obnovit párování").click()
    page.locator(".run-widget[data-status='ok']").wait_for(timeout=60_000)
    page.goto(live_server_url + f"/pairing/?q={card.code}")
    headers = [h.casefold() for h in page.locator("table.pairing-table thead th").all_inner_texts()]  # CSS upper-cases
    assert "sklady" in headers and "blokované objednávky" in headers
    row = page.locator("table.pairing-table tbody tr", has_text=card.code).first
    cells = row.locator("td").all_inner_texts()
    assert cells[headers.index("sklady")] == ", ".join(store for store, _qty in card.stores)
    assert cells[headers.index("blokované objednávky")] == "1001"
