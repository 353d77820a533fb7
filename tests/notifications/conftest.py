"""Fixtures of the mail tests: a real SMTP server (aiosmtpd) the app mails to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.notifications.smtpsink import SmtpSink


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpSink]:
    """A running SMTP server on a free loopback port, set as the app's ``LBS_SMTP_URL``."""
    with SmtpSink() as sink:
        app.config.update(LBS_SMTP_URL=sink.url, LBS_MAIL_FROM="lbs@politi.example",
                          LBS_BASE_URL="https://lbs.example.dk")
        yield sink
