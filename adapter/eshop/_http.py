"""The one HTTP wrapper every e-shop call goes through.

It sends JSON over one pooled ``urllib3`` client (no redirects, split
connect/read timeouts),
retries transient failures with exponential backoff honouring
``Retry-After``, decodes JSON with floats as ``Decimal``, and turns every
failure into an ``adapter.errors.EshopError`` with a Czech message. Error
bodies are read in the WordPress REST shape ``{"code", "message", "data":
{"status"}}``, which WooCommerce uses. Secrets never reach a message,
a log line or an error detail: ``redact`` removes them.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import certifi
import urllib3
from requests.utils import get_environ_proxies, get_netrc_auth, select_proxy
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from adapter.errors import (
    EshopAuthError,
    EshopBadAnswer,
    EshopError,
    EshopForbidden,
    EshopNotFound,
    EshopRateLimited,
    EshopRejected,
    EshopServerError,
    EshopUnavailable,
)
from adapter.eshop._wire import dumps, encode_query, loads, retry_after_seconds
from adapter.eshop.base import EshopObjectNotFound

log = logging.getLogger(__name__)

#: (method, url without query, query params) → (full url, extra headers)
Authorize = Callable[[str, str, list[tuple[str, str]]], tuple[str, dict[str, str]]]
Params = Sequence[tuple[str, str]] | Mapping[str, str]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: kept-alive connections to the shop (above ``[eshop] parallel_requests``' bound, so no thread waits)
POOL_SIZE = 16


class PayloadTooLarge(EshopRejected):
    """E-shop odmítl příliš velkou dávku (HTTP 413)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful (2xx) answer: status, decoded JSON and lower-cased headers."""

    status: int
    data: object
    headers: Mapping[str, str]

    def header_int(self, name: str) -> int | None:
        """An integer header (e.g. ``x-wp-totalpages``), or None when absent or garbled."""
        value = self.headers.get(name.lower(), "").strip()
        return int(value) if value.isdigit() and len(value) < 10 else None


def _strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _denied(status: int, wp: tuple[str, str], detail: str) -> EshopError:
    """A 401/403 WordPress error quoting the real status and the shop's own message.

    WooCommerce answers 401 (not 403) to a read-only key that writes: "The API key
    provided does not have write permissions."
    """
    said = f"(HTTP {status}: „{(wp[1] or wp[0])[:200]}“)"
    if "permission" in wp[1].lower() and "write" in wp[1].lower():
        return EshopForbidden(
            f"Klíč API má jen oprávnění ke čtení, e-shop zápis odmítl {said}. Ve WooCommerce › Nastavení › "
            "Pokročilé › REST API nastavte klíči oprávnění Číst/Zapisovat (nebo vytvořte nový) a vložte jej "
            "do Nastavení › Připojení.",
            detail=detail,
        )
    if status == 403 or "permission" in wp[1].lower():
        return EshopForbidden(
            f"Klíč API nemá potřebné oprávnění {said}. Ve WooCommerce nastavte klíči oprávnění Číst/Zapisovat.",
            detail=detail,
        )
    return EshopAuthError(
        f"E-shop odmítl klíče API {said}. Vytvořte nové klíče ve WooCommerce › Nastavení › Pokročilé › "
        "REST API (oprávnění Číst/Zapisovat) a vložte je do Nastavení › Připojení.",
        detail=detail,
    )


class Response:
    """What one HTTP exchange brought back: status, headers (case-insensitive) and the whole body."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content


def _wp_error(response: Response) -> tuple[str, str] | None:
    """(code, message) of a WP REST error body, or None when the body is not JSON of that shape."""
    try:
        data = loads(response.content)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code, message = data.get("code"), data.get("message")
    if not isinstance(code, str) and not isinstance(message, str):
        return None
    return (code if isinstance(code, str) else ""), _strip_tags(message if isinstance(message, str) else "")


def _pool_manager(base_url: str, verify: bool | str, size: int) -> tuple[urllib3.PoolManager, dict[str, str]]:
    """One thread-safe connection pool for the shop's address, and the headers every request carries.

    What ``requests`` would look up in the environment (proxies and
    ``NO_PROXY``, a CA bundle from ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``,
    ``.netrc`` credentials) is looked up once here, for the shop's address —
    every request goes to that one host.
    """
    target = base_url + "/"
    tls: dict[str, Any] = {}
    if verify is False:
        tls["cert_reqs"] = "CERT_NONE"
    else:
        bundle = verify if isinstance(verify, str) else (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where())
        tls["cert_reqs"] = "CERT_REQUIRED"
        tls["ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"] = bundle
    headers = {"User-Agent": "", "Accept-Encoding": urllib3.util.make_headers(accept_encoding=True)["accept-encoding"],
               "Accept": "application/json", "Connection": "keep-alive"}
    netrc = get_netrc_auth(target)
    if netrc:
        token = base64.b64encode(f"{netrc[0]}:{netrc[1]}".encode("latin-1")).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    proxy = select_proxy(target, get_environ_proxies(target))
    if proxy:
        parsed = urllib3.util.parse_url(proxy if "://" in proxy else "http://" + proxy)
        proxy_headers = urllib3.util.make_headers(proxy_basic_auth=unquote(parsed.auth)) if parsed.auth else None
        manager: urllib3.PoolManager = urllib3.ProxyManager(
            parsed._replace(auth=None).url, proxy_headers=proxy_headers, num_pools=2, maxsize=size, **tls)
    else:
        manager = urllib3.PoolManager(num_pools=2, maxsize=size, **tls)
    return manager, headers


class JsonHttp:
    """Retrying JSON-over-HTTP client for one e-shop base URL.

    One ``urllib3`` connection pool serves every thread (it is thread-safe):
    up to :data:`POOL_SIZE` kept-alive connections, created on demand. Per
    call it costs a third of the CPU a ``requests`` session does, which
    counts when a stock run makes thousands of calls.
    """

    def __init__(
        self,
        base_url: str,
        *,
        authorize: Authorize,
        secrets: Sequence[str] = (),
        verify: bool | str = True,
        timeout: tuple[float, float] = (10.0, 60.0),
        attempts: int = 4,
        backoff: float = 1.0,
        backoff_max: float = 60.0,
        retry_after_max: float = 300.0,
        user_agent: str = "POHODA-adapter",
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._authorize = authorize
        self._secrets = tuple(s for s in secrets if s)
        self._verify = verify
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._retry_after_max = retry_after_max
        self._sleep = sleep
        self._now = now
        self._user_agent = user_agent
        self._manager: urllib3.PoolManager | None = None
        #: the shop's own pool when no proxy is in between: asked with the path only, so urllib3
        #: checks the URL once per call instead of three times (its per-character check costs CPU)
        self._direct: urllib3.HTTPConnectionPool | None = None
        self._origin_length = len(urlsplit(self.base_url)._replace(path="", query="", fragment="").geturl())
        self._headers: dict[str, str] = {}
        self._lock = threading.Lock()
        self._urllib3_timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])

    def _pool(self) -> tuple[urllib3.PoolManager, dict[str, str]]:
        """The connection pool (made on first use) and the headers every request carries."""
        manager = self._manager
        if manager is None:
            with self._lock:
                if self._manager is None:
                    manager, headers = _pool_manager(self.base_url, self._verify, POOL_SIZE)
                    self._headers = {**headers, "User-Agent": self._user_agent}
                    proxied = isinstance(manager, urllib3.ProxyManager)
                    self._direct = None if proxied else manager.connection_from_url(self.base_url)
                    self._manager = manager
                manager = self._manager
        return manager, self._headers

    def close(self) -> None:
        """Close the pooled connections (a later call opens new ones)."""
        with self._lock:
            manager, self._manager, self._direct = self._manager, None, None
        if manager is not None:
            manager.clear()

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
        return text

    # ------------------------------------------------------------------ public

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Params = (),
        body: object = None,
        idempotent: bool | None = None,
        anonymous: bool = False,
    ) -> Answer:
        """Send one request (retrying transient failures) and return the decoded 2xx answer.

        ``path`` is absolute on the shop ("/wp-json/wc/v3/orders"). A request
        that is not idempotent is retried only when the shop surely did not
        process it (connection not made, 429, 503). ``anonymous`` sends no
        credentials (for public endpoints that would reject foreign ones).
        """
        items = list(params.items()) if isinstance(params, Mapping) else list(params)
        safe_to_repeat = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        where = f"{method} {path}"
        for attempt in range(1, self._attempts + 1):
            failure, retry, delay = self._attempt(method, path, items, body, safe_to_repeat, where, anonymous)
            if isinstance(failure, Answer):
                return failure
            if not retry or attempt == self._attempts:
                raise failure
            wait = delay if delay is not None else min(self._backoff * 2 ** (attempt - 1), self._backoff_max)
            log.warning(
                "E-shop %s: %s; pokus %d/%d, čekám %.1f s",
                where,
                failure.detail,
                attempt,
                self._attempts,
                wait,
            )
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ one attempt

    def _attempt(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        body: object,
        safe: bool,
        where: str,
        anonymous: bool,
    ) -> tuple[Answer | EshopError, bool, float | None]:
        """One try: (answer, _, _) or (error, may retry, delay from Retry-After)."""
        try:
            response = self._send(method, path, params, body, anonymous)
        except SSLError as exc:
            return self._tls_error(exc, where), False, None
        except NewConnectionError as exc:  # refused, DNS: the request was never sent
            return self._unavailable(exc, where), True, None
        except ConnectTimeoutError as exc:
            return self._timeout_error(exc, where, connect=True), True, None
        except Urllib3Timeout as exc:
            return self._timeout_error(exc, where, connect=False), safe, None
        except (ProtocolError, ProxyError) as exc:
            return self._unavailable(exc, where), safe, None
        except HTTPError as exc:
            return EshopUnavailable(detail=self.redact(f"{where}: {exc!r}")), False, None
        status = response.status_code
        if status == 429 or status >= 500:
            delay = retry_after_seconds(response.headers.get("Retry-After"), self._now())
            if delay is not None:
                delay = min(delay, self._retry_after_max)
            error = self._transient_status_error(response, where)
            return error, safe or status in (429, 503), delay
        try:
            return self._answer(response, where), False, None
        except EshopError as exc:
            return exc, False, None

    def _send(
        self, method: str, path: str, params: list[tuple[str, str]], body: object, anonymous: bool
    ) -> Response:
        url = self.base_url + path
        headers: dict[str, str]
        if anonymous:
            url, headers = (f"{url}?{encode_query(params)}" if params else url), {}
        else:
            url, headers = self._authorize(method, url, params)
        manager, common = self._pool()
        direct = self._direct
        data = None
        if body is not None:
            data = dumps(body)
            headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
        answer = (direct or manager).urlopen(
            method,
            url[self._origin_length :] if direct is not None else url,
            body=data,
            headers={**common, **headers},
            timeout=self._urllib3_timeout,
            retries=False,  # retries are ours (above), with the shop's Retry-After
            redirect=False,  # a redirect would turn POST into GET and drop the auth header
            preload_content=True,
        )
        return Response(answer.status, answer.headers, answer.data)

    def _answer(self, response: Response, where: str) -> Answer:
        """Decode a 2xx answer, or raise the error a non-2xx status means."""
        status = response.status_code
        if 300 <= status < 400:
            location = self.redact(response.headers.get("Location", "?"))
            raise EshopError(
                f"E-shop přesměrovává požadavky na jinou adresu ({location}). Zadejte v Nastavení › Připojení "
                "přímo cílovou adresu e-shopu (často https:// místo http:// nebo adresu s www).",
                detail=f"{where}: HTTP {status} → {location}",
            )
        if status >= 400:
            raise self._client_error(response, where)
        if not response.content.strip():
            return Answer(status, None, {k.lower(): v for k, v in response.headers.items()})
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower() or response.content.lstrip()[:1] == b"<":
            raise EshopBadAnswer(detail=self._body_detail(response, where))
        try:
            data = loads(response.content)
        except ValueError:
            raise EshopBadAnswer(detail=self._body_detail(response, where)) from None
        return Answer(status, data, {k.lower(): v for k, v in response.headers.items()})

    # ------------------------------------------------------------------ errors

    def _body_detail(self, response: Response, where: str) -> str:
        start = response.content[:200].decode("utf-8", "replace").replace("\n", " ")
        kind = response.headers.get("Content-Type", "?")
        return self.redact(f"{where}: HTTP {response.status_code} {kind}: {start}")

    def _client_error(self, response: Response, where: str) -> EshopError:
        """Map a 4xx answer to the typed error that tells the user what to do."""
        status = response.status_code
        wp = _wp_error(response)
        detail = (
            self.redact(f"{where}: HTTP {status} {wp[0]}: {wp[1]}")
            if wp
            else self._body_detail(response, where)
        )
        if status in (401, 403) and wp:
            return _denied(status, wp, detail)
        if status == 401:
            return EshopAuthError(detail=detail)
        if status == 403:
            return EshopBadAnswer(detail=detail)
        if status == 404 and (wp is None or wp[0] == "rest_no_route"):
            return EshopNotFound(detail=detail)
        if status == 413:
            return PayloadTooLarge(detail=detail)
        if wp is None:
            return EshopBadAnswer(detail=detail)
        message = f"E-shop požadavek odmítl: {wp[1] or wp[0]} (HTTP {status})."
        if status in (404, 410):
            return EshopObjectNotFound(message, detail=detail)
        return EshopRejected(message, detail=detail)

    def _transient_status_error(self, response: Response, where: str) -> EshopError:
        wp = _wp_error(response)
        detail = (
            self.redact(f"{where}: HTTP {response.status_code} {wp[0]}: {wp[1]}")
            if wp
            else self._body_detail(response, where)
        )
        if response.status_code == 429:
            return EshopRateLimited(detail=detail)
        return EshopServerError(detail=detail)

    def _timeout_error(self, exc: Exception, where: str, *, connect: bool) -> EshopError:
        limit = self._timeout[0] if connect else self._timeout[1]
        return EshopUnavailable(
            f"E-shop neodpověděl včas (limit {limit:g} s). Zkuste to později; "
            "pokud e-shop odpovídá pomalu trvale, prodlužte v Nastavení časový limit.",
            detail=self.redact(f"{where}: {type(exc).__name__}"),
        )

    def _unavailable(self, exc: Exception, where: str) -> EshopError:
        return EshopUnavailable(detail=self.redact(f"{where}: {type(exc).__name__}: {exc}"))

    def _answers_plain_http(self) -> bool:
        """Whether the https address's host and port answer plain HTTP (a shop without TLS there).

        A TLS handshake to a plain HTTP server fails as "wrong version number" or an early EOF, which
        is no certificate problem; one short plain request tells the real cause.
        """
        parts = urlsplit(self.base_url)
        if parts.scheme != "https":
            return False
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        plain = urlunsplit(("http", f"{host}:{parts.port or 443}", "/", "", ""))
        try:
            urllib3.PoolManager(retries=False).request("HEAD", plain, timeout=urllib3.Timeout(connect=3, read=5),
                                                       redirect=False)
        except urllib3.exceptions.HTTPError:
            return False
        return True

    def _tls_error(self, exc: Exception, where: str) -> EshopError:
        said = str(exc).lower()
        if "certificate" not in said and self._answers_plain_http():
            return EshopError(
                "E-shop na této adrese nepoužívá HTTPS: odpověděl prostým HTTP. Zadejte v Nastavení › Připojení "
                "adresu začínající http:// (nebo zapněte HTTPS na webu e-shopu).",
                detail=self.redact(f"{where}: {exc}"),
            )
        return EshopError(
            "Certifikát HTTPS e-shopu nelze ověřit. Zkontrolujte adresu e-shopu; používá-li e-shop vlastní "
            "certifikát, zadejte v Nastavení › Připojení soubor certifikační autority.",
            detail=self.redact(f"{where}: {exc}"),
        )
