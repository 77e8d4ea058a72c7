"""Hardening: broken settings fail closed, every value has sane bounds, and a corrupt file can be saved over."""

from __future__ import annotations

import math
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import load_settings, save_settings, settings_from_mapping
from adapter.config.bounds import NUMBER_BOUNDS, STRICT_MESSAGE, check_value
from adapter.web import accounts
from tests.fixtures_app import ADMIN, CsrfClient, connections_for_tests, login


def write(data: Path, text: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.toml").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- fail closed


@pytest.mark.parametrize("text", [
    "[pohoda\n",                                  # not TOML
    '[app]\nlogin_on_loopback = "možná"\n',       # not a yes/no
    "[app]\nlogin_on_loopback = 2\n",
    'app = "x"\n',                                 # [app] is not a table
])
def test_a_broken_security_setting_means_login_on_this_pc(tmp_path: Path, text: str) -> None:
    write(tmp_path, text)
    settings, errors = load_settings(tmp_path)
    assert settings.app.login_on_loopback is True
    assert any(e.message == STRICT_MESSAGE and e.key == "login_on_loopback" for e in errors)


def test_an_unreadable_file_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").mkdir()  # reading it raises an OSError on every system
    settings, errors = load_settings(tmp_path)
    assert settings.app.login_on_loopback is True
    assert errors and "nelze přečíst" in errors[0].message


def test_a_good_file_and_other_errors_keep_the_choice(tmp_path: Path) -> None:
    write(tmp_path, '[app]\nlogin_on_loopback = false\n[pohoda]\nico = "12"\n')
    settings, errors = load_settings(tmp_path)
    assert settings.app.login_on_loopback is False
    assert [e.key for e in errors] == ["ico"]


def make_app(data: Path) -> Any:
    from app import create_app

    application = create_app(data_dir=data, connections=connections_for_tests())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    return application


def test_the_pc_itself_needs_a_login_while_the_file_is_broken(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write(data, "[app]\nlogin_on_loopback = neplatne\n")
    application = make_app(data)
    try:
        # no account yet: the PC stays usable, so the setting can be fixed
        assert application.test_client().get("/settings/other").status_code == 200
        with application.app_context(), ledger.database.connection_context():
            accounts.create_user(*ADMIN, "admin")
        client = application.test_client()
        response = client.get("/")
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
        assert login(client, *ADMIN).status_code == 302
        page = client.get("/settings/other").get_data(as_text=True)
        assert "vyžaduje přihlášení i na tomto počítači" in page
    finally:
        ledger.database.close()


def test_saving_over_a_corrupt_file_works_and_keeps_a_copy(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write(data, "[pohoda\nurl = 'x'\n")
    save_settings(data, {"pohoda": {"user": "novy"}})
    saved = tomllib.loads((data / "settings.toml").read_text(encoding="utf-8"))
    assert saved["pohoda"]["user"] == "novy"
    assert saved["app"]["login_on_loopback"] is True  # the strict state is written down, not lost
    copies = list(data.glob("settings.toml.poskozeny-*"))
    assert len(copies) == 1 and copies[0].read_text(encoding="utf-8") == "[pohoda\nurl = 'x'\n"


def test_saving_over_a_corrupt_file_from_the_settings_page(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write(data, "\x00\x01[[[\n")
    application = make_app(data)
    try:
        client = application.test_client()
        page = client.get("/settings/other")
        assert page.status_code == 200
        form = {"app.login_on_loopback": "1", "app.session_hours": "8"}
        response = client.post("/settings/other", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        settings, errors = load_settings(data)
        assert settings.app.session_hours == 8 and not errors
    finally:
        ledger.database.close()


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(("section", "key", "value"), [
    ("payments", "max_upload_mb", 0),
    ("payments", "max_upload_mb", 10**6),
    ("app", "session_hours", 10**12),
    ("app", "session_hours", 0),
    ("pohoda", "read_timeout", "nan"),
    ("pohoda", "connect_timeout", "inf"),
    ("eshop", "timeout", "1e999"),
    ("eshop", "timeout", 10**9),
    ("stock", "page_size", 0),
    ("orders", "schedule_minutes", 10**9),
    ("orders", "overlap_minutes", 10**7),
    ("invoices", "due_days", 100000),
    ("payments", "tolerance", "NaN"),
    ("payments", "tolerance", "1e30"),
])
def test_numbers_out_of_bounds_are_refused(tmp_path: Path, section: str, key: str, value: Any) -> None:
    settings, errors = settings_from_mapping(tmp_path, {section: {key: value}})
    assert [(e.section, e.key) for e in errors] == [(section, key)], errors
    assert getattr(getattr(settings, section), key) == getattr(getattr(settings_from_mapping(tmp_path, {})[0], section), key)


@pytest.mark.parametrize(("section", "key", "value"), [
    ("pohoda", "url", "http://127.0.0.1:444/\nHost: evil"),
    ("eshop", "url", "https://obchod.example\r\nX: 1"),
    ("pohoda", "user", "ad\tmin"),
    ("pohoda", "password", "he\x00slo"),
    ("orders", "transfer_statuses", ["completed", "x\ny"]),
    ("orders", "payment_map", {"cod": "Dobírka\x1b"}),
    ("orders", "payment_map", {"c\nod": "Dobírka"}),
    ("products", "unit", "k\u2028s"),
])
def test_text_with_control_characters_is_refused(tmp_path: Path, section: str, key: str, value: Any) -> None:
    _settings, errors = settings_from_mapping(tmp_path, {section: {key: value}})
    assert [(e.section, e.key) for e in errors] == [(section, key)]
    assert "řídicí znaky" in errors[0].message


def test_every_numeric_field_has_finite_bounds() -> None:
    from adapter.config import SECTIONS, section_fields

    for section in SECTIONS:
        for key, kind, default in section_fields(section):
            if isinstance(default, bool) or (not isinstance(default, int | float) and "Decimal" not in str(kind)):
                continue
            assert check_value(section, key, default) is None, (section, key)  # defaults are inside the bounds
            assert check_value(section, key, math.inf) is not None
            assert check_value(section, key, 10**12) is not None
    assert all(low <= high for low, high in NUMBER_BOUNDS.values())


def test_the_app_starts_with_values_that_used_to_break_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write(data, "[app]\nsession_hours = 999999999999\n[payments]\nmax_upload_mb = 0\n[pohoda]\nread_timeout = nan\n")
    application = make_app(data)
    try:
        client = application.test_client()
        page = client.get("/settings/other")
        assert page.status_code == 200 and "povolený rozsah je 1 až 720" in page.get_data(as_text=True)
        # POSTs still work (the upload limit is the default, not 0)
        assert client.post("/settings/other", data={"app.session_hours": "12"}).status_code == 302
    finally:
        ledger.database.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_settings_and_ledger_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    save_settings(data, {"pohoda": {"user": "x"}})
    ledger.init_db(data / "ledger.db")
    ledger.database.close()
    for name in ("settings.toml", "ledger.db"):
        assert os.stat(data / name).st_mode & 0o077 == 0, name
