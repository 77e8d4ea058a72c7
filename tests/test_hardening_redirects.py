"""Hardening: ``?next=`` after login stays on this app; cross-site POSTs are refused by ``Origin`` too."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from adapter.web.redirects import foreign_origin, safe_next
from tests.fixtures_app import ADMIN, LAN_ADDR

BAD_NEXT = [
    "/\t/evil.example", "/%09/evil.example", "/\r\nSet-Cookie:x=1", "/%0d%0aLocation:%20http://evil.example",
    "//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
    "/ /evil.example", "/\x00/evil", "evil.example", "", "/\u3000/evil.example", "/%E3%80%80/x",
]


@pytest.mark.parametrize("target", ["/", "/runs?page=2", "/settings/connections#x", "/run/stock?mode=full"])
def test_paths_of_this_app_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [t for t in BAD_NEXT if "%" not in t])
def test_other_targets_are_refused(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("raw", BAD_NEXT)
def test_login_never_redirects_off_the_app_nor_crashes(app: Flask, users: Any, raw: str) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = LAN_ADDR
    from urllib.parse import quote

    query = raw if "%" in raw else quote(raw, safe="/:")
    response = client.post(f"/auth/login?next={query}", data={"username": ADMIN[0], "password": ADMIN[1]})
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location and "\t" not in location and "\\" not in location


@pytest.mark.parametrize(("origin", "host", "foreign"), [
    (None, "127.0.0.1:8800", False),
    ("http://127.0.0.1:8800", "127.0.0.1:8800", False),
    ("HTTP://LOCALHOST:8800", "localhost:8800", False),
    ("https://adapter.lan", "adapter.lan:443", False),
    ("http://127.0.0.1:9999", "127.0.0.1:8800", True),
    ("http://evil.example", "127.0.0.1:8800", True),
    ("null", "127.0.0.1:8800", True),
    ("file://", "127.0.0.1:8800", True),
    ("http://[::1]:8800", "[::1]:8800", False),
])
def test_foreign_origin(origin: str | None, host: str, foreign: bool) -> None:
    assert foreign_origin(origin, host) is foreign


def test_another_scheme_is_another_origin() -> None:
    assert foreign_origin("https://localhost", "localhost", "http")
    assert foreign_origin("http://adapter.lan:8800", "adapter.lan:8800", "https")
    assert not foreign_origin("https://adapter.lan:8800", "adapter.lan:8800", "https")


def test_cross_site_post_without_sec_fetch_site_is_refused_by_origin(app: Flask, users: Any) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = LAN_ADDR
    response = client.post("/auth/login", data={"username": ADMIN[0], "password": ADMIN[1]},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert "jiného webu" in response.get_data(as_text=True)
    ok = client.post("/auth/login", data={"username": ADMIN[0], "password": ADMIN[1]},
                     headers={"Origin": "http://localhost"})
    assert ok.status_code == 302
