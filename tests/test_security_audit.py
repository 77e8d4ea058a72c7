"""Security audit of the whole web app, walking ``app.url_map`` (so routes added later are covered too).

What it proves, per route and method that exists at test time:

* from another computer every route needs a login, except the login page,
  static files and an exact, small set of public endpoints (bookmark URLs and
  POHODA's Basic-authenticated endpoints) — a new route that forgets its
  guard fails here; a forwarded-for header or a loopback ``Host`` does not
  buy trust, and a DNS-rebound name on loopback is not the PC itself;
* the public endpoints refuse callers without valid credentials;
* every POST needs a CSRF token (POHODA's endpoints need Basic instead),
  cross-site POSTs are refused, and refused requests change nothing;
* staff reach no admin page; no secret appears in any page, header or log
  line; revoked tokens stop at once; login is throttled; cookies, headers,
  the upload limit and the LAN-bind guard behave.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import itertools
import logging
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from adapter import ledger
from adapter.config import AGENDAS, Settings
from adapter.web import auth
from adapter.web.bookmark import progress_signature
from adapter.web.labels import PAGES
from tests.fixtures_app import ADMIN, LAN_ADDR, STAFF, login

# --------------------------------------------------------------------------- the expected public surface

#: endpoints anyone may reach without a login (they authenticate by other means or need none)
CORE_PUBLIC = frozenset({"auth.login", "auth.logout", "bookmark.run", "bookmark.progress"})
#: blueprints whose public endpoints are POHODA's own (HTTP Basic with [pohoda] pull_user/pull_password)
POHODA_BLUEPRINTS = ("pohoda_pull", "pohoda_push")
#: blueprints that only an admin may use
ADMIN_BLUEPRINTS = ("settings", "users", "tokens")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

SECRET_MSERVER = "Msrv-Tajne-Heslo-7Q2x"
SECRET_SHOP = "cs_audit_secret_9f8e7d6c5b4a"
SECRET_PULL = "Pull-Heslo-Pohody-3K9z"
PULL_USER = "pohoda-web"
CSRF_REFUSED = "Formulář vypršel"


@pytest.fixture
def app_settings(data_dir: Path) -> Settings:
    """Distinctive secrets everywhere; the servers are unreachable (port 1) unless a test says otherwise."""
    base = Settings(data_dir=data_dir)
    return replace(
        base,
        pohoda=replace(base.pohoda, url="http://127.0.0.1:1", user="admin", password=SECRET_MSERVER,
                       ico="12345678", pull_user=PULL_USER, pull_password=SECRET_PULL),
        eshop=replace(base.eshop, url="http://127.0.0.1:1", consumer_key="ck_audit_key_1234",
                      consumer_secret=SECRET_SHOP),
    )


# --------------------------------------------------------------------------- walking the url map

_ARG = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<opts>[^)]*)\))?:)?(?P<name>\w+)>")


def endpoint_blueprint(endpoint: str) -> str:
    """``"settings.page"`` → ``"settings"``."""
    return endpoint.rpartition(".")[0]


def is_pohoda_public(app: Flask, endpoint: str) -> bool:
    """A public endpoint of a POHODA blueprint (Basic-authenticated)."""
    return endpoint_blueprint(endpoint) in POHODA_BLUEPRINTS and auth.is_public(app.view_functions[endpoint])


def rule_methods(rule: Rule) -> list[str]:
    """The methods a rule serves that a client can choose (HEAD/OPTIONS are automatic)."""
    return [m for m in METHODS if m in (rule.methods or ())]


def urls_for(rule: Rule, values: dict[str, list[str]] | None = None) -> list[str]:
    """Concrete URLs for ``rule``: every combination of the given values, else one dummy per argument."""
    values = values or {}
    parts: list[tuple[str, list[str]]] = []
    for match in _ARG.finditer(rule.rule):
        name, conv, opts = match["name"], match["conv"], match["opts"]
        if name in values:
            choices = [str(v) for v in values[name]]
        elif conv == "any" and opts:
            choices = [re.sub(r"['\"\s]", "", o) for o in opts.split(",")]
        elif conv == "int":
            choices = ["1"]
        else:
            choices = ["x1"]
        parts.append((match.group(0), choices))
    urls = []
    for combo in itertools.product(*(c for _, c in parts)):
        url = rule.rule
        for (placeholder, _), value in zip(parts, combo, strict=True):
            url = url.replace(placeholder, value, 1)
        urls.append(url)
    return urls


def all_rules(app: Flask) -> list[Rule]:
    """Every rule except static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def public_endpoints(app: Flask) -> set[str]:
    """Endpoints whose view is marked public."""
    return {e for e, v in app.view_functions.items() if auth.is_public(v)}


def assert_needs_login(response: Any, where: str) -> None:
    """A login redirect (plain or htmx) or a 401/403 — nothing else."""
    code = response.status_code
    if code == 302:
        assert response.headers["Location"].startswith("/auth/login"), where
    elif code == 200:
        assert response.headers.get("HX-Redirect", "").startswith("/auth/login"), (where, response.data[:200])
        assert response.data == b"", where
    else:
        assert code in (401, 403), (where, code, response.data[:300])


def basic(user: str, password: str) -> str:
    """An ``Authorization: Basic`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class State:
    """Fingerprint of everything a refused request must not have changed."""

    def __init__(self, app: Flask) -> None:
        data_dir: Path = app.extensions["adapter"].data_dir
        with ledger.database.connection_context():
            self.runs = ledger.Run.select().count()
            self.entries = ledger.Entry.select().count()
            self.users = [(u.username, u.role, u.active, u.password_hash) for u in ledger.User.select().order_by(ledger.User.id)]
            self.tokens = [(t.id, t.revoked_at) for t in ledger.Token.select().order_by(ledger.Token.id)]
        settings = data_dir / "settings.toml"
        self.settings = hashlib.sha256(settings.read_bytes()).hexdigest() if settings.exists() else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"State({vars(self)})"


def lan(app: Flask, addr: str = LAN_ADDR) -> FlaskClient:
    """A client on another computer."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    return client


# --------------------------------------------------------------------------- 1. login needed from the LAN


def test_public_endpoints_are_exactly_the_expected_set(app: Flask) -> None:
    public = public_endpoints(app)
    pohoda = {e for e in public if endpoint_blueprint(e) in POHODA_BLUEPRINTS}
    assert public - pohoda == CORE_PUBLIC, "a route is public that should not be (or an expected one lost its marker)"
    # POHODA's endpoints are few and each must authenticate POHODA itself (tested below)
    assert len(pohoda) <= 6, pohoda
    # CSRF exemption only for POHODA's public endpoints (an exempt login-protected form would be forgeable)
    exempt = {e for e, v in app.view_functions.items() if getattr(v, auth.CSRF_EXEMPT_ATTR, False)}
    assert exempt <= pohoda, exempt - pohoda
    csrf = app.extensions["adapter"].csrf
    assert not csrf._exempt_blueprints, "a whole blueprint must never be CSRF-exempt"
    assert "static" in app.view_functions and not auth.is_public(app.view_functions["dashboard.index"])


def test_every_route_needs_a_login_from_the_lan(app: Flask, users: dict[str, tuple[str, str]]) -> None:
    before = State(app)
    client = lan(app)
    public = public_endpoints(app)
    checked = 0
    variants: list[dict[str, str]] = [
        {},  # a browser
        {"Accept": "application/json"},  # a script
        {"HX-Request": "true"},  # htmx
        {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1"},  # spoofed proxy
    ]
    for rule in all_rules(app):
        if rule.endpoint in public:
            continue
        for method, url, headers in itertools.product(rule_methods(rule), urls_for(rule), variants):
            response = client.open(url, method=method, headers={"Host": "localhost", **headers})
            assert_needs_login(response, f"{method} {url} {headers}")
            checked += 1
    assert checked >= 4 * 20, checked
    assert State(app) == before


def test_no_login_needed_on_the_pc_itself_but_not_for_a_rebound_host_name(app: Flask) -> None:
    """While no account exists the PC is trusted — but only under a loopback Host (DNS rebinding)."""
    client = app.test_client()
    for host in ("localhost", "localhost:8800", "127.0.0.1:8800", "[::1]:8800"):
        assert client.get("/settings/connections", headers={"Host": host}).status_code == 200, host
    before = State(app)
    for host in ("evil.example:8800", "attacker.localhost.evil.example", "192.168.1.50:8800", "0.0.0.0:8800"):
        for rule in all_rules(app):
            if rule.endpoint in public_endpoints(app):
                continue
            for method, url in itertools.product(rule_methods(rule), urls_for(rule)):
                response = client.open(url, method=method, headers={"Host": host})
                assert_needs_login(response, f"{host} {method} {url}")
    # the rebinding page cannot create the first admin either
    token = client.csrf_token()
    response = client.post("/users/", headers={"Host": "evil.example:8800", "X-CSRFToken": token},
                           data={"username": "utocnik", "password": "dlouhe-heslo-9", "password2": "dlouhe-heslo-9",
                                 "role": "admin"})
    assert_needs_login(response, "rebinding POST /users/")
    assert State(app) == before


# --------------------------------------------------------------------------- 2. public endpoints authenticate


def test_bookmark_refuses_missing_wrong_and_revoked_tokens(app: Flask, client: FlaskClient) -> None:
    caller = lan(app)
    new = client.post("/tokens/", data={"name": "Audit", "agendas": ["stock"]})
    secret = re.search(r'<code class="secret" data-token>([^<]+)</code>', new.get_data(as_text=True)).group(1)
    before = State(app)
    bad = ["", "x", secret[:-1], secret + "x", secret.upper() if secret.upper() != secret else secret.lower(),
           hashlib.sha256(secret.encode()).hexdigest(), " " + secret]
    for agenda in AGENDAS:
        for token in bad:
            for fmt in ("text", "html"):
                response = caller.get(f"/run/{agenda}", query_string={"token": token, "format": fmt})
                assert response.status_code == 403, (agenda, token, fmt)
        assert caller.get(f"/run/{agenda}").status_code == 403
    # a token restricted to stock cannot start another agenda
    assert caller.get("/run/orders", query_string={"token": secret, "format": "text"}).status_code == 403
    assert State(app) == before
    # a watch-only progress link needs the right signature for the right run
    ok = caller.get("/run/stock", query_string={"token": secret, "format": "text", "wait": "5"})
    assert ok.status_code == 200
    run_id = int(re.search(r"run=(\d+)", ok.get_data(as_text=True)).group(1))
    with app.test_request_context():
        sig = progress_signature(run_id)
        other = progress_signature(run_id + 1)
    assert caller.get(f"/run/progress/{run_id}/{sig}").status_code == 200
    for wrong in ("x", sig[:-1] + ("0" if sig[-1] != "0" else "1"), other, ""):
        assert caller.get(f"/run/progress/{run_id}/{wrong}").status_code in (403, 404), wrong


def test_revoked_token_stops_working_at_once(app: Flask, client: FlaskClient, live_server_url: str) -> None:
    new = client.post("/tokens/", data={"name": "Plánovač", "agendas": ["products"]})
    secret = re.search(r'<code class="secret" data-token>([^<]+)</code>', new.get_data(as_text=True)).group(1)
    url = f"{live_server_url}/run/products"
    with requests.Session() as scheduler:  # a keep-alive connection, as Task Scheduler's curl would reuse
        first = scheduler.get(url, params={"token": secret, "format": "text", "wait": "10"}, timeout=30)
        assert first.status_code == 200 and first.text.startswith("ok run=")
        token_id = ledger.Token.get(ledger.Token.prefix == secret[:6]).id
        assert client.post(f"/tokens/{token_id}/revoke").status_code == 302
        runs = ledger.Run.select().count()
        again = scheduler.get(url, params={"token": secret, "format": "text"}, timeout=30)
        assert again.status_code == 403
        assert lan(app).get("/run/products", query_string={"token": secret}).status_code == 403
    assert ledger.Run.select().count() == runs


def pohoda_rules(app: Flask) -> list[Rule]:
    """Rules of POHODA's Basic-authenticated endpoints."""
    return [r for r in all_rules(app) if is_pohoda_public(app, r.endpoint)]


def test_pohoda_endpoints_refuse_without_basic(app: Flask) -> None:
    rules = pohoda_rules(app)
    endpoints = {r.endpoint for r in rules}
    # both POHODA endpoints exist (orders pull, stock push) and each is checked below
    assert any(e.startswith("pohoda_pull.") for e in endpoints), endpoints
    assert any(e.startswith("pohoda_push.") for e in endpoints), endpoints
    before = State(app)
    client = lan(app)
    wrong = [None, basic(PULL_USER, "spatne"), basic("jiny", SECRET_PULL), basic(PULL_USER, ""), "Bearer " + SECRET_PULL,
             "Basic !!!", basic(PULL_USER.upper(), SECRET_PULL), f"Basic {SECRET_PULL}"]
    for rule in rules:
        for method, url, header in itertools.product(rule_methods(rule), urls_for(rule), wrong):
            headers = {"Authorization": header} if header else {}
            response = client.open(url, method=method, headers=headers, data=b"<x/>", content_type="text/xml")
            assert response.status_code == 401, (method, url, header, response.status_code)
            assert SECRET_PULL.encode() not in response.data
    # switched off (no pull user): even the old credentials are refused
    app.extensions["adapter"].store.save({"pohoda": {"pull_user": ""}})
    for rule in rules:
        for method, url in itertools.product(rule_methods(rule), urls_for(rule)):
            response = client.open(url, method=method, headers={"Authorization": basic(PULL_USER, SECRET_PULL)})
            assert response.status_code in (401, 403, 404), (method, url, response.status_code)
    app.extensions["adapter"].store.save({"pohoda": {"pull_user": PULL_USER}})
    assert State(app).runs == before.runs and State(app).entries == before.entries


# --------------------------------------------------------------------------- 3. CSRF and cross-site


def post_rules(app: Flask) -> list[Rule]:
    """Every rule that takes a POST."""
    return [r for r in all_rules(app) if "POST" in (r.methods or ())]


def test_every_post_without_a_valid_csrf_token_is_refused(
    app: Flask, users: dict[str, tuple[str, str]], admin_login: Callable[[FlaskClient], FlaskClient]
) -> None:
    admin = admin_login(lan(app))
    local = app.test_client()  # the trusted PC: no login, still no forged POSTs
    stranger_token = lan(app, "192.168.1.77").csrf_token()  # valid, but for another session
    before = State(app)
    checked = 0
    for rule in post_rules(app):
        for url in urls_for(rule):
            if is_pohoda_public(app, rule.endpoint):
                response = admin.post(url, csrf=False, data=b"<x/>", content_type="text/xml")
                assert response.status_code == 401, (url, response.status_code)
                continue
            for client, headers in ((admin, {}), (admin, {"X-CSRFToken": "garbage"}),
                                    (admin, {"X-CSRFToken": stranger_token}), (local, {})):
                response = client.post(url, csrf=False, headers=headers, data={"csrf_token": "nic", "x": "1"})
                assert response.status_code == 400, (url, headers, response.status_code)
                assert CSRF_REFUSED in response.get_data(as_text=True), url
                checked += 1
    assert checked >= 4 * 10
    assert State(app) == before


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_cross_site_posts_are_refused_everywhere(
    app: Flask, site: str, admin_login: Callable[[FlaskClient], FlaskClient]
) -> None:
    admin = admin_login(lan(app))
    local = app.test_client()
    before = State(app)
    for rule in post_rules(app):
        for url in urls_for(rule):
            for client in (admin, local):
                headers = {"Sec-Fetch-Site": site, "Authorization": basic(PULL_USER, SECRET_PULL)}
                response = client.post(url, headers=headers, data={"x": "1"})  # valid CSRF token, still refused
                assert response.status_code == 403, (url, site, response.status_code)
    assert State(app) == before


# --------------------------------------------------------------------------- 4. roles


def test_admin_pages_are_marked_and_staff_cannot_reach_them(
    app: Flask, staff_login: Callable[[FlaskClient], FlaskClient]
) -> None:
    admin_only = {e for e, v in app.view_functions.items() if getattr(v, auth.ROLE_ATTR, None) == "admin"}
    must_be_admin = {e for e in app.view_functions if endpoint_blueprint(e) in ADMIN_BLUEPRINTS}
    assert must_be_admin <= admin_only, must_be_admin - admin_only
    staff = staff_login(lan(app))
    before = State(app)
    checked = 0
    for rule in all_rules(app):
        if rule.endpoint not in admin_only:
            continue
        values = {"name": list(PAGES), "user_id": [u.id for u in ledger.User.select()], "token_id": ["1"]}
        for method, url in itertools.product(rule_methods(rule), urls_for(rule, values)):
            response = staff.open(url, method=method, data={"username": "x", "password": "dlouhe-heslo-9",
                                                          "password2": "dlouhe-heslo-9", "role": "admin",
                                                          "active": "0", "name": "t", "pohoda.ico": "87654321"})
            assert response.status_code == 403, (method, url, response.status_code)
            checked += 1
    assert checked >= 10
    assert State(app) == before


# --------------------------------------------------------------------------- 5. no secrets anywhere


class Echo(BaseHTTPRequestHandler):
    """Answers 401 with a body that echoes the request line and headers back (a chatty proxy)."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        echo = f"Unauthorized {self.command} {self.path}\n{self.headers}".encode() + body[:2000]
        self.send_response(401)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(echo)))
        self.end_headers()
        self.wfile.write(echo)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def echo_url() -> Iterator[str]:
    """A 127.0.0.1 server that answers 401 and echoes what it got."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def populated(app: Flask, client: FlaskClient, users: dict[str, tuple[str, str]], echo_url: str) -> dict[str, Any]:
    """Runs, entries, events, a token: every kind of row a page can show.

    Both servers point at a server that answers 401 and echoes the request
    (credentials included) back, so pages that talk to them fail fast and
    would show anything the answer leaks.
    """
    app.extensions["adapter"].store.save({"pohoda": {"url": echo_url}, "eshop": {"url": echo_url}})
    new = client.post("/tokens/", data={"name": "Úloha", "agendas": []})
    token = re.search(r'<code class="secret" data-token>([^<]+)</code>', new.get_data(as_text=True)).group(1)
    runner = app.extensions["adapter"].runner
    for agenda in AGENDAS:
        runner.start(agenda, "button")
        runner.wait(agenda, 10)
    runner.start("stock", "button", dry_run=True)
    runner.wait("stock", 10)
    with ledger.database.connection_context():
        return {
            "token": token,
            "run_id": [r.id for r in ledger.Run.select()],
            "entry_id": [e.id for e in ledger.Entry.select()],
            "user_id": [u.id for u in ledger.User.select()],
            "token_id": [t.id for t in ledger.Token.select()],
        }


def walk_get_pages(app: Flask, client: FlaskClient, ids: dict[str, Any], *, token: str) -> list[tuple[str, Any]]:
    """GET every page reachable for ``client`` (path arguments filled with existing ids)."""
    values: dict[str, list[Any]] = {"agenda": list(AGENDAS), "name": list(PAGES), "mode": ["sync"],
                                    **{k: v for k, v in ids.items() if k != "token"}}
    pages = []
    for rule in all_rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint == "bookmark.progress":
            with app.test_request_context():
                urls = [f"/run/progress/{r}/{progress_signature(r)}" for r in ids["run_id"]]
        elif rule.endpoint == "bookmark.run":
            urls = [f"/run/{a}?token={token}&format=html&mode=preview" for a in ("products", "customers")]
        else:
            urls = urls_for(rule, values)
        for url in urls:
            response = client.get(url, headers={"Accept": "text/html"})
            assert response.status_code < 500, (url, response.status_code)
            pages.append((url, response))
    return pages


def test_no_secret_in_any_page_for_admin_and_staff(
    app: Flask, populated: dict[str, Any], admin_login: Callable[[FlaskClient], FlaskClient],
    staff_login: Callable[[FlaskClient], FlaskClient],
) -> None:
    token = populated["token"]
    mserver_basic = base64.b64encode(f"admin:{SECRET_MSERVER}".encode()).decode()
    secrets = [SECRET_MSERVER, SECRET_SHOP, SECRET_PULL, token, ADMIN[1], STAFF[1], mserver_basic]
    for who, make in (("admin", admin_login), ("staff", staff_login)):
        client = make(lan(app))
        pages = walk_get_pages(app, client, populated, token=token)
        ok = [url for url, r in pages if r.status_code == 200]
        assert len(ok) >= 10, (who, ok)
        for url, response in pages:
            body = response.get_data(as_text=True)
            headers = str(response.headers)
            for secret in secrets:
                assert secret not in body, (who, url, secret[:4])
                assert secret not in headers, (who, url, secret[:4])
    for agenda in AGENDAS:
        app.extensions["adapter"].runner.wait(agenda, 10)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog at DEBUG for every logger that exists (and the root)."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """GET through http.client (which logs nothing, unlike requests/urllib3 at DEBUG)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "*/*"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_no_secret_or_token_in_any_log_record(
    app: Flask, client: FlaskClient, live_server_url: str, all_logs: pytest.LogCaptureFixture, echo_url: str
) -> None:
    new = client.post("/tokens/", data={"name": "Noční", "agendas": []})
    token = re.search(r'<code class="secret" data-token>([^<]+)</code>', new.get_data(as_text=True)).group(1)
    # bookmark calls: through waitress (real server logging) and the test client, ok and failing runs
    for agenda in ("stock", "invoices"):
        status, _ = raw_get(live_server_url, f"/run/{agenda}?token={token}&format=text&wait=10")
        assert status == 200
    lan(app).get(f"/run/orders?token={token}", headers={"Accept": "text/html"})
    assert raw_get(live_server_url, f"/run/stock?token={token}x")[0] == 403
    # failing connection tests: a refused port, then servers that answer 401 and echo the request back
    assert client.post("/settings/test/pohoda", headers={"HX-Request": "true"}).status_code == 200
    for side, url in (("pohoda", echo_url), ("eshop", echo_url)):
        form = {f"{side}.url": url}
        if side == "pohoda":
            form.update({"pohoda.user": "admin", "pohoda.ico": "12345678"})
        else:
            form.update({"eshop.consumer_key": "ck_audit_key_1234", "eshop.platform": "woocommerce"})
        page = client.post(f"/settings/test/{side}", data=form, headers={"HX-Request": "true"})
        assert page.status_code == 200
        for secret in (SECRET_MSERVER, SECRET_SHOP, SECRET_PULL):
            assert secret not in page.get_data(as_text=True), (side, secret[:4])
    # wrong logins
    login(lan(app), "spravce", SECRET_PULL)
    for agenda in AGENDAS:
        app.extensions["adapter"].runner.wait(agenda, 10)
    assert len(all_logs.records) > 3  # the capture works (runs and connection tests do log)
    mserver_basic = base64.b64encode(f"admin:{SECRET_MSERVER}".encode()).decode()
    for record in all_logs.records:
        text = record.getMessage() + (all_logs.handler.format(record) if record.exc_info else "")
        for secret in (SECRET_MSERVER, SECRET_SHOP, SECRET_PULL, token, mserver_basic):
            assert secret not in text, (record.name, secret[:4], text[:300])


# --------------------------------------------------------------------------- 6. login throttle, cookies, headers


def test_login_brute_force_is_throttled_per_address(app: Flask, users: dict[str, tuple[str, str]]) -> None:
    attacker = lan(app)
    statuses = []
    for i in range(15):
        # a changing forwarded-for header and user name must not reset the count
        statuses.append(attacker.post("/auth/login", data={"username": f"spravce{i % 2 or ''}", "password": f"zkouska{i}"},
                                      headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code)
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    assert statuses.count(429) >= 5
    blocked = login(attacker, *ADMIN)
    assert blocked.status_code == 429 and "Příliš mnoho neúspěšných pokusů" in blocked.get_data(as_text=True)
    assert "session" not in blocked.headers.get("Set-Cookie", "").lower() or "uid" not in blocked.headers.get("Set-Cookie", "")
    assert attacker.get("/").status_code == 302  # still not logged in
    # another computer is not punished for the attacker
    assert login(lan(app, "192.168.1.51"), *STAFF).status_code == 302


def test_session_cookie_flags(app: Flask, users: dict[str, tuple[str, str]]) -> None:
    response = login(lan(app), *ADMIN)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert session, cookies
    flags = [p.strip().lower() for p in session[0].split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags or "samesite=strict" in flags
    assert "path=/" in flags
    assert not any(f.startswith("domain=") for f in flags)


def test_stolen_session_cookie_dies_with_a_password_change(app: Flask, client: FlaskClient, users: dict[str, tuple[str, str]]) -> None:
    victim = lan(app)
    login(victim, *STAFF)
    thief = lan(app, "192.168.1.66")
    name = app.config["SESSION_COOKIE_NAME"]
    thief.set_cookie(name, victim.get_cookie(name).value)
    assert thief.get("/").status_code == 200
    staff_id = ledger.User.get(ledger.User.username == STAFF[0]).id
    assert client.post(f"/users/{staff_id}/password", data={"password": "nove-dlouhe-heslo-1"}).status_code == 302
    assert thief.get("/").status_code == 302


def test_stolen_session_cookie_dies_with_logout(app: Flask, users: dict[str, tuple[str, str]]) -> None:
    victim = lan(app)
    login(victim, *STAFF)
    thief = lan(app, "192.168.1.67")
    name = app.config["SESSION_COOKIE_NAME"]
    thief.set_cookie(name, victim.get_cookie(name).value)
    assert thief.get("/").status_code == 200
    assert victim.post("/auth/logout").status_code == 302
    assert thief.get("/").status_code == 302


HEADERS = {
    "Content-Security-Policy": lambda v: v.startswith("default-src 'self'") and "frame-ancestors 'none'" in v,
    "X-Frame-Options": lambda v: v == "DENY",
    "X-Content-Type-Options": lambda v: v == "nosniff",
    "Referrer-Policy": lambda v: v in ("same-origin", "no-referrer"),
}


def assert_security_headers(response: Any, where: str, *, static: bool = False) -> None:
    """CSP, framing, sniffing and referrer headers; no caching except static files."""
    for name, ok in HEADERS.items():
        assert ok(response.headers.get(name, "")), (where, name, response.headers.get(name))
    if not static:
        assert response.headers.get("Cache-Control") == "no-store", where


def test_security_headers_on_every_page_and_error(
    app: Flask, populated: dict[str, Any], admin_login: Callable[[FlaskClient], FlaskClient],
    staff_login: Callable[[FlaskClient], FlaskClient],
) -> None:
    local = app.test_client()
    for url, response in walk_get_pages(app, local, populated, token=populated["token"]):
        assert_security_headers(response, url)
    static = local.get("/static/app.css")
    assert_security_headers(static, "static", static=True)
    static.close()
    staff = staff_login(lan(app))
    anonymous = lan(app)
    errors = [
        ("404", local.get("/neexistuje")),
        ("405", local.put("/")),
        ("400 csrf", local.post("/tokens/", csrf=False)),
        ("403 staff", staff.get("/settings/connections")),
        ("403 cross-site", local.post("/tokens/", headers={"Sec-Fetch-Site": "cross-site"})),
        ("302 login", anonymous.get("/runs/")),
        ("401 script", anonymous.get("/runs/", headers={"Accept": "application/json"})),
        ("403 bookmark", anonymous.get("/run/stock?token=x")),
        ("401 login", login(lan(app, "192.168.1.90"), "nikdo", "nic")),
    ]
    for where, response in errors:
        assert_security_headers(response, where)
    for agenda in AGENDAS:
        app.extensions["adapter"].runner.wait(agenda, 10)


def test_static_files_never_serve_the_data_folder(app: Flask) -> None:
    client = lan(app)
    for path in ("/static/../secret_key", "/static/..%2fsecret_key", "/static/%2e%2e/app.py", "/static//etc/passwd",
                 "/static/..%5c..%5csecret_key", "/static/../../data/settings.toml"):
        response = client.get(path)
        assert response.status_code in (301, 302, 308, 400, 401, 403, 404), (path, response.status_code)
        assert response.headers.get("Location", "/").startswith(("/", "http://localhost/")), path
        assert b"root:" not in response.data and b"SECRET" not in response.data
        assert SECRET_MSERVER.encode() not in response.data


# --------------------------------------------------------------------------- 7. upload limit, LAN bind


def test_oversized_post_gets_a_czech_413_on_every_route(app: Flask) -> None:
    app.extensions["adapter"].store.save({"payments": {"max_upload_mb": 1}})
    client = app.test_client()  # the trusted PC: gets past the login guard to the body
    big = b"a" * (1024 * 1024 + 4096)
    before = State(app)
    for rule in post_rules(app):
        for url in urls_for(rule):
            attempts = [
                {"data": {"x": big.decode()}},
                {"data": {"file": (io.BytesIO(big), "faktury.csv")}, "content_type": "multipart/form-data"},
                {"data": big, "content_type": "text/xml"},
            ]
            for kwargs in attempts:
                response = client.post(url, **kwargs)
                if is_pohoda_public(app, rule.endpoint):
                    assert response.status_code in (401, 413), (url, response.status_code)
                    continue
                assert response.status_code == 413, (url, kwargs.get("content_type"), response.status_code)
                page = response.get_data(as_text=True)
                assert 'lang="cs"' in page and ("příliš velký" in page or "větší než povolených" in page), url
    assert State(app).runs == before.runs and State(app).users == before.users


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("host", ["0.0.0.0", "::", LAN_ADDR])  # noqa: S104
def test_lan_bind_is_refused_while_no_active_user_exists(
    tmp_path: Path, host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import waitress

    from app import main

    served: list[Any] = []
    monkeypatch.setattr(waitress, "serve", lambda *a, **k: served.append((a, k)))
    data = tmp_path / "data"
    args = ["serve", "--host", host, "--port", str(free_port()), "--data", str(data), "--no-browser"]
    assert main(args) == 2
    assert "nelze použít" in capsys.readouterr().err
    # an account that is blocked does not count
    from adapter.web import accounts

    ledger.init_db(data / "ledger.db")
    with ledger.database.connection_context():
        user = accounts.create_user("jediny", "dlouhe-heslo-1", "admin")
        ledger.User.update(active=False).where(ledger.User.id == user.id).execute()
    assert main(args) == 2
    assert served == []
    ledger.database.close()


# --------------------------------------------------------------------------- 8. hardening round (issue 18)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://localhost"])
def test_posts_with_a_foreign_origin_are_refused_everywhere(
    app: Flask, origin: str, admin_login: Callable[[FlaskClient], FlaskClient]
) -> None:
    """Browsers without Sec-Fetch-Site still send Origin: a foreign one is refused on every POST route."""
    admin = admin_login(lan(app))
    local = app.test_client()
    before = State(app)
    for rule in post_rules(app):
        for url in urls_for(rule):
            for client in (admin, local):
                response = client.post(url, headers={"Origin": origin, "Authorization": basic(PULL_USER, SECRET_PULL)},
                                       data={"x": "1"})
                assert response.status_code == 403, (url, origin, response.status_code)
    assert State(app) == before


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d%0aX:%201", "//evil.example", "/%5Cevil.example",
                                    "https://evil.example", "/%20/evil.example"])
def test_login_next_never_leaves_the_app(app: Flask, users: dict[str, tuple[str, str]], target: str) -> None:
    response = lan(app).post(f"/auth/login?next={target}", data={"username": ADMIN[0], "password": ADMIN[1]})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_pohoda_endpoints_throttle_wrong_passwords(app: Flask) -> None:
    from adapter.web.throttle import POHODA_FAILURES

    for rule in pohoda_rules(app):
        for url in urls_for(rule):
            attacker = lan(app, "192.168.1.99")
            statuses = [attacker.post(url, data=b"<x/>", headers={"Authorization": basic(PULL_USER, f"x{i}")}).status_code
                        for i in range(POHODA_FAILURES + 2)]
            assert statuses[-1] == 429 and 401 in statuses, (url, statuses)
            right = attacker.post(url, data=b"<x/>", headers={"Authorization": basic(PULL_USER, SECRET_PULL)})
            assert right.status_code == 429 and right.headers.get("Retry-After"), url


def test_routes_of_the_hardening_round_are_walked(app: Flask, users: dict[str, tuple[str, str]]) -> None:
    """The waiting page of large uploads is in the map, needs a login and shows nobody else's upload."""
    rules = {r.endpoint: r for r in all_rules(app)}
    assert "payments_pending.status" in rules
    assert "payments_pending.status" not in public_endpoints(app)
    for url in urls_for(rules["payments_pending.status"]):
        assert_needs_login(lan(app).get(url), url)
        staff = lan(app)
        login(staff, *STAFF)
        assert staff.get(url).status_code == 404
