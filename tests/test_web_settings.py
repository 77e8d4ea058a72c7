"""Settings pages: generated fields, saving, validation, secrets never rendered, connection tests."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from adapter import config
from adapter.config import Settings, load_settings
from adapter.web.labels import FIELDS, PAGES, field_label
from adapter.web.settings_form import parse_mapping

HX = {"HX-Request": "true"}
SECRET_PASSWORD = "Tajne-Heslo-mServeru-42"
SECRET_SHOP = "cs_tajny_klic_obchodu_77"
SECRET_PULL = "pull-heslo-pohody-99"


@pytest.fixture
def app_settings(data_dir):
    base = Settings(data_dir=data_dir)
    return replace(
        base,
        pohoda=replace(base.pohoda, url="http://127.0.0.1:1", user="admin", password=SECRET_PASSWORD, ico="12345678",
                       pull_user="pohoda", pull_password=SECRET_PULL),
        eshop=replace(base.eshop, url="http://127.0.0.1:1", consumer_key="ck_abc", consumer_secret=SECRET_SHOP),
    )


def test_every_field_has_a_czech_label_and_help():
    for section in config.SECTIONS:
        for key, _type, _default in config.section_fields(section):
            label, help_ = field_label(section, key)
            assert label != key and help_, f"{section}.{key} has no label/help"
    assert all(k[0] in config.SECTIONS for k in FIELDS)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_every_field(client, name):
    html = client.get(f"/settings/{name}").get_data(as_text=True)
    for section in PAGES[name][1]:
        for key, _t, _d in config.section_fields(section):
            assert f'name="{section}.{key}"' in html


def test_secrets_are_never_rendered(client):
    html = client.get("/settings/connections").get_data(as_text=True)
    for secret in (SECRET_PASSWORD, SECRET_SHOP, SECRET_PULL):
        assert secret not in html
    assert "uloženo – prázdné pole ponechá stávající" in html
    assert 'name="pohoda.user" value="admin"' in html


def connection_form(**overrides):
    form = {
        "pohoda.url": "http://127.0.0.1:444", "pohoda.user": "admin", "pohoda.password": "", "pohoda.ico": "12345678",
        "pohoda.application": "POHODA adaptér", "pohoda.connect_timeout": "5", "pohoda.read_timeout": "300",
        "pohoda.pull_user": "pohoda", "pohoda.pull_password": "",
        "eshop.platform": "woocommerce", "eshop.url": "https://obchod.example", "eshop.consumer_key": "ck_abc",
        "eshop.consumer_secret": "", "eshop.verify_tls": "1", "eshop.timeout": "60",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_save_keeps_secrets_when_left_empty(client, data_dir):
    response = client.post("/settings/connections", data=connection_form(**{"pohoda.read_timeout": "120,5"}))
    assert response.status_code == 302
    saved, errors = load_settings(data_dir)
    assert errors == []
    assert saved.pohoda.password == SECRET_PASSWORD and saved.eshop.consumer_secret == SECRET_SHOP
    assert saved.pohoda.read_timeout == 120.5 and saved.pohoda.url == "http://127.0.0.1:444"
    assert saved.eshop.verify_tls is True and saved.eshop.query_string_auth is False
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nastavení bylo uloženo" in follow


def test_new_secret_replaces_and_clear_removes(client, data_dir):
    client.post("/settings/connections", data=connection_form(**{"pohoda.password": "nove-heslo"}))
    assert load_settings(data_dir)[0].pohoda.password == "nove-heslo"
    client.post("/settings/connections", data=connection_form(**{"pohoda.pull_password__clear": "1"}))
    saved = load_settings(data_dir)[0]
    assert saved.pohoda.pull_password == "" and saved.pohoda.password == "nove-heslo"


def test_invalid_values_are_shown_and_nothing_is_saved(client, data_dir):
    before = (data_dir / "settings.toml").read_text()
    response = client.post("/settings/connections", data=connection_form(**{"pohoda.ico": "123", "pohoda.url": "localhost"}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "IČO má 8 číslic" in html and "http://127.0.0.1:444" in html
    assert "nebylo uloženo" in html
    assert 'value="123"' in html  # the submitted value stays in the field
    assert (data_dir / "settings.toml").read_text() == before
    assert SECRET_PASSWORD not in html


def test_agenda_page_lists_mappings_and_booleans(client, data_dir):
    form = {
        "orders.enabled": "1", "orders.schedule_minutes": "15", "orders.transfer_statuses": "processing, completed",
        "orders.transfer_meta_key": "", "orders.numbering": "eshop", "orders.numbering_series": "", "orders.store": "",
        "orders.batch_size": "20", "orders.vat_rates": "21 = high\n12 = low\n0 = none",
        "orders.payment_map": "cod = dobírka\nbacs = příkazem", "orders.carrier_map": "", "orders.transferred_status": "",
        "orders.recheck_days": "30", "orders.overlap_minutes": "10",
    }
    assert client.post("/settings/orders", data=form).status_code == 302
    saved = load_settings(data_dir)[0].orders
    assert saved.enabled and not saved.reserve_stock and saved.schedule_minutes == 15
    assert saved.transfer_statuses == ("processing", "completed")
    assert saved.payment_map == {"cod": "dobírka", "bacs": "příkazem"}
    assert saved.numbering == "eshop" and saved.batch_size == 20
    html = client.get("/settings/orders").get_data(as_text=True)
    assert "processing, completed" in html and "cod = dobírka" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("orders.vat_rates", "21 = vysoka", "sazba DPH"),
        ("orders.payment_map", "jen text", "chybí „=“"),
        ("orders.batch_size", "9999", "1 až 500"),
        ("orders.numbering", "nevim", "povolené hodnoty"),
        ("orders.recheck_days", "deset", "celé číslo"),
    ],
)
def test_agenda_validation_messages(client, field, value, message):
    response = client.post("/settings/orders", data={field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_parse_mapping():
    assert parse_mapping("a = b\n\n# komentář\nc=d = e") == {"a": "b", "c": "d = e"}
    with pytest.raises(ValueError, match="řádek 1"):
        parse_mapping("= x")


def test_errors_in_the_file_show_on_settings_and_dashboard(client, data_dir):
    (data_dir / "settings.toml").write_text('[pohoda]\nico = "12"\nnesmysl = 1\n', encoding="utf-8")
    html = client.get("/").get_data(as_text=True)
    assert "Soubor s nastavením obsahuje chyby" in html
    page = client.get("/settings/connections").get_data(as_text=True)
    assert "IČO má 8 číslic" in page and "nesmysl" in page
    (data_dir / "settings.toml").write_text("[pohoda\n", encoding="utf-8")
    assert "nelze přečíst" in client.get("/settings/connections").get_data(as_text=True)


# --------------------------------------------------------------------------- connection tests


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_pohoda_test_against_the_emulator(client, mserver):
    form = connection_form(**{"pohoda.url": mserver.url, "pohoda.password": mserver.password, "pohoda.user": mserver.user})
    html = client.post("/settings/test/pohoda", data=form, headers=HX).get_data(as_text=True)
    assert "Spojení funguje" in html, html
    assert mserver.company in html and "12345678" in html
    assert "neodpovídá" not in html


def test_pohoda_test_warns_on_ico_mismatch(client, mserver):
    form = connection_form(**{"pohoda.url": mserver.url, "pohoda.password": mserver.password, "pohoda.ico": "87654321"})
    html = client.post("/settings/test/pohoda", data=form, headers=HX).get_data(as_text=True)
    assert "IČO v nastavení (87654321) neodpovídá" in html


def test_pohoda_test_when_server_is_down(client):
    # a password typed again: the saved one is never sent to an unsaved address
    form = connection_form(**{"pohoda.url": f"http://127.0.0.1:{closed_port()}", "pohoda.password": "heslo-znovu"})
    response = client.post("/settings/test/pohoda", data=form, headers=HX)
    assert response.status_code == 200
    assert "mServer neběží" in response.get_data(as_text=True)


def test_pohoda_test_with_invalid_form_values(client):
    html = client.post("/settings/test/pohoda", data=connection_form(**{"pohoda.ico": "1"}), headers=HX).get_data(as_text=True)
    assert "IČO má 8 číslic" in html


def test_eshop_test_against_the_emulator(client, woo):
    form = connection_form(**{"eshop.url": woo.url, "eshop.consumer_key": woo.key, "eshop.consumer_secret": woo.secret})
    html = client.post("/settings/test/eshop", data=form, headers=HX).get_data(as_text=True)
    assert "Spojení funguje" in html, html
    assert "Produktů" in html
    assert woo.secret not in html


def test_eshop_test_with_wrong_keys(client, woo):
    form = connection_form(**{"eshop.url": woo.url, "eshop.consumer_key": woo.key, "eshop.consumer_secret": "cs_wrong"})
    html = client.post("/settings/test/eshop", data=form, headers=HX).get_data(as_text=True)
    assert "401" in html or "odmítl" in html
    assert "cs_wrong" not in html
