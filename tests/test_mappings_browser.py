"""The health panel and the mapping screens in a real browser (Playwright + Debian's Chromium)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import EshopSettings, OrdersSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.ledger.alerts import UnmappedValue
from tests.fixtures_app import free_port

pytestmark = pytest.mark.browser



@pytest.fixture
def emulators(mserver_factory: Callable[..., MServerEmulator],
              woo_factory: Callable[..., WooEmulator]) -> tuple[MServerEmulator, WooEmulator]:
    return mserver_factory(seed_stock=5), woo_factory(seed_products=5)


@pytest.fixture
def app(tmp_path: Path, emulators: tuple[MServerEmulator, WooEmulator]) -> Iterator[Any]:
    from app import create_app

    ms, woo = emulators
    settings = Settings(data_dir=tmp_path / "data",
                        pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"),
                        eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
                        orders=OrdersSettings(payment_map={"bacs": "Příkazem"}))
    application = create_app(settings)
    yield application
    ledger.database.close()


@pytest.fixture
def live_server_url(app: Any) -> Iterator[str]:
    """The app served by waitress in a thread, stopped from inside its own loop: closing the
    server from this thread while the loop polls races (EBADF in the loop thread)."""
    from waitress import wasyncore
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=free_port(), threads=4)
    thread = threading.Thread(target=server.run, name="waitress-mappings", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[attr-defined]
    thread.join(5)
    server.task_dispatcher.shutdown()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="cs-CZ")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_health_panel_on_the_dashboard_turns_red_with_what_to_do(live_server_url: str, page: Any,
                                                                 emulators: tuple[MServerEmulator, WooEmulator]) -> None:
    page.goto(live_server_url + "/")
    panel = page.locator("#health-panel")
    panel.wait_for()
    assert panel.locator("li[data-key='mserver'][data-state='ok']").count() == 1
    assert "Novák s.r.o." in panel.inner_text() and "E-shop (WooCommerce)" in panel.inner_text()
    emulators[0].set_faults(down=True)
    page.reload()
    red = page.locator("#health-panel li[data-key='mserver'][data-state='down']")
    red.wait_for()
    assert "Co udělat: Spusťte mServer v POHODĚ" in red.inner_text()
    red.get_by_role("link", name="Otevřít").click()
    page.wait_for_url("**/settings/connections")
    page.get_by_role("link", name="Stav", exact=True).click()
    assert page.locator("tr[data-key='mserver'][data-state='down']").count() == 1


def test_mapping_screen_shows_the_new_value_on_top_and_saves(live_server_url: str, page: Any, app: Any) -> None:
    with ledger.database.connection_context():
        UnmappedValue.create(kind="payment", value="gopay", label="Platební karta (GoPay)", orders=2, example="17",
                             first_seen_at=ledger.utcnow(), last_seen_at=ledger.utcnow())
    page.goto(live_server_url + "/")
    page.get_by_role("link", name="Mapování", exact=True).first.click()
    page.get_by_text("1 nové").wait_for()
    page.get_by_role("link", name="Platby → formy úhrady").first.click()
    rows = page.locator("#mapping-table tbody tr")
    assert rows.first.get_attribute("data-value") == "gopay"
    assert "nová hodnota" in rows.first.inner_text()
    assert "Platební kartou" in rows.first.locator(".suggestion").inner_text()
    page.get_by_label("Platební karta (GoPay) v POHODĚ").select_option("Platební kartou")
    page.get_by_label("Dobírka v POHODĚ").select_option("Dobírkou")
    page.get_by_role("button", name="Uložit mapování").click()
    page.get_by_text("Mapování bylo uloženo").wait_for()
    assert page.locator("#new-values").count() == 0
    settings = app.extensions["adapter"].settings
    assert dict(settings.orders.payment_map) == {"bacs": "Příkazem", "gopay": "Platební kartou", "cod": "Dobírkou"}
    page.get_by_role("button", name="Uložit a nepřiřazeným dát návrh").click()  # the disabled cheque gateway too
    page.get_by_text("Mapování bylo uloženo").wait_for()
    assert app.extensions["adapter"].settings.orders.payment_map["cheque"] == "Šekem"
    page.get_by_role("link", name="Doprava → dopravci").click()
    page.get_by_label("Zásilkovna v POHODĚ").fill("Zásilkovna")
    page.get_by_role("button", name="Uložit mapování").click()
    page.get_by_text("Mapování bylo uloženo").wait_for()
    assert app.extensions["adapter"].settings.orders.carrier_map == {"flat_rate": "Zásilkovna"}


def test_health_panel_names_a_missing_licence_as_its_own_red_item(live_server_url: str, page: Any,
                                                                  emulators: tuple[MServerEmulator, WooEmulator]) -> None:
    emulators[0].set_faults(no_licence=True)
    page.goto(live_server_url + "/")
    red = page.locator("#health-panel li[data-key='licence'][data-state='down']")
    red.wait_for()
    assert "nemá volnou licenci" in red.inner_text() and "Co udělat: Uvolněte licenci POHODY" in red.inner_text()
    assert page.locator("#health-panel li[data-key='mserver'][data-state='ok']").count() == 1
    emulators[0].clear_faults()
    page.reload()
    page.locator("#health-panel li[data-key='licence'][data-state='ok']").wait_for()


def test_vat_screen_maps_rates_and_pohoda_classifications(live_server_url: str, page: Any, app: Any) -> None:
    page.goto(live_server_url + "/mapping/tax")
    assert "Členění DPH načtené z POHODY" in page.locator("#pohoda-source").inner_text()
    row = page.locator("#mapping-table tbody tr[data-value='21']")
    assert "DPH (Standard rate)" in row.inner_text()
    options = page.get_by_label("21 % členění DPH").locator("option").all_inner_texts()
    assert "UD – Uskutečněné plnění - tuzemsko" in options and not any(o.startswith("PD") for o in options)
    page.get_by_label("12 % členění DPH").select_option("UDA5")
    page.get_by_role("button", name="Uložit a nepřiřazeným dát návrh").click()
    page.get_by_text("Mapování bylo uloženo").wait_for()
    settings = app.extensions["adapter"].settings
    assert dict(settings.mappings.vat_classification) == {"21": "UD", "12": "UDA5"}  # nothing suggested for 0 %
    assert page.get_by_label("12 % členění DPH").input_value() == "UDA5"
    page.get_by_role("button", name="Načíst z POHODY").click()
    page.get_by_text("Hodnoty POHODY byly načteny.").wait_for()


def test_status_screen_shows_a_plugin_status_as_new_and_can_leave_it_out(
        live_server_url: str, page: Any, app: Any, emulators: tuple[MServerEmulator, WooEmulator]) -> None:
    from adapter.emulators.woocommerce.setup_api import register_order_status

    woo = emulators[1]
    doc = woo.add_order([(woo.products()[0]["sku"], 1)], status="completed")
    store = woo.objects.store
    register_order_status(store, "awaiting-shipment", "Čeká na odeslání")
    store.put("orders", {**store.get("orders", doc["id"]), "status": "awaiting-shipment"})  # type: ignore[dict-item]
    page.goto(live_server_url + "/mapping/status")
    rows = page.locator("#mapping-table tbody tr")
    assert rows.first.get_attribute("data-value") == "awaiting-shipment"
    assert "nová hodnota" in rows.first.inner_text()
    assert "Přijaté objednávky: přenést do POHODY ve stavu" in page.locator("tr[data-value='completed']").inner_text()
    page.get_by_label("Čeká na odeslání: stav znám, nepoužívat").check()
    page.get_by_role("button", name="Uložit mapování").click()
    page.get_by_text("Mapování bylo uloženo").wait_for()
    assert app.extensions["adapter"].settings.mappings.known_statuses == ("awaiting-shipment",)
    assert "nová hodnota" not in page.locator("tr[data-value='awaiting-shipment']").inner_text()
    assert page.get_by_label("Čeká na odeslání: stav znám, nepoužívat").is_checked()
