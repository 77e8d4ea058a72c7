"""Hardening, smaller points: connection tests keep saved secrets home, unblocking ends old sessions,
a read-only data folder or a full disk ends the command line with a Czech message and exit code 2."""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask

from adapter import ledger
from adapter.config import Settings
from adapter.web import accounts
from tests.fixtures_app import LAN_ADDR, STAFF, login

SAVED_PASSWORD = "Ulozene-Heslo-mServeru-5"
SAVED_SECRET = "cs_ulozeny_klic_obchodu_5"
HX = {"HX-Request": "true"}


@pytest.fixture
def app_settings(data_dir: Path) -> Settings:
    base = Settings(data_dir=data_dir)
    return replace(
        base,
        pohoda=replace(base.pohoda, url="http://127.0.0.1:1", user="admin", password=SAVED_PASSWORD, ico="12345678"),
        eshop=replace(base.eshop, url="http://127.0.0.1:1", consumer_key="ck_x", consumer_secret=SAVED_SECRET),
    )


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.seen.append(self.headers.get("Authorization", "") + self.headers.get("STW-Authorization", "") + self.path)
        self.send_response(401)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("side", "form", "word"), [
    ("pohoda", {"pohoda.user": "admin", "pohoda.ico": "12345678"}, "heslo uživatele POHODY"),
    ("eshop", {"eshop.consumer_key": "ck_x", "eshop.platform": "woocommerce"}, "consumer secret"),
])
def test_connection_test_asks_for_the_secret_again_for_an_unsaved_address(
    client: Any, recorder: str, side: str, form: dict[str, str], word: str
) -> None:
    page = client.post(f"/settings/test/{side}", data={f"{side}.url": recorder, **form}, headers=HX)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "zadejte znovu" in html and word in html
    assert Recorder.seen == []  # nothing at all went to the typed address
    # a secret typed into the form may be tried there
    secret_key = "pohoda.password" if side == "pohoda" else "eshop.consumer_secret"
    client.post(f"/settings/test/{side}", data={f"{side}.url": recorder, secret_key: "nove-heslo-1", **form}, headers=HX)
    assert Recorder.seen and not any(SAVED_PASSWORD in s or SAVED_SECRET in s for s in Recorder.seen)


def test_the_saved_address_still_uses_the_saved_secret(client: Any) -> None:
    page = client.post("/settings/test/pohoda", data={"pohoda.url": "http://127.0.0.1:1/", "pohoda.user": "admin",
                                                      "pohoda.ico": "12345678"}, headers=HX)
    assert "zadejte znovu" not in page.get_data(as_text=True)


def test_unblocking_a_user_does_not_revive_old_session_cookies(app: Flask, users: Any) -> None:
    staff = app.test_client()
    staff.environ_base["REMOTE_ADDR"] = LAN_ADDR
    assert login(staff, *STAFF).status_code == 302
    assert staff.get("/").status_code == 200
    with app.app_context(), ledger.database.connection_context():
        user = ledger.User.get(ledger.User.username == STAFF[0])
        accounts.set_active(user.id, False)
        accounts.set_active(user.id, True)
    assert staff.get("/").status_code == 302  # the cookie from before the block is dead
    assert login(staff, *STAFF).status_code == 302 and staff.get("/").status_code == 200


@pytest.mark.parametrize(("exc", "words"), [
    (PermissionError(errno.EACCES, "Permission denied", "/data/secret_key"), "nelze zapisovat"),
    (OSError(errno.EROFS, "Read-only file system", "/data/ledger.db"), "nelze zapisovat"),
    (OSError(errno.ENOSPC, "No space left on device"), "plný"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "nelze zapisovat"),
    (sqlite3.OperationalError("database or disk is full"), "plný"),
])
def test_storage_problems_end_with_a_czech_message_and_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: Exception, words: str
) -> None:
    import app as app_module

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(app_module, "create_app", broken)
    monkeypatch.setattr(ledger, "init_db", broken)
    for argv in (["serve", "--data", str(tmp_path), "--no-browser"], ["users", "--data", str(tmp_path)]):
        assert app_module.main(argv) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err


def test_other_errors_are_not_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import app as app_module

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(errno.ECONNREFUSED, "refused")

    monkeypatch.setattr(ledger, "init_db", broken)
    with pytest.raises(OSError, match="refused"):
        app_module.main(["users", "--data", str(tmp_path)])


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions and a non-root user")
def test_a_really_read_only_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app import main

    data = tmp_path / "ro"
    data.mkdir()
    data.chmod(0o500)
    try:
        assert main(["users", "--data", str(data)]) == 2
        assert "nelze zapisovat" in capsys.readouterr().err
    finally:
        data.chmod(0o700)
