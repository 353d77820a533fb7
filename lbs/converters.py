"""URL converters that refuse ids the database cannot hold (a 404, never a 500)."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1


def form_id(value: object) -> int | None:
    """An id typed into a form or query string: ASCII digits within the database's range, else ``None``."""
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def query_number(name: str, default: int, *, digits: int = 9) -> int:
    """A whole-number query parameter (``?after=N`` of a keyset page, ``?page=N``): ASCII digits, at most
    ``digits`` of them, else ``default`` (never an error page)."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else default


class IdConverter(BaseConverter):
    regex = r"\d{1,10}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if number < 1 or number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))
