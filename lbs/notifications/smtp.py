"""Sending one mail over SMTP (``smtp://[user:password@]host:port``, ``smtps://`` for TLS) with smtplib."""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 10


class SmtpUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlError("LBS_SMTP_URL must be smtp://[user:password@]host:port or smtps://…")
        tls = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 25), tls=tls,
                   user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)

    def send(self, message: EmailMessage) -> None:
        """Deliver one message; raises ``smtplib.SMTPException`` or ``OSError`` when the server is down or refuses."""
        client: smtplib.SMTP
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with client:
            if self.user:
                self._login(client)
            client.send_message(message)

    def _login(self, client: smtplib.SMTP) -> None:
        """Log in; a user name or password beyond ASCII (smtplib only sends ASCII) goes as UTF-8 AUTH PLAIN."""
        password = self.password or ""
        user = self.user or ""
        if (user + password).isascii():
            client.login(user, password)
            return
        client.ehlo_or_helo_if_needed()
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
        code, reply = client.docmd("AUTH", "PLAIN " + token)
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)
