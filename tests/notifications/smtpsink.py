"""A real SMTP server for the mail tests: aiosmtpd on a free loopback port, collecting what it accepts."""

from __future__ import annotations

import socket
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Collector:
    """The aiosmtpd handler: refuses the addresses in ``refuse`` with 550, keeps every accepted envelope."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse: set[str] = set()
        self.on_accept: Callable[[EmailMessage], None] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        if self.on_accept is not None:
            self.on_accept(self.message(envelope))
        return "250 Message accepted for delivery"

    @staticmethod
    def message(envelope: Any) -> EmailMessage:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpSink:
    """``with SmtpSink() as sink: …`` — a running server; ``sink.url`` is an ``LBS_SMTP_URL``."""

    def __init__(self, port: int | None = None, *, login: tuple[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.handler = Collector()
        self.login = login
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        credentials = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return [Collector.message(e) for e in self.handler.envelopes]

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login is not None and \
            (data.login.decode(), data.password.decode()) == self.login
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpSink:
        extra: dict[str, Any] = {}
        if self.login:
            # AUTH offered without TLS: loopback only
            extra = {"authenticator": self._authenticate, "auth_require_tls": False}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
