"""The one HTTP wrapper every e-shop call goes through.

It sends JSON with ``requests`` (no redirects, split connect/read timeouts),
retries transient failures with exponential backoff honouring
``Retry-After``, decodes JSON with floats as ``Decimal``, and turns every
failure into an ``adapter.errors.EshopError`` with a Czech message. Error
bodies are read in the WordPress REST shape ``{"code", "message", "data":
{"status"}}``, which WooCommerce uses. Secrets never reach a message,
a log line or an error detail: ``redact`` removes them.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

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
from adapter.eshop.base import EshopObjectNotFound

log = logging.getLogger(__name__)

#: (method, url without query, query params) → (full url, extra headers)
Authorize = Callable[[str, str, list[tuple[str, str]]], tuple[str, dict[str, str]]]
Params = Sequence[tuple[str, str]] | Mapping[str, str]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


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


def encode_query(params: Sequence[tuple[str, str]]) -> str:
    """RFC 3986 query string (``%20`` for spaces, ``~`` kept), as PHP's ``rawurlencode``."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)


def dumps(payload: object) -> bytes:
    """JSON-encode with ``Decimal`` written as an exact number (never through float)."""
    marks: dict[str, str] = {}

    def mark(value: object) -> object:
        if isinstance(value, Decimal):
            token = f"\x00dec{len(marks)}\x00"
            marks[token] = format(value, "f")
            return token
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(payload), ensure_ascii=False)
    for token, number in marks.items():
        text = text.replace(json.dumps(token), number)
    return text.encode("utf-8")


def loads(body: bytes) -> object:
    """Decode JSON with floats as ``Decimal``; NaN/Infinity and absurd nesting are refused (ValueError)."""

    def no_constant(name: str) -> object:
        raise ValueError(f"JSON constant {name} not allowed")

    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]  # some WordPress plugins emit a BOM before the JSON
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=no_constant)
    except RecursionError:  # e.g. 100 000 nested "[" from a broken plugin
        raise ValueError("JSON nested too deeply") from None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _wp_error(response: requests.Response) -> tuple[str, str] | None:
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


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made (refused, DNS, connect timeout): safe to retry any method."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: object = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | NameResolutionError)


class JsonHttp:
    """Retrying JSON-over-HTTP client for one e-shop base URL.

    Safe to call from several threads at once: each thread gets its own
    ``requests.Session`` (a session is not guaranteed thread-safe), created
    on first use and released with the thread.
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
        self._local = threading.local()
        self._sessions: weakref.WeakSet[requests.Session] = weakref.WeakSet()
        self._sessions_lock = threading.Lock()

    @property
    def _session(self) -> requests.Session:
        """This thread's session.

        What ``requests`` would look up in the environment on every call
        (proxies and ``NO_PROXY``, a CA bundle from ``REQUESTS_CA_BUNDLE``,
        ``.netrc`` credentials) is looked up once for the shop's address
        when the session is made — every request goes to that one host.
        """
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"User-Agent": self._user_agent, "Accept": "application/json"})
            target = self.base_url + "/"
            env = session.merge_environment_settings(target, {}, None, self._verify, None)
            netrc = requests.utils.get_netrc_auth(target)
            session.trust_env = False
            session.proxies.update(env["proxies"])
            session.verify = env["verify"]
            if netrc:
                session.auth = netrc
            self._local.session = session
            with self._sessions_lock:
                self._sessions.add(session)
        return session

    def close(self) -> None:
        """Close pooled connections (of every thread's session)."""
        with self._sessions_lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()

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
        except requests.exceptions.SSLError as exc:
            return self._tls_error(exc, where), False, None
        except requests.Timeout as exc:
            sent = not isinstance(exc, requests.ConnectTimeout)
            return self._timeout_error(exc, where), safe or not sent, None
        except requests.ConnectionError as exc:
            return self._unavailable(exc, where), safe or _never_sent(exc), None
        except requests.RequestException as exc:
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
    ) -> requests.Response:
        url = self.base_url + path
        headers: dict[str, str]
        if anonymous:
            url, headers = (f"{url}?{encode_query(params)}" if params else url), {}
        else:
            url, headers = self._authorize(method, url, params)
        data = None
        if body is not None:
            data = dumps(body)
            headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
        return self._session.request(
            method,
            url,
            data=data,
            headers=headers,
            timeout=self._timeout,
            allow_redirects=False,  # a redirect would turn POST into GET and drop the auth header
        )

    def _answer(self, response: requests.Response, where: str) -> Answer:
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

    def _body_detail(self, response: requests.Response, where: str) -> str:
        start = response.content[:200].decode("utf-8", "replace").replace("\n", " ")
        kind = response.headers.get("Content-Type", "?")
        return self.redact(f"{where}: HTTP {response.status_code} {kind}: {start}")

    def _client_error(self, response: requests.Response, where: str) -> EshopError:
        """Map a 4xx answer to the typed error that tells the user what to do."""
        status = response.status_code
        wp = _wp_error(response)
        detail = (
            self.redact(f"{where}: HTTP {status} {wp[0]}: {wp[1]}")
            if wp
            else self._body_detail(response, where)
        )
        if status == 401:
            if wp and "permission" in wp[1].lower():
                return EshopForbidden(detail=detail)  # WooCommerce answers 401 to a read-only key that writes
            return EshopAuthError(detail=detail)
        if status == 403:
            return EshopForbidden(detail=detail) if wp else EshopBadAnswer(detail=detail)
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

    def _transient_status_error(self, response: requests.Response, where: str) -> EshopError:
        wp = _wp_error(response)
        detail = (
            self.redact(f"{where}: HTTP {response.status_code} {wp[0]}: {wp[1]}")
            if wp
            else self._body_detail(response, where)
        )
        if response.status_code == 429:
            return EshopRateLimited(detail=detail)
        return EshopServerError(detail=detail)

    def _timeout_error(self, exc: requests.Timeout, where: str) -> EshopError:
        limit = self._timeout[0] if isinstance(exc, requests.ConnectTimeout) else self._timeout[1]
        return EshopUnavailable(
            f"E-shop neodpověděl včas (limit {limit:g} s). Zkuste to později; "
            "pokud e-shop odpovídá pomalu trvale, prodlužte v Nastavení časový limit.",
            detail=self.redact(f"{where}: {type(exc).__name__}"),
        )

    def _unavailable(self, exc: requests.ConnectionError, where: str) -> EshopError:
        return EshopUnavailable(detail=self.redact(f"{where}: {type(exc).__name__}: {exc}"))

    def _tls_error(self, exc: requests.exceptions.SSLError, where: str) -> EshopError:
        return EshopError(
            "Certifikát HTTPS e-shopu nelze ověřit. Zkontrolujte adresu e-shopu; používá-li e-shop vlastní "
            "certifikát, zadejte v Nastavení › Připojení soubor certifikační autority.",
            detail=self.redact(f"{where}: {exc}"),
        )
