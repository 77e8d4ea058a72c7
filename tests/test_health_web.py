"""The health panel, its page, the alerts page and the mapping screens (Flask test client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import app as app_module
from adapter import ledger
from adapter.alerts.settings import AlertsSettings
from adapter.config import EshopSettings, OrdersSettings, PohodaSettings, Settings
from adapter.emulators.mserver import PROGRAM_VERSION, MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.ledger.alerts import AlertDelivery, UnmappedValue
from adapter.mail import MailSettings
from tests.fixtures_app import CsrfClient


@pytest.fixture
def site(tmp_path: Path, mserver_factory: Callable[..., MServerEmulator], woo_factory: Callable[..., WooEmulator],
         smtp_server: Any) -> Iterator[tuple[Any, MServerEmulator, Any]]:
    ms = mserver_factory(seed_stock=5)
    woo = woo_factory(seed_products=5, seed_orders=3)
    settings = Settings(
        data_dir=tmp_path / "data",
        pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"),
        eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
        orders=OrdersSettings(payment_map={"bacs": "Příkazem"}),
        mail=MailSettings(host=smtp_server.host, port=smtp_server.port, security="none", sender="a@firma.cz"),
        alerts=AlertsSettings(enabled=True, to=("ucetni@firma.cz",)),
    )
    app = app_module.create_app(settings)
    app.config["TESTING"] = True
    app.test_client_class = CsrfClient
    yield app, ms, smtp_server
    ledger.database.close()


def test_dashboard_loads_the_panel_and_the_panel_shows_company_facts(site) -> None:
    app, _ms, _smtp = site
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert 'hx-get="/health/panel"' in page
    panel = client.get("/health/panel").get_data(as_text=True)
    assert 'data-key="mserver" data-state="ok"' in panel and "Novák s.r.o." in panel and "12345678" in panel
    assert f"Verze POHODY: {PROGRAM_VERSION}" in panel
    assert 'data-key="eshop" data-state="ok"' in panel and 'data-key="backup"' in panel


def test_red_item_says_what_to_do(site) -> None:
    app, ms, _smtp = site
    ms.set_faults(down=True)
    panel = app.test_client().get("/health/panel").get_data(as_text=True)
    assert 'data-key="mserver" data-state="down"' in panel and "Co udělat: Spusťte mServer" in panel
    page = app.test_client().get("/health/").get_data(as_text=True)
    assert "python app.py check" in page and "Databáze › POHODA mServer" in page


def test_test_mail_button_sends_and_records(site) -> None:
    app, _ms, smtp = site
    client = app.test_client()
    answer = client.post("/alerts/test", follow_redirects=True).get_data(as_text=True)
    assert "Zkušební e-mail byl odeslán na ucetni@firma.cz" in answer
    assert smtp.subjects() == ["POHODA adaptér: zkušební e-mail"]
    assert 'data-kind="test" data-ok="yes"' in client.get("/alerts/").get_data(as_text=True)
    with ledger.database.connection_context():
        assert AlertDelivery.select().count() == 1


def test_payment_screen_lists_shop_gateways_with_suggestions_and_new_value_on_top(site) -> None:
    app, _ms, _smtp = site
    with ledger.database.connection_context():
        UnmappedValue.create(kind="payment", value="gopay", label="GoPay", orders=1, example="7",
                             first_seen_at=ledger.utcnow(), last_seen_at=ledger.utcnow())
    client = app.test_client()
    page = client.get("/mapping/payment").get_data(as_text=True)
    assert page.index('data-value="gopay"') < page.index('data-value="bacs"')
    assert "nová hodnota" in page and 'id="new-values"' in page
    assert "Dobírka" in page and "Dobírkou" in page and "Platební kartou" in page
    answer = client.post("/mapping/payment", data={"map.bacs": "Příkazem", "map.gopay": "Platební kartou", "map.cod": ""},
                         follow_redirects=True).get_data(as_text=True)
    assert "Mapování bylo uloženo" in answer
    settings = app.extensions["adapter"].settings
    assert dict(settings.orders.payment_map) == {"bacs": "Příkazem", "gopay": "Platební kartou"}
    with ledger.database.connection_context():
        assert UnmappedValue.get().resolved_at is not None


def test_carrier_tax_and_status_screens(site) -> None:
    app, _ms, _smtp = site
    client = app.test_client()
    carriers = client.get("/mapping/carrier").get_data(as_text=True)
    assert "Zásilkovna" in carriers and "Osobní odběr" in carriers and "Seznamy › Dopravci" in carriers
    taxes = client.get("/mapping/tax").get_data(as_text=True)
    assert 'data-value="21"' in taxes and 'data-value="12"' in taxes and "snížená (low)" in taxes
    bad = client.post("/mapping/tax", data={"map.21": "vysoka"}, follow_redirects=True).get_data(as_text=True)
    assert "není sazba POHODY" in bad
    statuses = client.get("/mapping/status").get_data(as_text=True)
    assert "Dokončeno" in statuses and 'name="role.orders.transfer_statuses"' in statuses
    client.post("/mapping/status", data={"role.orders.transfer_statuses": "completed, processing",
                                         "role.orders.transferred_status": "", "role.invoices.invoice_statuses": "completed",
                                         "role.payments.awaiting_statuses": "pending", "role.payments.paid_status": "processing"})
    settings = app.extensions["adapter"].settings
    assert settings.orders.transfer_statuses == ("completed", "processing")
    assert settings.payments.awaiting_statuses == ("pending",)


def test_shop_down_mapping_screen_still_renders_with_a_message(site, tmp_path: Path) -> None:
    app, _ms, _smtp = site
    app.extensions["adapter"].store.save({"eshop": {"url": "http://127.0.0.1:9"}})
    page = app.test_client().get("/mapping/payment").get_data(as_text=True)
    assert "Hodnoty e-shopu nelze načíst" in page and "Příkazem" in page
