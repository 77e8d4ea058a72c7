"""HTTP transport to POHODA mServer: ``POST /xml`` and ``GET /status``, one request at a time per URL.

Errors come back as the typed, Czech-worded classes of :mod:`adapter.errors`.
The password and the ``STW-Authorization`` header are never logged.
"""

from __future__ import annotations

import base64
import gzip
import io
import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import requests
from lxml import etree
from urllib3.exceptions import ReadTimeoutError

from adapter.errors import (
    IcoMismatch,
    MServerAuthError,
    MServerBadUrl,
    MServerBusy,
    MServerForbidden,
    MServerHtmlAnswer,
    MServerUnavailable,
    PohodaError,
    ResponseParseError,
)
from adapter.pohoda.envelope import BuiltPack, parse_response, parse_xml, q, refuse_doctype, state_of
from adapter.pohoda.licence import pack_refusal
from adapter.records import MServerStatus, PackResult

log = logging.getLogger(__name__)

GZIP_ABOVE = 4096  #: request bodies larger than this many bytes are sent gzipped
_BUSY_STATUSES = frozenset({408, 503})

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def normalise_url(url: str) -> str:
    """The mServer base URL: lower-case scheme and host, no trailing ``/`` or ``/xml``."""
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    path = parts.path.rstrip("/")
    if path.lower().endswith("/xml"):
        path = path[:-4]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path.rstrip("/"), "", ""))


def url_lock(url: str) -> threading.Lock:
    """The process-wide lock serialising requests to one mServer URL."""
    key = normalise_url(url)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def auth_header(user: str, password: str) -> str:
    """``Basic base64(utf-8 "user:password")`` for ``STW-Authorization``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True when an answer is an HTML page rather than XML."""
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _envelope_facts(body: bytes) -> tuple[str, str, str, str, bool]:
    """Root facts of a responsePack without reading it whole: (id, state, note, ico, has_items)."""
    refuse_doctype(body[:4096])
    try:
        events = etree.iterparse(io.BytesIO(body), events=("start",), resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=True)
        _, root = next(events)
        if root.tag != q("rsp:responsePack"):
            raise ResponseParseError(detail=f"kořen odpovědi je {root.tag!s:.80}")
        if root.getroottree().docinfo.internalDTD is not None:  # a DOCTYPE hidden past the first 4 KB
            raise ResponseParseError(detail="odpověď obsahuje DOCTYPE")
        has_items = bool(_first(events))
    except StopIteration:
        raise ResponseParseError(detail="prázdná odpověď") from None
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise ResponseParseError(detail=f"XML nelze přečíst: {exc}") from None
    attrs = root.attrib
    return (attrs.get("id", ""), attrs.get("state", ""), (attrs.get("note") or "").strip(),
            (attrs.get("ico") or "").strip(), has_items)


def _first(events: etree.iterparse) -> list[object]:
    try:
        return [next(events)]
    except StopIteration:
        return []
    except etree.XMLSyntaxError:
        return []


class MServerClient:
    """A client for one POHODA mServer configuration (one accounting unit)."""

    def __init__(self, url: str, user: str, password: str, ico: str, *, application: str = "POHODA adaptér",
                 connect_timeout: float = 5.0, read_timeout: float = 300.0, retries: int = 4,
                 backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.base = normalise_url(url)
        self.user = user
        self._auth = auth_header(user, password)
        self.ico = ico.strip()
        self.application = application
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._session = requests.Session()
        self._lock = url_lock(self.base)

    def __repr__(self) -> str:
        return f"MServerClient({self.base!r}, user={self.user!r}, ico={self.ico!r})"

    # ------------------------------------------------------------------ public

    def post(self, data_pack: bytes, *, write: bool = False, instance: str = "") -> bytes:
        """POST a dataPack to ``/xml``; return the responsePack bytes after the pack-level checks.

        Raises the transport errors, IcoMismatch when the answer is for another
        company, and PackError when POHODA refused the whole pack.
        """
        headers = self._headers(instance)
        headers["Content-Type"] = "text/xml"
        if write:
            headers["STW-Check-Duplicity"] = "true"
        body = data_pack
        if len(body) > GZIP_ABOVE:
            body = gzip.compress(body, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        response = self._request("POST", self.base + "/xml", headers=headers, data=body)
        answer = response.content
        self._check_xml_answer(response, answer)
        pack_id, state, note, ico, has_items = _envelope_facts(answer)
        if ico and self.ico and ico != self.ico:
            raise IcoMismatch(self.ico, ico)
        if state_of(state) == "error" and (not has_items or not pack_id):
            raise pack_refusal(note, detail=f"responsePack id={pack_id!r}")
        return answer

    def send(self, pack: BuiltPack, *, write: bool = True, instance: str = "") -> PackResult:
        """POST a built pack and parse the answer; pack-level refusals raise PackError / IcoMismatch."""
        return parse_response(self.post(pack.xml, write=write, instance=instance))

    def status(self, *, company_detail: bool = False) -> MServerStatus:
        """``GET /status`` (``?companyDetail`` adds company, database, year); checks the IČO if given."""
        url = self.base + "/status" + ("?companyDetail" if company_detail else "")
        response = self._request("GET", url, headers=self._headers(""))
        body = response.content
        self._check_xml_answer(response, body)
        found = _parse_status(body)
        if company_detail and found.ico and self.ico and found.ico != self.ico:
            raise IcoMismatch(self.ico, found.ico)
        return found

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> MServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _headers(self, instance: str) -> dict[str, str]:
        headers = {
            "STW-Authorization": self._auth,
            "STW-Application": _latin1(self.application),
            "Accept-Encoding": "gzip, deflate",
        }
        if instance:
            headers["STW-Instance"] = _latin1(instance)
        return headers

    def _request(self, method: str, url: str, **kwargs: object) -> requests.Response:
        with self._lock:
            attempt = 0
            while True:
                try:
                    return self._once(method, url, **kwargs)
                except MServerBusy:
                    if attempt >= self.retries:
                        raise
                    delay = self.backoff * (2**attempt)
                    log.info("mServer %s je zaneprázdněný, další pokus za %.1f s", self.base, delay)
                    self._sleep(delay)
                    attempt += 1

    def _once(self, method: str, url: str, **kwargs: object) -> requests.Response:
        started = time.monotonic()
        try:
            response = self._session.request(method, url, timeout=self.timeout, allow_redirects=False,
                                             **kwargs)  # type: ignore[arg-type]
        except requests.exceptions.ReadTimeout as exc:
            raise MServerBusy(detail=f"{method} {url}: čtení odpovědi vypršelo ({exc.__class__.__name__})") from None
        except requests.exceptions.ConnectionError as exc:
            if exc.args and isinstance(exc.args[0], ReadTimeoutError):  # body stalled mid-way
                raise MServerBusy(detail=f"{method} {url}: čtení odpovědi vypršelo") from None
            raise MServerUnavailable(detail=f"{method} {url}: {exc.__class__.__name__}") from None
        except requests.exceptions.InvalidURL as exc:
            raise MServerBadUrl(detail=f"{url}: {exc.__class__.__name__}") from None
        except requests.exceptions.RequestException as exc:
            raise PohodaError(detail=f"{method} {url}: {exc.__class__.__name__}: {exc}") from None
        log.debug("mServer %s %s → HTTP %s, %d B, %.2f s", method, url, response.status_code,
                  len(response.content), time.monotonic() - started)
        _raise_for_status(response, method, url)
        return response

    @staticmethod
    def _check_xml_answer(response: requests.Response, body: bytes) -> None:
        if looks_like_html(body, response.headers.get("Content-Type", "")):
            raise MServerHtmlAnswer(detail=f"HTTP {response.status_code}, {len(body)} B HTML")


def _latin1(value: str) -> str:
    """Header values must be Latin-1; other characters are replaced."""
    return value.encode("latin-1", "replace").decode("latin-1")


def _raise_for_status(response: requests.Response, method: str, url: str) -> None:
    code = response.status_code
    detail = f"{method} {url} → HTTP {code}"
    if code == 200:
        return
    if code == 401:
        raise MServerAuthError(detail=detail)
    if code == 403:
        raise MServerForbidden(detail=detail)
    if code in (404, 405):
        raise MServerBadUrl(detail=detail)
    if code in _BUSY_STATUSES:
        raise MServerBusy(detail=detail)
    if looks_like_html(response.content, response.headers.get("Content-Type", "")):
        raise MServerHtmlAnswer(detail=detail)
    raise PohodaError(f"mServer vrátil neočekávanou chybu HTTP {code}. Zkuste akci zopakovat; pokud chyba "
                      "trvá, zkontrolujte okno mServeru v POHODĚ.", detail=detail)


def _parse_status(body: bytes) -> MServerStatus:
    doc = parse_xml(body)
    if etree.QName(doc).localname != "mServer":
        raise ResponseParseError(detail=f"/status: kořen {doc.tag!s:.80}, čekán mServer")

    def t(path: str) -> str:
        node = doc.find(path)
        return (node.text or "").strip() if node is not None else ""

    processing = t("processing")
    return MServerStatus(
        name=t("name"), server=t("server"), status=t("status"),
        processing=int(processing) if processing.isdigit() else 0,
        company=t("companyDetail/company"), database=t("companyDetail/databaseName"),
        year=t("companyDetail/year"), ico=t("companyDetail/ico"),
    )
