"""Hardening: HTTPS for LAN use — a generated or an own certificate, served over a real TLS socket on loopback."""

from __future__ import annotations

import os
import re
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
from cryptography import x509

from adapter import ledger, tls, tls_front
from adapter.config import Settings
from adapter.web import accounts
from tests.fixtures_app import ADMIN, LAN_ADDR

FINGERPRINT = re.compile(r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")


def test_a_certificate_is_generated_once_with_this_pcs_names(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = tls.certificate(settings, "192.168.1.10")
    assert first.generated and not first.own and FINGERPRINT.match(first.fingerprint)
    if sys.platform != "win32":
        assert os.stat(first.key_path).st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate(first.cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    addresses = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", "192.168.1.10"} <= addresses and "localhost" in san.get_values_for_type(x509.DNSName)
    again = tls.certificate(settings, "192.168.1.10")
    assert not again.generated and again.fingerprint == first.fingerprint
    assert tls.current_fingerprint(settings) == first.fingerprint


@pytest.fixture(scope="module")
def own_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path, Path]:
    folder = tmp_path_factory.mktemp("own")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = folder / "adapter.crt", folder / "adapter.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    return ca, cert, key


def with_tls(settings: Settings, cert: str, key: str) -> Settings:
    return replace(settings, app=replace(settings.app, tls_cert=cert, tls_key=key))


def test_an_own_certificate_from_the_settings(tmp_path: Path, own_cert: Any) -> None:
    _ca, cert, key = own_cert
    found = tls.certificate(with_tls(Settings(data_dir=tmp_path), str(cert), str(key)))
    assert found.own and not found.generated and found.cert_path == cert
    assert found.fingerprint == tls.fingerprint_of(cert.read_bytes())
    assert not (tmp_path / "tls").exists()  # nothing generated


@pytest.mark.parametrize("which", ["cert only", "missing", "swapped"])
def test_an_unusable_own_certificate_gets_a_czech_message(tmp_path: Path, own_cert: Any, which: str) -> None:
    _ca, cert, key = own_cert
    paths = {"cert only": (str(cert), ""), "missing": (str(tmp_path / "x.crt"), str(key)),
             "swapped": (str(key), str(cert))}[which]
    with pytest.raises(tls.TlsError, match="tls_cert"):
        tls.certificate(with_tls(Settings(data_dir=tmp_path), *paths))


def test_front_clients_sets_the_real_address_and_fails_closed() -> None:
    seen: dict[str, Any] = {}

    def inner(environ: dict[str, Any], _start: Any) -> list[bytes]:
        seen.update(environ)
        return []

    clients = tls_front.ClientMap()
    clients.note(50001, LAN_ADDR)
    app = tls_front.FrontClients(inner, clients)
    app({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50001"}, None)
    assert seen["REMOTE_ADDR"] == LAN_ADDR and seen["wsgi.url_scheme"] == "https"
    app({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50002"}, None)  # not opened by the front
    assert seen["REMOTE_ADDR"] == tls_front.UNKNOWN_CLIENT
    from adapter.web.auth import is_loopback

    assert not is_loopback(tls_front.UNKNOWN_CLIENT)


@pytest.fixture
def served(app: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The real app behind waitress and the TLS front, both on loopback, as serve() wires them."""
    from waitress.server import create_server

    cert = tls.certificate(Settings(data_dir=tmp_path), "127.0.0.1")
    clients = tls_front.ClientMap()
    app.wsgi_app = tls_front.FrontClients(app.wsgi_app, clients)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    front = tls_front.TlsFront("127.0.0.1", 0, tls.server_context(cert.cert_path, cert.key_path),
                               int(server.effective_port), clients).start()
    yield {"url": f"https://127.0.0.1:{front.port}", "internal": f"http://127.0.0.1:{server.effective_port}",
           "cert": str(cert.cert_path), "front": front}
    front.close()
    server.close()
    thread.join(5)


def test_https_over_a_real_socket(served: dict[str, Any], users: Any) -> None:
    page = requests.get(served["url"] + "/", verify=served["cert"], timeout=10, allow_redirects=False)
    assert page.status_code == 200 and "POHODA" in page.text  # this PC through the front is still this PC
    session = requests.Session()
    login_page = session.get(served["url"] + "/auth/login", verify=served["cert"], timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
    done = session.post(served["url"] + "/auth/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token},
                        headers={"Origin": served["url"], "Referer": served["url"] + "/auth/login"},
                        verify=served["cert"], timeout=10, allow_redirects=False)
    assert done.status_code == 302


def test_the_internal_port_trusts_nobody(served: dict[str, Any], users: Any) -> None:
    direct = requests.get(served["internal"] + "/", timeout=10, allow_redirects=False)
    assert direct.status_code == 302 and "/auth/login" in direct.headers["Location"]


def test_plain_http_or_a_bad_handshake_does_not_stop_the_front(served: dict[str, Any]) -> None:
    port = int(served["url"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
        raw.settimeout(10)
        try:
            answer = raw.recv(100)
        except OSError:
            answer = b""
        assert b"HTTP/1" not in answer
    untrusted = ssl.create_default_context()  # does not know the self-signed certificate
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(served["url"] + "/", timeout=10)
    assert untrusted.verify_mode == ssl.CERT_REQUIRED
    assert requests.get(served["url"] + "/", verify=served["cert"], timeout=10, allow_redirects=False).status_code == 200


def test_lan_start_serves_https_and_prints_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import main

    data = tmp_path / "data"
    ledger.init_db(data / "ledger.db")
    with ledger.database.connection_context():
        accounts.create_user(*ADMIN, "admin")
    ledger.database.close()
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(tls_front, "serve", lambda app, **kw: calls.append(kw))
    assert main(["serve", "--host", "0.0.0.0", "--port", "8899", "--data", str(data), "--no-browser"]) == 0  # noqa: S104
    out = capsys.readouterr().out
    fingerprint = tls.current_fingerprint(Settings(data_dir=data))
    assert fingerprint and f"Otisk SHA-256: {fingerprint}" in out and "https://127.0.0.1:8899/" in out
    assert isinstance(calls[0]["context"], ssl.SSLContext)
    # on this PC only: plain HTTP as before
    assert main(["serve", "--port", "8899", "--data", str(data), "--no-browser"]) == 0
    assert calls[1]["context"] is None and "http://127.0.0.1:8899/" in capsys.readouterr().out
    ledger.database.close()


def test_lan_start_with_a_broken_own_certificate_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from adapter.config import save_settings
    from app import main

    data = tmp_path / "data"
    save_settings(data, {"app": {"tls_cert": str(tmp_path / "chybi.crt"), "tls_key": str(tmp_path / "chybi.key")}})
    ledger.init_db(data / "ledger.db")
    with ledger.database.connection_context():
        accounts.create_user(*ADMIN, "admin")
    ledger.database.close()
    monkeypatch.setattr(tls_front, "serve", lambda app, **kw: pytest.fail("must not serve"))
    assert main(["serve", "--host", LAN_ADDR, "--port", "8899", "--data", str(data), "--no-browser"]) == 2
    assert "nelze použít" in capsys.readouterr().err
    ledger.database.close()


def test_the_settings_page_shows_the_fingerprint(client: Any, data_dir: Path) -> None:
    cert = tls.certificate(Settings(data_dir=data_dir), "")
    html = client.get("/settings/other").get_data(as_text=True)
    assert cert.fingerprint in html
