"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives.

``smtp_server`` is started per test; ``smtp_server.messages`` are the parsed
:class:`email.message.EmailMessage` objects in arrival order, ``.port`` its port.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Inbox:
    """The aiosmtpd handler: stores each message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A started aiosmtpd controller and its inbox."""

    def __init__(self, controller: Controller, inbox: _Inbox) -> None:
        self.controller, self.inbox = controller, inbox
        self.host, self.port = "127.0.0.1", int(controller.port)

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far."""
        with self.inbox.lock:
            return list(self.inbox.messages)

    def subjects(self) -> list[str]:
        """Subjects of the received messages, in order."""
        return [str(m["Subject"]) for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"adapter" and auth_data.password == b"tajne"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A loopback SMTP server (no TLS; AUTH PLAIN/LOGIN with adapter/tajne offered but not required)."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), authenticator=_authenticator,
                            auth_require_tls=False, auth_required=False)
    controller.start()
    try:
        yield SmtpServer(controller, inbox)
    finally:
        controller.stop()
