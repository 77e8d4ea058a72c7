"""HTTPS for LAN use: the adapter's own certificate, or one the user provides.

Traffic between staff and the adapter crosses the LAN, so a LAN start
(``--host`` other than loopback) serves HTTPS by default (``[app] lan_https``).
The certificate is

* the user's own, when ``[app] tls_cert`` and ``tls_key`` name PEM files
  (e.g. issued by the company's certificate authority), or
* a self-signed one the adapter generates at the first LAN start into
  ``<data>/tls/`` (key readable by the owner only). Browsers warn about it
  once; users compare the SHA-256 fingerprint the console and the settings
  page show with the one in the browser's certificate details, then accept it.

See :mod:`adapter.tls_front` for how waitress serves it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapter.config import Settings

TLS_DIR = "tls"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
VALID_DAYS = 825  # the longest validity browsers accept for a server certificate
COMMON_NAME = "POHODA adapter"


class TlsError(Exception):
    """A certificate that cannot be used; ``message`` is Czech and says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Certificate:
    """The certificate the LAN server uses."""

    cert_path: Path
    key_path: Path
    fingerprint: str  #: SHA-256 of the DER certificate, ``AB:CD:…``
    generated: bool  #: created just now (first LAN start)
    own: bool  #: the user's certificate from the settings


def fingerprint_of(cert_pem: bytes) -> str:
    """SHA-256 fingerprint of a PEM certificate as browsers show it (``AB:CD:…``)."""
    der = ssl.PEM_cert_to_DER_cert(cert_pem.decode("ascii"))
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _names(host: str) -> tuple[list[str], list[ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """DNS names and addresses this PC may be reached by."""
    names = {"localhost", socket.gethostname()}
    ips: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = {ipaddress.ip_address("127.0.0.1"),
                                                               ipaddress.ip_address("::1")}
    with contextlib.suppress(OSError):
        for addr in socket.gethostbyname_ex(socket.gethostname())[2]:
            ips.add(ipaddress.ip_address(addr))
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host:
            names.add(host)
    else:
        if not address.is_unspecified:
            ips.add(address)
    return sorted(n for n in names if n), sorted(ips, key=str)


def generate(cert_path: Path, key_path: Path, host: str = "") -> None:
    """Write a new self-signed certificate and its private key (owner-only) for this PC."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names, ips = _names(host)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = dt.datetime.now(dt.UTC)
    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ip) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    with contextlib.suppress(OSError):
        os.chmod(key_path, 0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 or newer) for the certificate; TlsError when it cannot load."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert_path), str(key_path))
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"Certifikát {cert_path} s klíčem {key_path} nelze použít ({exc}). Zkontrolujte cesty "
                       "v Nastavení › Párování a aplikace (Vlastní certifikát, Klíč certifikátu; v souboru settings.toml "
                       "tls_cert a tls_key) a že jde o soubory PEM, které k sobě patří.") from exc
    return context


def own_paths(data_dir: Path) -> tuple[Path, Path]:
    """Where the generated certificate and key live."""
    folder = data_dir / TLS_DIR
    return folder / CERT_FILE, folder / KEY_FILE


def certificate(settings: Settings, host: str = "") -> Certificate:
    """The certificate to serve: the user's from the settings, else the generated one (created if missing)."""
    cert_setting, key_setting = settings.app.tls_cert, settings.app.tls_key
    if cert_setting or key_setting:
        if not (cert_setting and key_setting):
            raise TlsError("Vyplňte v Nastavení › Párování a aplikace obě cesty, Vlastní certifikát i Klíč certifikátu "
                           "(v souboru settings.toml tls_cert a tls_key), nebo žádnou (adaptér pak použije vlastní "
                           "certifikát).")
        cert_path, key_path = Path(cert_setting), Path(key_setting)
        server_context(cert_path, key_path)
        return Certificate(cert_path, key_path, fingerprint_of(cert_path.read_bytes()), generated=False, own=True)
    cert_path, key_path = own_paths(settings.data_dir)
    generated = not (cert_path.exists() and key_path.exists())
    if generated:
        generate(cert_path, key_path, host)
    server_context(cert_path, key_path)
    return Certificate(cert_path, key_path, fingerprint_of(cert_path.read_bytes()), generated=generated, own=False)


def current_fingerprint(settings: Settings) -> str:
    """The fingerprint of the certificate a LAN start uses, or "" when there is none yet."""
    path = Path(settings.app.tls_cert) if settings.app.tls_cert else own_paths(settings.data_dir)[0]
    try:
        return fingerprint_of(path.read_bytes())
    except (OSError, ValueError):
        return ""
