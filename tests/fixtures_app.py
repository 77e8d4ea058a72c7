"""Fixtures for the web app: ``app``, ``client`` (pytest-flask), ``lan_client``,
login helpers, small real job functions, and ``live_server_url`` (waitress)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from adapter import ledger
from adapter.config import Settings
from adapter.sync.connections import default_connections
from adapter.sync.context import JobContext
from adapter.web import accounts

ADMIN = ("spravce", "heslo-spravce-1")
STAFF = ("obsluha", "heslo-obsluhy-1")
LAN_ADDR = "192.168.1.50"
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


def connections_for_tests() -> Any:
    """The app's real connections (mServer client and e-shop connector built from the settings)."""
    return default_connections()


# --------------------------------------------------------------------------- small real jobs


class Gate:
    """Lets a test hold the ``stock`` job after its first card (``hold()``) and release it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def hold(self) -> Gate:
        """Make the next ``stock`` run wait for :attr:`release`."""
        self.started.clear()
        self.release.clear()
        return self


def make_jobs(gate: Gate | None = None, *, seconds: float = 0.0) -> dict[str, Callable[[JobContext], None]]:
    """Job functions for every agenda that use JobContext like the real ones.

    * ``orders``: 3 documents, ``E2`` fails, so the run ends ``partial``;
      with ``options["keys"]`` only those keys are processed (all ok).
    * ``stock``: 10 cards, waits for ``gate.release`` (if given) after the
      first, honours Cancel, spreads ``seconds`` over the items.
    * ``invoices``: fails with a Czech AdapterError.
    * the rest: ok with one document.
    """

    def orders(ctx: JobContext) -> None:
        keys = ctx.options.get("keys") or ["E1", "E2", "E3"]
        ctx.progress(0, len(keys), "Odesílám objednávky")
        for key in keys:
            if key == "E2" and ctx.trigger != "retry":
                ctx.error(key, "POHODA: Položka nemá zásobu (chybný kód).", label=f"Objednávka {key}")
                ledger.save_entry("orders", key, state="error", label=f"Objednávka {key}", run=ctx.run_id,
                                  error="Položka nemá zásobu.",
                                  details=[{"state": "error", "errno": 103, "note": "Uzavřené období",
                                            "xpath": "dat:dataPack/dat:dataPackItem[1]/ord:order/ord:orderHeader/ord:date"}],
                                  sent_xml="<dataPack><item id='x'>ž</item></dataPack>", answer_xml="<responsePack/>")
            else:
                ctx.ok(key, "přeneseno", label=f"Objednávka {key}")
                ledger.save_entry("orders", key, state="ok", label=f"Objednávka {key}", run=ctx.run_id,
                                  pohoda_number=f"OP{key}", eshop_data={"id": key, "total": "121.00"})
            ctx.advance()
        ledger.save_entry("orders", "W1", state="held", label="Objednávka W1", error="Nespárovaný produkt SKU-9")
        ctx.report = {"odeslano": len(keys), "polozky": [{"sku": "A-1", "stav": "ok"}, {"sku": "B-2", "stav": "chyba"}]}

    def stock(ctx: JobContext) -> None:
        total = 10
        ctx.progress(0, total, "Posílám stavy zásob")
        for i in range(total):
            ctx.check_cancel()
            if i == 1 and gate is not None:
                gate.started.set()
                gate.release.wait(30)
                ctx.check_cancel()
            if seconds:
                time.sleep(seconds / total)
            ctx.ok(f"K{i}")
            ctx.advance()
            ctx.progress(force=True)

    def invoices(ctx: JobContext) -> None:
        from adapter.errors import MServerUnavailable

        raise MServerUnavailable

    def simple(ctx: JobContext) -> None:
        ctx.progress(0, 1, "Pracuji")
        ctx.ok("X1")
        ctx.advance()

    return {"orders": orders, "stock": stock, "invoices": invoices, "products": simple, "customers": simple,
            "payments": simple}


# --------------------------------------------------------------------------- the app


class CsrfClient(FlaskClient):
    """A test client that adds the page's CSRF token to every POST unless ``csrf=False``."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        add_token = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET")
        if args and not isinstance(args[0], str):
            method = getattr(args[0], "method", method)
        if add_token and method == "POST":
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers:
                headers["X-CSRFToken"] = self.csrf_token()
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The token of this client's session (read from the login page's meta tag)."""
        page = super().open("/auth/login", method="GET", environ_base=self.environ_base)
        match = CSRF_META.search(page.data)
        assert match, "no csrf-token meta on the login page"
        return match.group(1).decode()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def job_gate() -> Gate:
    """Can hold the ``stock`` test job after its first card (``job_gate.hold()``) until released."""
    gate = Gate()
    yield gate
    gate.release.set()


@pytest.fixture
def app_settings(data_dir: Path) -> Settings:
    """Settings the ``app`` fixture starts with (override in a test module to change them)."""
    return Settings(data_dir=data_dir)


@pytest.fixture
def app(app_settings: Settings, data_dir: Path, job_gate: Gate) -> Iterator[Any]:
    """The app on a tmp data folder, with small real job functions and CSRF on."""
    from app import create_app

    application = create_app(app_settings, data_dir=data_dir, connections=connections_for_tests(),
                             jobs=make_jobs(job_gate))
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    job_gate.release.set()
    runner = application.extensions["adapter"].runner
    for agenda in ("orders", "stock", "invoices", "products", "customers", "payments"):
        runner.wait(agenda, 10)
    ledger.database.close()


@pytest.fixture
def lan_client(app: Any) -> FlaskClient:
    """A client whose requests come from another computer on the LAN."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = LAN_ADDR
    return client


def _create_user(app: Any, name: str, password: str, role: str) -> None:
    with app.app_context(), ledger.database.connection_context():
        if not ledger.User.select().where(ledger.User.username == name).exists():
            accounts.create_user(name, password, role)


@pytest.fixture
def users(app: Any) -> dict[str, tuple[str, str]]:
    """An admin and a staff account."""
    _create_user(app, *ADMIN, "admin")
    _create_user(app, *STAFF, "staff")
    return {"admin": ADMIN, "staff": STAFF}


def login(client: FlaskClient, name: str, password: str) -> Any:
    """Log ``client`` in through the login form."""
    return client.post("/auth/login", data={"username": name, "password": password})


@pytest.fixture
def admin_login(users: dict[str, tuple[str, str]]) -> Callable[[FlaskClient], FlaskClient]:
    """Log a client in as the admin: ``admin_login(lan_client)``."""

    def do(client: FlaskClient) -> FlaskClient:
        response = login(client, *users["admin"])
        assert response.status_code == 302, response.data[:500]
        return client

    return do


@pytest.fixture
def staff_login(users: dict[str, tuple[str, str]]) -> Callable[[FlaskClient], FlaskClient]:
    """Log a client in as staff: ``staff_login(lan_client)``."""

    def do(client: FlaskClient) -> FlaskClient:
        response = login(client, *users["staff"])
        assert response.status_code == 302, response.data[:500]
        return client

    return do


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server_url(app: Any) -> Iterator[str]:
    """The real app served by waitress on 127.0.0.1 in a thread."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=free_port(), threads=8)
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    yield url
    server.close()
    thread.join(5)


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's: a request context held open for the whole test would make
    every test-client request share one app context (and ``g``), unlike real requests."""


@pytest.fixture
def client(app: Any) -> FlaskClient:
    """The test client (pytest-flask's, minus its ``with client:`` block, which keeps each
    request's context pushed until the next one and so lets two clients share ``g``)."""
    return app.test_client()
