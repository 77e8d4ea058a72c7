"""Outgoing e-mail: the ``[mail]`` settings and one SMTP sender.

Shared by the alerts (:mod:`adapter.alerts`) and the invoice PDFs: both send
through :func:`send_mail` with the same :class:`MailSettings`. The password is
a secret field (never rendered back into a page or a log line). Failures raise
:class:`MailError` with a Czech message that says what to check.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from adapter.errors import AdapterError

SECURITY_CHOICES = ("starttls", "tls", "none")
#: long header lines are allowed (RFC 5322: 998): Python's folding splits a Czech subject into
#: encoded words and a reader drops the space between them ("hodnota:platební")
POLICY = email_policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class MailSettings:
    """``[mail]``: the SMTP server every e-mail of the adapter goes through."""

    host: str = ""  #: SMTP server, e.g. smtp.seznam.cz; empty = e-mail is off
    port: int = 587
    security: str = "starttls"  #: "starttls" (port 587), "tls" (port 465) or "none" (a local relay)
    user: str = ""  #: empty = no login
    password: str = ""
    sender: str = ""  #: the From address, e.g. adapter@firma.cz

    @property
    def configured(self) -> bool:
        """True when there is a server and a sender to send from."""
        return bool(self.host and self.sender)


#: (key, Czech label, Czech help) for the settings page
FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("mail", "host"): ("SMTP server", "Server odchozí pošty, např. smtp.seznam.cz. Prázdné = adaptér e-maily neposílá."),
    ("mail", "port"): ("Port", "Obvykle 587 (STARTTLS), 465 (TLS) nebo 25 (bez šifrování)."),
    ("mail", "security"): ("Zabezpečení", "starttls = port 587, tls = port 465, none = jen pro server v místní síti."),
    ("mail", "user"): ("Uživatel SMTP", "Přihlašovací jméno k poštovnímu serveru; prázdné = bez přihlášení."),
    ("mail", "password"): ("Heslo SMTP", "Heslo se nikdy nezobrazuje. Prázdné pole = ponechat stávající."),
    ("mail", "sender"): ("Odesílatel", "Adresa v poli Od, např. adapter@firma.cz."),
}


class MailError(AdapterError):
    """E-mail se nepodařilo odeslat. Zkontrolujte nastavení pošty v Nastavení › Upozornění a e-mail."""

    transient = True


def build_message(settings: MailSettings, to: Sequence[str], subject: str, body: str,
                  *, attachments: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """A plain-text UTF-8 message; ``attachments`` are (file name, MIME type, bytes)."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg.set_content(body)
    for name, mime, data in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return msg


def _connect(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    if settings.security == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def send_message(settings: MailSettings, msg: EmailMessage, *, timeout: float = 30.0) -> None:
    """Deliver a built message to the SMTP server; raises :class:`MailError`."""
    if not settings.configured:
        raise MailError("E-mail není nastavený (chybí SMTP server nebo odesílatel). Vyplňte je v Nastavení › Upozornění a e-mail.")
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        with _connect(settings, timeout) as smtp:
            if settings.user:
                smtp.login(settings.user, settings.password)
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError:
        raise MailError("Poštovní server odmítl přihlášení. Zkontrolujte uživatele a heslo SMTP v Nastavení › Upozornění a e-mail.",
                        detail=where) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError("Poštovní server odmítl všechny adresy příjemců. Zkontrolujte adresy v Nastavení › Upozornění a e-mail.",
                        detail=f"{where}: {sorted(exc.recipients)}") from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"Poštovní server e-mail nepřijal ({exc.__class__.__name__}). Zkontrolujte port a zabezpečení "
                        "v Nastavení › Upozornění a e-mail.", detail=f"{where}: {exc}") from None
    except OSError as exc:
        raise MailError(f"Poštovní server {settings.host}:{settings.port} není dostupný. Zkontrolujte adresu a port "
                        "v Nastavení › Upozornění a e-mail a připojení k internetu.", detail=f"{where}: {exc}") from None
    if refused:
        raise MailError("Poštovní server odmítl některé adresy příjemců: " + ", ".join(sorted(refused)), detail=where)


def send_mail(settings: MailSettings, to: Sequence[str], subject: str, body: str,
              *, attachments: Sequence[tuple[str, str, bytes]] = (), timeout: float = 30.0) -> None:
    """Send one plain-text e-mail to ``to``; raises :class:`MailError` with a Czech message."""
    recipients = [a.strip() for a in to if a.strip()]
    if not recipients:
        raise MailError("Chybí adresa příjemce. Doplňte ji v Nastavení › Upozornění a e-mail.")
    send_message(settings, build_message(settings, recipients, subject, body, attachments=attachments), timeout=timeout)


def send_test_mail(settings: MailSettings, to: Sequence[str]) -> None:
    """The "Odeslat zkušební e-mail" button: one short message proving the settings work."""
    send_mail(settings, to, "POHODA adaptér: zkušební e-mail",
              "Tento e-mail poslal POHODA adaptér, aby ověřil nastavení odchozí pošty.\n"
              "Pokud jej čtete, upozornění a faktury budou e-mailem chodit.\n")
