"""Domain errors raised by services; views map them to form errors or JSON 4xx.

The messages of a service are English: the API and the CLI show them as they are. An HTML page shows them in the
user's language: a service marks each message with :func:`N_` (so that the catalog, lbs/translations, has it as a
msgid with its Danish translation), and the page translates it where it shows it, with
:func:`lbs.i18n.translated` (:class:`lbs.web.FormWrite` does for every service error it places or flashes).
"""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_TEMPLATES: dict[str, re.Pattern[str]] = {}


def N_(message: str, **values: Any) -> str:
    """``message`` (English) marked for the catalog, with ``values`` filled in (``%(name)s`` placeholders only:
    the values found again are text).

    A message with values is remembered as a template, so that :func:`message_template` can find the msgid and
    the values again to translate the filled-in text."""
    if not values:
        return message
    if message not in _TEMPLATES:
        parts = _PLACEHOLDER.split(message)
        pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        _TEMPLATES[message] = re.compile(pattern, re.DOTALL)
    return message % values


def message_template(text: str) -> tuple[str, dict[str, str]] | None:
    """The marked template and the values ``text`` was made of with :func:`N_`, or None."""
    for template, pattern in list(_TEMPLATES.items()):  # a copy: another thread may add one meanwhile
        found = pattern.fullmatch(text)
        if found is not None:
            return template, found.groupdict()
    return None


class DomainError(Exception):
    """A broken rule. ``status`` is the HTTP status the API answers with."""

    status = 422

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
