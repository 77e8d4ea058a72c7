"""Health checks and ``app.py check`` (exit 0 all green, 1 warnings, 2 something down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

import app as app_module
from adapter import config
from adapter.config import EshopSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from tests.fixtures_mail import SmtpServer

Configured = tuple[Path, Settings, MServerEmulator, WooEmulator]


@pytest.fixture
def configured(tmp_path: Path, mserver_factory: Callable[..., MServerEmulator],
               woo_factory: Callable[..., WooEmulator]) -> Configured:
    ms = mserver_factory(seed_stock=5)
    woo = woo_factory(seed_products=5)
    data = tmp_path / "data"
    settings = Settings(data_dir=data,
                        pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"),
                        eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"))
    config.save_settings(data, app_module._all_fields(settings))
    return data, settings, ms, woo


def test_check_all_green_exit_0_with_company_facts(configured: Configured, capsys: pytest.CaptureFixture[str]) -> None:
    data, _settings, _ms, _woo = configured
    assert app_module.main(["check", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "[OK ] POHODA (mServer): mServer odpovídá." in out
    assert "[OK ] E-shop (WooCommerce)" in out and "[OK ] Záloha evidence" in out
    assert "CHYBA" not in out and "POZOR" not in out


def test_check_warning_exit_1(configured: Configured, capsys: pytest.CaptureFixture[str]) -> None:
    data, _settings, _ms, _woo = configured
    config.save_settings(data, {"backup": {"enabled": False}})
    assert app_module.main(["check", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "[POZOR] Záloha evidence: Denní záloha evidence je vypnutá." in out and "Co udělat:" in out


def test_check_mserver_down_exit_2_with_what_to_do(configured: Configured, capsys: pytest.CaptureFixture[str]) -> None:
    data, _settings, ms, _woo = configured
    ms.set_faults(down=True)
    assert app_module.main(["check", "--data", str(data)]) == 2
    out = capsys.readouterr().out
    assert "[CHYBA] POHODA (mServer)" in out and "Databáze › POHODA mServer" in out


def test_unconfigured_is_a_warning_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app_module.main(["check", "--data", str(tmp_path / "empty")]) == 1
    assert "Vyplňte adresu mServeru" in capsys.readouterr().out


def test_check_runs_alerts_due(configured: Configured, smtp_server: SmtpServer,
                               capsys: pytest.CaptureFixture[str]) -> None:
    data, _settings, ms, _woo = configured
    config.save_settings(data, {
        "mail": {"host": smtp_server.host, "port": smtp_server.port, "security": "none", "sender": "a@firma.cz"},
        "alerts": {"enabled": True, "to": ["ucetni@firma.cz"], "mserver_down_minutes": 0},
    })
    ms.set_faults(down=True)
    assert app_module.main(["check", "--data", str(data)]) == 2
    assert app_module.main(["check", "--data", str(data)]) == 2
    assert smtp_server.subjects() == ["[POHODA adaptér] POHODA mServer je nedostupný"]
    assert "Odesláno upozornění: mserver_down" in capsys.readouterr().out
    ms.clear_faults()
    assert app_module.main(["check", "--data", str(data)]) == 0
    assert smtp_server.subjects()[1:] == ["[POHODA adaptér] Vyřešeno: POHODA mServer je nedostupný"]


def test_report_state_order() -> None:
    from adapter.health import HealthItem, HealthReport

    report = HealthReport(items=[HealthItem("a", "A", "ok"), HealthItem("b", "B", "warn")])
    assert (report.state, report.exit_code) == ("warn", 1)
    report.items.append(replace(report.items[0], state="down"))
    assert (report.state, report.exit_code) == ("down", 2)
    assert HealthReport().exit_code == 0


def test_no_licence_is_its_own_red_item_exit_2(configured: Configured, capsys: pytest.CaptureFixture[str]) -> None:
    data, _settings, ms, _woo = configured
    ms.set_faults(no_licence=True)
    assert app_module.main(["check", "--data", str(data)]) == 2
    out = capsys.readouterr().out
    assert "[OK ] POHODA (mServer): mServer odpovídá." in out
    assert "[CHYBA] Licence POHODY: mServer odpovídá, ale POHODA nemá volnou licenci" in out
    assert "Co udělat: Uvolněte licenci POHODY" in out
    ms.clear_faults()
    assert app_module.main(["check", "--data", str(data)]) == 0
    assert "[OK ] Licence POHODY" in capsys.readouterr().out


def test_another_refusal_is_not_called_a_licence_problem(configured: Configured) -> None:
    from adapter.health import check_mserver
    from adapter.sync.connections import default_connections

    _data, settings, ms, _woo = configured
    ms.set_faults(pack_error="Uživatel není oprávněn importovat XML soubory.")
    items = check_mserver(settings, default_connections())
    assert [i.key for i in items] == ["mserver"]
    ms.clear_faults()
    assert [(i.key, i.state) for i in check_mserver(settings, default_connections())] == [("mserver", "ok"),
                                                                                         ("licence", "ok")]


# --------------------------------------------------------------------------- the two systems, item by item

CONNECTIONS = "/settings/connections"
MSERVER = "POHODA (mServer)"
ESHOP = "E-shop (WooCommerce)"
MSERVER_FACTS = ["mServer", "Stav", "Účetní jednotka", "IČO", "Rok", "Verze POHODY"]
ESHOP_FACTS = ["E-shop", "Adresa", "Produktů", "Oprávnění klíče", "Měna"]


def _items(settings: Settings) -> list[tuple[str, str, str, str, str, str, list[str]]]:
    """Both systems' items without the fact values (they carry ports): key, title, state, text, fix, link, fact names."""
    from adapter.health import check_eshop, check_mserver
    from adapter.sync.connections import default_connections

    items = [*check_mserver(settings, default_connections()), check_eshop(settings, default_connections())]
    return [(i.key, i.title, i.state, i.text, i.fix, i.link, [name for name, _value in i.facts]) for i in items]


def test_both_systems_not_configured_are_amber_with_where_to_fill_them_in(tmp_path: Path) -> None:
    assert _items(Settings(data_dir=tmp_path / "data")) == [
        ("mserver", MSERVER, "warn", "Připojení k POHODĚ není nastavené.",
         "Vyplňte adresu mServeru, uživatele a IČO v Nastavení › Připojení.", CONNECTIONS, []),
        ("eshop", ESHOP, "warn", "Připojení k e-shopu není nastavené.",
         "Vyplňte adresu e-shopu a klíče API v Nastavení › Připojení.", CONNECTIONS, []),
    ]


def test_both_systems_reached_are_green_with_their_facts(configured: Configured) -> None:
    _data, settings, _ms, _woo = configured
    assert _items(settings) == [
        ("mserver", MSERVER, "ok", "mServer odpovídá.", "", CONNECTIONS, MSERVER_FACTS),
        ("licence", "Licence POHODY", "ok", "POHODA zpracovává XML (licence je k dispozici).", "", "", []),
        ("eshop", ESHOP, "ok", "E-shop odpovídá.", "", CONNECTIONS, ESHOP_FACTS),
    ]


def test_both_systems_down_are_red_with_the_error_and_what_to_do(configured: Configured) -> None:
    _data, settings, ms, woo = configured
    ms.set_faults(down=True)
    woo.set_faults(html_page=True)
    assert _items(settings) == [
        ("mserver", MSERVER, "down", "mServer neběží nebo není dostupný — spusťte jej v POHODĚ: Databáze › POHODA "
         "mServer a zkontrolujte adresu v Nastavení › Připojení.",
         "Spusťte mServer v POHODĚ (Databáze › POHODA mServer), ověřte, že má POHODA volnou licenci, "
         "a zkontrolujte adresu v Nastavení › Připojení.", CONNECTIONS, []),
        ("eshop", ESHOP, "down", "E-shop neodpověděl platnými daty (místo JSON přišla např. přihlašovací stránka "
         "nebo stránka firewallu). Zkontrolujte adresu e-shopu a bezpečnostní pluginy.",
         "Ověřte, že e-shop běží, a zkontrolujte adresu a klíče API (oprávnění Číst/Zapisovat) "
         "v Nastavení › Připojení.", CONNECTIONS, []),
    ]


def test_both_systems_with_warnings_are_amber_and_the_warning_is_what_to_do(configured: Configured,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from adapter.config import StockSettings
    from adapter.pohoda.client import MServerClient

    _data, settings, _ms, _woo = configured
    status = MServerClient.status
    monkeypatch.setattr(MServerClient, "status", lambda self, **kw: replace(status(self, **kw), processing=3))
    busy = "mServer právě zpracovává 3 požadavků."
    prices = "E-shop zadává ceny s daní, ale nastavení zásob říká opak — opravte „Ceny s DPH“ u Zásob."
    assert _items(replace(settings, stock=StockSettings(push_prices=True, price_includes_vat=False))) == [
        ("mserver", MSERVER, "warn", busy, busy, CONNECTIONS, MSERVER_FACTS),
        ("licence", "Licence POHODY", "ok", "POHODA zpracovává XML (licence je k dispozici).", "", "", []),
        ("eshop", ESHOP, "warn", prices, prices, CONNECTIONS, ESHOP_FACTS),
    ]
