"""How WooCommerce wants its requests signed, and the shop URL as WordPress builds it.

Authentication is what WooCommerce's ``WC_REST_Authentication`` accepts:
over HTTPS the keys as HTTP Basic (or, when a server strips the
``Authorization`` header, as ``consumer_key``/``consumer_secret`` query
parameters); over plain HTTP OAuth 1.0a one-legged signing with
HMAC-SHA256, signed over the base URL and all query parameters exactly as
the server recomputes it (see :func:`oauth_signature`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import quote, urlsplit, urlunsplit

from adapter.config import EshopSettings
from adapter.eshop._http import Authorize
from adapter.eshop._wire import encode_query


def _rfc3986(text: str) -> str:
    """PHP's ``rawurlencode`` (WooCommerce's ``wc_rest_urlencode_rfc3986``)."""
    return quote(text, safe="")


def oauth_signature(method: str, url: str, params: Sequence[tuple[str, str]], secret: str) -> str:
    """The HMAC-SHA256 OAuth 1.0a signature WooCommerce recomputes on its side.

    String to sign: ``METHOD&rawurlencode(url)&`` + the parameters sorted by
    key (``strcmp``), each ``rawurlencode(rawurlencode(k) "=" rawurlencode(v))``,
    joined by ``%26``; key: ``consumer_secret + "&"``. This is the server's
    ``check_oauth_signature``/``join_with_equals_sign``; the official Python
    client gives the same result except that it leaves ``/`` unencoded in
    values.
    """
    pairs = sorted(((k, v) for k, v in params if k != "oauth_signature"), key=lambda kv: kv[0].encode())
    query = "%26".join(_rfc3986(f"{_rfc3986(k)}={_rfc3986(v)}") for k, v in pairs)
    to_sign = f"{method.upper()}&{_rfc3986(url)}&{query}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def oauth_params(
    method: str,
    url: str,
    params: Sequence[tuple[str, str]],
    *,
    key: str,
    secret: str,
    timestamp: int,
    nonce: str,
) -> list[tuple[str, str]]:
    """``params`` plus the signed ``oauth_*`` parameters for a one-legged request."""
    signed = [
        *params,
        ("oauth_consumer_key", key),
        ("oauth_timestamp", str(timestamp)),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA256"),
    ]
    return [*signed, ("oauth_signature", oauth_signature(method, url, signed, secret))]


def make_authorizer(shop: EshopSettings, now: Callable[[], datetime]) -> Authorize:
    """The request signer WooCommerce expects for this URL scheme and settings."""
    key, secret = shop.consumer_key.strip(), shop.consumer_secret.strip()
    https = urlsplit(shop.url.strip()).scheme.lower() == "https"

    def basic(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        return (f"{url}?{encode_query(params)}" if params else url), {"Authorization": f"Basic {token}"}

    def query_string(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        return f"{url}?{encode_query([*params, ('consumer_key', key), ('consumer_secret', secret)])}", {}

    def oauth(method: str, url: str, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        signed = oauth_params(
            method,
            url,
            params,
            key=key,
            secret=secret,
            timestamp=int(now().timestamp()),
            nonce=secrets.token_hex(16),
        )
        return f"{url}?{encode_query(signed)}", {}

    if not https:
        return oauth
    return query_string if shop.query_string_auth else basic


def shop_base_url(url: str) -> str:
    """The shop URL as WordPress builds it (lower-case scheme/host, no default port, no trailing slash).

    The REST API address pasted whole (``…/wp-json/wc/v3/``) is cut back to the site's address.
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    cut = path.lower().find("/wp-json")
    if cut >= 0:
        path = path[:cut]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, path, "", ""))
