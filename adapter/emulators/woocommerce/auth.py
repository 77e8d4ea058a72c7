"""WooCommerce REST authentication, as ``class-wc-rest-authentication.php`` does it.

* Over TLS: HTTP Basic ``ck:cs`` or ``consumer_key``/``consumer_secret`` in the
  query string; if neither identifies the key, OAuth is tried as well.
* Over plain HTTP: only OAuth 1.0a one-legged (HMAC-SHA1/SHA256, key =
  consumer secret + "&"), parameters from the query string, a form body or an
  ``Authorization: OAuth`` header; the timestamp must be within 15 minutes and
  the nonce unused. Basic credentials over plain HTTP are ignored, so such a
  request ends unauthenticated (the endpoint then answers 401
  ``woocommerce_rest_cannot_view``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

WINDOW = 15 * 60
_OAUTH_PARAMS = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method")


@dataclass(frozen=True)
class AuthError:
    """A WP_Error raised by authentication."""

    code: str
    message: str
    status: int = 401
    basic: bool = False  #: send WWW-Authenticate: Basic


@dataclass(frozen=True)
class AuthResult:
    """Authenticated (``ok``), failed with ``error``, or simply anonymous."""

    ok: bool = False
    error: AuthError | None = None
    read_only: bool = False  #: authenticated with a key whose permissions are "read"


def _err(message: str, code: str = "woocommerce_rest_authentication_error", *, basic: bool = False) -> AuthResult:
    return AuthResult(error=AuthError(code, message, basic=basic))


def php_parse_str(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP's ``$_GET`` from decoded pairs: ``a[]`` → list, ``a[k]`` → dict, last plain key wins."""
    out: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = re.match(r"^([^\[]+)\[([^\]]*)\]", raw_key)
        if not match:
            out[re.sub(r"[. ]", "_", raw_key)] = value
            continue
        base, sub = re.sub(r"[. ]", "_", match.group(1)), match.group(2)
        holder = out.get(base)
        if not isinstance(holder, dict):
            holder = {}
            out[base] = holder
        if sub == "":
            sub = str(sum(1 for k in holder if k.isdigit()))
        holder[sub] = value
    return out


def parse_query(raw: str) -> list[tuple[str, str]]:
    """Decode a query string like PHP (``+`` is a space), keeping order and blanks."""
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def rawurlencode(value: str) -> str:
    """PHP ``rawurlencode`` (RFC 3986; ``~`` stays)."""
    return quote(value.encode("utf-8"), safe="~")


def _normalize(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out[rawurlencode(key)] = {k: rawurlencode(str(v)) for k, v in value.items()}
        else:
            out[rawurlencode(key)] = rawurlencode(str(value))
    return out


def _join(params: Mapping[str, Any]) -> list[str]:
    parts: list[str] = []
    for key, value in params.items():
        if isinstance(value, dict):
            parts.extend(rawurlencode(f"{key}%5B{sub}%5D={val}") for sub, val in value.items())
        else:
            parts.append(rawurlencode(f"{key}={value}"))
    return parts


def signature_base(method: str, base_url: str, params: Mapping[str, Any]) -> str:
    """The string WooCommerce signs: METHOD & rawurlencode(url) & double-encoded sorted params."""
    ordered = dict(sorted(params.items(), key=lambda kv: kv[0].encode("utf-8")))
    query = "%26".join(_join(_normalize(ordered)))
    return f"{method.upper()}&{rawurlencode(base_url)}&{query}"


def sign(base: str, secret: str, method: str) -> str:
    """Base64 HMAC of ``base`` with key ``secret&``."""
    algo = hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256
    return base64.b64encode(hmac.new(f"{secret}&".encode(), base.encode("utf-8"), algo).digest()).decode()


def parse_oauth_header(header: str) -> dict[str, str]:
    """Parameters of an ``Authorization: OAuth …`` header."""
    if not header.startswith("OAuth "):
        return {}
    params = {}
    for match in re.finditer(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))', header):
        params[match.group(1)] = unquote(match.group(3) or match.group(4) or "")
    return params


@dataclass
class Authenticator:
    """Checks one request against one API key."""

    key: str
    secret: str
    use_nonce: Callable[[str, int, int, int], bool]
    now: Callable[[], float] = time.time
    #: a second key (ck, cs) with permissions "read", like one made in WooCommerce › Settings › REST API
    read_only_key: tuple[str, str] | None = None

    def _secret_of(self, key: str) -> tuple[str, bool] | None:
        """The secret of consumer key ``key`` and whether that key is read-only; None for an unknown key."""
        if hmac.compare_digest(key, self.key):
            return self.secret, False
        if self.read_only_key is not None and hmac.compare_digest(key, self.read_only_key[0]):
            return self.read_only_key[1], True
        return None

    def authenticate(
        self, *, tls: bool, method: str, base_url: str, query: dict[str, Any], form: dict[str, Any],
        headers: Mapping[str, str],
    ) -> AuthResult:
        """Run WooCommerce's authentication chain for one request."""
        if tls:
            result = self._basic(query, headers.get("Authorization", ""))
            if result.ok or result.error:
                return result
        return self._oauth(method, base_url, {**query, **form}, headers.get("Authorization", "").strip())

    def _basic(self, query: Mapping[str, Any], header: str) -> AuthResult:
        key = secret = ""
        if query.get("consumer_key") and query.get("consumer_secret"):
            key, secret = str(query["consumer_key"]), str(query["consumer_secret"])
        elif header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
            except ValueError:
                decoded = ""
            key, _, secret = decoded.partition(":")
        known = self._secret_of(key) if key and secret else None
        if known is None:
            return AuthResult()
        if not hmac.compare_digest(secret, known[0]):
            return _err("Consumer secret is invalid.", basic=True)
        return AuthResult(ok=True, read_only=known[1])

    def _oauth(self, method: str, base_url: str, params: dict[str, Any], header: str) -> AuthResult:
        params = {**params, **parse_oauth_header(header)}
        missing = [name for name in _OAUTH_PARAMS if not params.get(name)]
        if len(missing) == len(_OAUTH_PARAMS):
            return AuthResult()
        if missing:
            word = "parameter" if len(missing) == 1 else "parameters"
            return _err(f"Missing OAuth {word} {', '.join(missing)}",
                        "woocommerce_rest_authentication_missing_parameter")
        known = self._secret_of(str(params["oauth_consumer_key"]))
        if known is None:
            return _err("Consumer key is invalid.")
        given = unquote(str(params.pop("oauth_signature")).replace(" ", "+"))
        sig_method = params["oauth_signature_method"]
        if sig_method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return _err("Invalid signature - signature method is invalid.")
        expected = sign(signature_base(method, base_url, params), known[0], sig_method)
        if not hmac.compare_digest(expected, given):
            return _err("Invalid signature - provided signature does not match.")
        result = self._timestamp_and_nonce(str(params["oauth_timestamp"]), str(params["oauth_nonce"]))
        return AuthResult(ok=True, read_only=known[1]) if result.ok else result

    def _timestamp_and_nonce(self, timestamp: str, nonce: str) -> AuthResult:
        now = int(self.now())
        if not timestamp.isdigit() or abs(int(timestamp) - now) > WINDOW:
            return _err("Invalid timestamp.")
        if not self.use_nonce(nonce, int(timestamp), now, WINDOW):
            return _err("Invalid nonce - nonce has already been used.")
        return AuthResult(ok=True)
