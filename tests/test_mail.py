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


def test_settings_page_saves_mail_and_alerts_and_never_shows_the_password(client) -> None:
    from adapter import config

    page = client.get("/settings/alerts").get_data(as_text=True)
    assert 'name="mail.security"' in page and 'name="alerts.to"' in page and 'name="alerts.mserver_down_minutes"' in page
    form = {f"{s}.{k}": "" for s in ("mail", "alerts", "backup", "mappings")
            for k, _t, default in config.section_fields(s) if not isinstance(default, bool)}  # unchecked = absent
    form.update({"mail.host": "smtp.firma.cz", "mail.port": "587", "mail.security": "starttls", "mail.user": "adapter",
                 "mail.password": "Tajne-Heslo-77", "mail.sender": "adapter@firma.cz", "alerts.enabled": "on",
                 "alerts.to": "ucetni@firma.cz, sef@firma.cz", "alerts.mserver_down_minutes": "15",
                 "alerts.order_waiting_hours": "24", "alerts.digest_hour": "7", "alerts.app_url": "http://127.0.0.1:8800",
                 "backup.enabled": "on", "backup.keep": "7", "mappings.unmapped": "hold"})
    answer = client.post("/settings/alerts", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Nastavení bylo uloženo" in answer and "Tajne-Heslo-77" not in answer
    settings = client.application.extensions["adapter"].settings
    assert settings.mail.password == "Tajne-Heslo-77" and settings.alerts.to == ("ucetni@firma.cz", "sef@firma.cz")
    assert settings.alerts.enabled and not settings.alerts.digest and settings.mappings.unmapped == "hold"
    form["mail.password"] = ""  # empty = keep
    client.post("/settings/alerts", data=form)
    assert client.application.extensions["adapter"].settings.mail.password == "Tajne-Heslo-77"


def test_bad_alert_address_and_hour_are_field_errors(tmp_path) -> None:
    from adapter import config

    settings, errors = config.settings_from_mapping(tmp_path, {"alerts": {"to": ["ucetni@firma.cz", "sef"], "digest_hour": 24}})
    assert {(e.key, e.message) for e in errors} == {
        ("to", "zadejte e-mailové adresy oddělené čárkou, např. ucetni@firma.cz"), ("digest_hour", "hodina musí být 0 až 23")}
    assert settings.alerts.to == ()
