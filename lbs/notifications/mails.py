"""A notification as a mail: Danish, plain text with an HTML alternative, a link starting with ``LBS_BASE_URL``."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale

from lbs.notifications.models import Kind
from lbs.notifications.titles import title

MAIL_LOCALE = "da"


def link(url: str) -> str:
    base = str(current_app.config.get("LBS_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return base + url


def _render(name: str, context: dict[str, str]) -> str:
    """The template alone, without the pages' context processors (they read the signed-in user): a mail is also
    written outside any request, by a CLI command."""
    return current_app.jinja_env.get_template(name).render(context)


def render_mail(kind: Kind, params: dict[str, Any], url: str) -> tuple[str, str, str]:
    """(subject, text, html) of the mail telling ``params`` of ``kind``."""
    with force_locale(MAIL_LOCALE):
        heading = title(kind, params)
        context = {"heading": heading, "link": link(url), "kind": kind.value}
        text = _render("notifications/mail.txt", context)
        html = _render("notifications/mail.html", context)
    return f"[LBS Register] {heading}"[:300], text, html
