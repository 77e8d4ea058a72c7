"""POHODA's own HTTP Basic credentials for the pull/push endpoints."""

from __future__ import annotations

import base64

from adapter.config import PohodaSettings
from adapter.web.pohoda_basic import decode_basic, pohoda_credentials_ok


def basic(user: str, password: str, encoding: str = "utf-8") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode(encoding)).decode()


def test_accepts_configured_credentials_in_utf8_and_cp1250():
    settings = PohodaSettings(pull_user="pohoda", pull_password="Žluťoučký1")
    assert pohoda_credentials_ok(basic("pohoda", "Žluťoučký1"), settings)
    assert pohoda_credentials_ok(basic("pohoda", "Žluťoučký1", "cp1250"), settings)


def test_refuses_wrong_missing_or_malformed():
    settings = PohodaSettings(pull_user="pohoda", pull_password="tajne")
    assert not pohoda_credentials_ok(basic("pohoda", "spatne"), settings)
    assert not pohoda_credentials_ok(None, settings)
    assert not pohoda_credentials_ok("Bearer abc", settings)
    assert not pohoda_credentials_ok("Basic !!!", settings)
    assert decode_basic("Basic " + base64.b64encode(b"no-colon").decode()) is None


def test_switched_off_without_pull_user():
    assert not pohoda_credentials_ok(basic("", ""), PohodaSettings())
