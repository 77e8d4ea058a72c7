"""The SMTP sender against a real SMTP server on loopback."""

from __future__ import annotations

import pytest

from adapter.mail import MailError, MailSettings, send_mail, send_test_mail
from tests.fixtures_mail import SmtpServer, _free_port


def settings_for(server: SmtpServer, **kw: object) -> MailSettings:
    base: dict[str, object] = {"host": server.host, "port": server.port, "security": "none", "sender": "adapter@firma.cz"}
    return MailSettings(**{**base, **kw})  # type: ignore[arg-type]


def test_test_mail_arrives_with_czech_subject_and_body(smtp_server: SmtpServer) -> None:
    send_test_mail(settings_for(smtp_server), ["ucetni@firma.cz"])
    (msg,) = smtp_server.messages
    assert msg["Subject"] == "POHODA adaptér: zkušební e-mail"
    assert msg["From"] == "adapter@firma.cz" and msg["To"] == "ucetni@firma.cz"
    assert "ověřil nastavení odchozí pošty" in msg.get_content()
    assert smtp_server.inbox.envelopes == [("adapter@firma.cz", ["ucetni@firma.cz"])]


def test_login_and_attachment(smtp_server: SmtpServer) -> None:
    s = settings_for(smtp_server, user="adapter", password="tajne")
    send_mail(s, ["a@firma.cz", " b@firma.cz "], "Faktura", "Dobrý den", attachments=[("f.pdf", "application/pdf", b"%PDF-1")])
    (msg,) = smtp_server.messages
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "f.pdf" and part.get_content() == b"%PDF-1"
    assert smtp_server.inbox.envelopes[0][1] == ["a@firma.cz", "b@firma.cz"]


def test_wrong_password_says_what_to_check(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match="odmítl přihlášení") as info:
        send_mail(settings_for(smtp_server, user="adapter", password="spatne"), ["a@firma.cz"], "x", "y")
    assert "spatne" not in info.value.message + info.value.detail
    assert smtp_server.messages == []


def test_unreachable_server_and_missing_settings() -> None:
    closed = MailSettings(host="127.0.0.1", port=_free_port(), security="none", sender="a@firma.cz")
    with pytest.raises(MailError, match="není dostupný"):
        send_mail(closed, ["a@firma.cz"], "x", "y", timeout=5)
    with pytest.raises(MailError, match="není nastavený"):
        send_mail(MailSettings(), ["a@firma.cz"], "x", "y")
    with pytest.raises(MailError, match="Chybí adresa příjemce"):
        send_mail(closed, [" "], "x", "y")


def test_starttls_against_a_server_without_it_is_a_clear_error(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match="nepřijal"):
        send_mail(settings_for(smtp_server, security="starttls"), ["a@firma.cz"], "x", "y", timeout=5)
