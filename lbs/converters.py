"""URL converters that refuse ids the database cannot hold (a 404, never a 500)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1


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
