"""A small signed REST client for the contract tests, independent of the connector under test.

Over plain http WooCommerce accepts only OAuth 1.0a (one-legged, HMAC-SHA256, parameters in
the query string); that is what :class:`RestClient` sends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import quote

import requests


def _enc(text: str) -> str:
    return quote(text, safe="~")


def sign(method: str, url: str, params: list[tuple[str, str]], key: str, secret: str) -> list[tuple[str, str]]:
    """``params`` plus the ``oauth_*`` parameters WooCommerce checks."""
    signed = [
        *params,
        ("oauth_consumer_key", key),
        ("oauth_nonce", secrets.token_hex(16)),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", str(int(time.time()))),
    ]
    # WooCommerce sorts the encoded pairs, joins them and encodes the joined string once more.
    normal = "&".join(f"{k}={v}" for k, v in sorted((_enc(k), _enc(v)) for k, v in signed))
    base = "&".join((method.upper(), _enc(url), _enc(normal)))
    digest = hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return [*signed, ("oauth_signature", base64.b64encode(digest).decode())]


class RestClient:
    """GET/POST/PUT/DELETE on ``api_url`` (ending in ``/wp-json/wc/v3/``), signed with ``key``/``secret``."""

    def __init__(self, api_url: str, key: str, secret: str) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self.key, self.secret = key, secret
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return self.api_url + path.lstrip("/")

    def request(self, method: str, path: str, body: Any = None, **params: str) -> requests.Response:
        url = self.url(path)
        query = sign(method, url, list(params.items()), self.key, self.secret)
        return self.session.request(method, url, params=query, json=body, timeout=120)

    def get(self, path: str, **params: str) -> requests.Response:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any, **params: str) -> requests.Response:
        return self.request("POST", path, body, **params)

    def put(self, path: str, body: Any, **params: str) -> requests.Response:
        return self.request("PUT", path, body, **params)

    def delete(self, path: str, **params: str) -> requests.Response:
        return self.request("DELETE", path, **params)

    def ok(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        """The JSON of a 2xx answer; anything else fails the test with the shop's body."""
        answer = self.request(method, path, body, **params)
        assert answer.ok, f"{method} {path} → {answer.status_code}: {answer.text[:500]}"
        return answer.json()
