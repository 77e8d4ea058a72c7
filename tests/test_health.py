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


@pytest.fixture
def configured(tmp_path: Path, mserver_factory: Callable[..., MServerEmulator],
               woo_factory: Callable[..., WooEmulator]) -> tuple[Path, Settings, MServerEmulator, WooEmulator]:
    ms = mserver_factory(seed_stock=5)
    woo = woo_factory(seed_products=5)
    data = tmp_path / "data"
    settings = Settings(data_dir=data,
                        pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"),
                        eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"))
    config.save_settings(data, app_module._all_fields(settings))
    return data, settings, ms, woo


def test_check_all_green_exit_0_with_company_facts(configured, capsys) -> None:
    data, _settings, _ms, _woo = configured
    assert app_module.main(["check", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "[OK ] POHODA (mServer): mServer odpovídá." in out
    assert "[OK ] E-shop (WooCommerce)" in out and "[OK ] Záloha evidence" in out
    assert "CHYBA" not in out and "POZOR" not in out


def test_check_warning_exit_1(configured, capsys) -> None:
    data, _settings, _ms, _woo = configured
    config.save_settings(data, {"backup": {"enabled": False}})
    assert app_module.main(["check", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "[POZOR] Záloha evidence: Denní záloha evidence je vypnutá." in out and "Co udělat:" in out


def test_check_mserver_down_exit_2_with_what_to_do(configured, capsys) -> None:
    data, _settings, ms, _woo = configured
    ms.set_faults(down=True)
    assert app_module.main(["check", "--data", str(data)]) == 2
    out = capsys.readouterr().out
    assert "[CHYBA] POHODA (mServer)" in out and "Databáze › POHODA mServer" in out


def test_unconfigured_is_a_warning_not_a_crash(tmp_path: Path, capsys) -> None:
    assert app_module.main(["check", "--data", str(tmp_path / "empty")]) == 1
    assert "Vyplňte adresu mServeru" in capsys.readouterr().out


def test_check_runs_alerts_due(configured, smtp_server, capsys) -> None:
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


def test_no_licence_is_its_own_red_item_exit_2(configured, capsys) -> None:
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


def test_another_refusal_is_not_called_a_licence_problem(configured) -> None:
    from adapter.health import check_mserver
    from adapter.sync.connections import default_connections

    _data, settings, ms, _woo = configured
    ms.set_faults(pack_error="Uživatel není oprávněn importovat XML soubory.")
    items = check_mserver(settings, default_connections())
    assert [i.key for i in items] == ["mserver"]
    ms.clear_faults()
    assert [(i.key, i.state) for i in check_mserver(settings, default_connections())] == [("mserver", "ok"),
                                                                                         ("licence", "ok")]
