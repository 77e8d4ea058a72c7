"""The factory and the command line: help, sync exit codes, users, refusing a LAN bind, demo."""

from __future__ import annotations

import io
import os
import stat
import sys

import pytest

import app as app_module
from adapter import ledger
from adapter.config import Settings, load_settings
from tests.fixtures_app import connections_for_tests, make_jobs


def run_cli(*argv, **kwargs):
    return app_module.main(list(argv), **kwargs)


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli("--help")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ("serve", "sync", "emulate", "create-user", "users", "--demo", "--port", "--host", "--data", "--no-browser"):
        assert word in out


def test_sync_help_lists_agendas(capsys):
    with pytest.raises(SystemExit):
        run_cli("sync", "--help")
    out = capsys.readouterr().out
    for agenda in ("orders", "invoices", "stock", "products", "customers", "payments", "--dry-run", "--full"):
        assert agenda in out


@pytest.mark.parametrize(("agenda", "code", "word"), [("stock", 0, "ok"), ("orders", 1, "partial"), ("invoices", 2, "failed")])
def test_sync_exit_codes(tmp_path, capsys, agenda, code, word):
    assert run_cli("sync", agenda, "--data", str(tmp_path), jobs=make_jobs(), connections=connections_for_tests()) == code
    captured = capsys.readouterr()
    assert word in captured.out
    ledger.database.close()


def test_sync_dry_run_and_full_flags(tmp_path):
    assert run_cli("sync", "stock", "--data", str(tmp_path), "--dry-run", "--full", jobs=make_jobs(),
                   connections=connections_for_tests()) == 0
    with ledger.database.connection_context():
        run = ledger.last_run("stock", real=False)
        assert run.dry_run and run.full and run.trigger == "cli"


def test_sync_refuses_when_already_running(tmp_path, capsys):
    ledger.init_db(tmp_path / "ledger.db")
    with ledger.database.connection_context():
        ledger.start_run("stock", "button", pid=os.getpid())
    assert run_cli("sync", "stock", "--data", str(tmp_path), jobs=make_jobs(), connections=connections_for_tests()) == 2
    assert "už běží" in capsys.readouterr().err


def test_sync_refuses_invalid_settings(tmp_path, capsys):
    (tmp_path / "settings.toml").write_text('[pohoda]\nico = "12"\n', encoding="utf-8")
    assert run_cli("sync", "stock", "--data", str(tmp_path), jobs=make_jobs(), connections=connections_for_tests()) == 2
    assert "IČO" in capsys.readouterr().err


def test_create_user_and_list(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("velmi-tajne-heslo\n"))
    assert run_cli("create-user", "jana", "--role", "admin", "--data", str(tmp_path), "--password-stdin") == 0
    assert run_cli("users", "--data", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "jana" in out and "Správce" in out
    assert "velmi-tajne-heslo" not in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("kratke\n"))
    assert run_cli("create-user", "petr", "--role", "staff", "--data", str(tmp_path), "--password-stdin") == 2


def test_create_user_prompts_twice(tmp_path, monkeypatch):
    answers = iter(["heslo-jedna-1", "heslo-dve-22"])
    monkeypatch.setattr(app_module.getpass, "getpass", lambda prompt="": next(answers))
    assert run_cli("create-user", "eva", "--role", "staff", "--data", str(tmp_path)) == 2


def test_serve_refuses_lan_bind_without_users(tmp_path, capsys):
    assert run_cli("serve", "--host", "0.0.0.0", "--data", str(tmp_path), "--no-browser") == 2  # noqa: S104
    err = capsys.readouterr().err
    assert "create-user" in err and "správce" in err


def test_emulate_delegates(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli("emulate", "mserver", "--help")
    assert exc.value.code == 0
    assert "--seed" in capsys.readouterr().out


def test_create_app_builds_everything(tmp_path):
    settings = Settings(data_dir=tmp_path)
    application = app_module.create_app(settings, connections=connections_for_tests(), jobs=make_jobs())
    ext = application.extensions["adapter"]
    assert ext.data_dir == tmp_path and ext.runner is not None and ext.store.get().data_dir == tmp_path
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert application.secret_key == key_file.read_text().strip()
    # the same install keeps its key
    again = app_module.create_app(data_dir=tmp_path, connections=connections_for_tests())
    assert again.secret_key == application.secret_key
    assert (tmp_path / "ledger.db").exists()
    ledger.database.close()


def test_create_app_marks_runs_of_dead_processes_interrupted(tmp_path):
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    ledger.init_db(tmp_path / "ledger.db")
    with ledger.database.connection_context():
        run, _ = ledger.start_run("stock", "cli", pid=proc.pid)
    app_module.create_app(data_dir=tmp_path, connections=connections_for_tests())
    with ledger.database.connection_context():
        assert ledger.get_run(run.id).status == "interrupted"


def test_given_settings_are_written_to_the_file(tmp_path):
    from dataclasses import replace

    settings = Settings(data_dir=tmp_path)
    settings = replace(settings, pohoda=replace(settings.pohoda, url="http://127.0.0.1:444", ico="12345678"))
    app_module.create_app(settings, connections=connections_for_tests())
    loaded, errors = load_settings(tmp_path)
    assert errors == [] and loaded.pohoda.ico == "12345678"


def test_demo_starts_emulators_with_a_configured_data_folder(tmp_path):
    from adapter.demo import start_demo

    demo = start_demo(tmp_path / "demo")
    try:
        settings, errors = load_settings(demo.data_dir)
        assert errors == []
        assert settings.demo and settings.pohoda_configured and settings.eshop_configured
        assert all(settings.agenda(a).enabled for a in ("orders", "stock", "payments", "customers"))
        application = app_module.create_app(data_dir=demo.data_dir, connections=connections_for_tests())
        application.extensions["adapter"].demo = demo.info
        client = application.test_client()
        page = client.get("/").get_data(as_text=True)
        assert ">DEMO<" in page
        assert demo.info.mserver_url in page
        assert "DEMO" in demo.describe()
    finally:
        demo.stop()
        ledger.database.close()
    assert not (tmp_path / "demo").exists()
