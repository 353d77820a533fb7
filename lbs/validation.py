"""Validation of untrusted input (JSON bodies, CSV rows): collects every field error, then raises 422."""

from __future__ import annotations

import enum
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from lbs.converters import MAX_ID
from lbs.errors import N_, ValidationError
from lbs.money import MoneyError, parse_money
from lbs.timeutil import TimeError, parse_iso_aware

NAME_MAX = 200
TEXT_MAX = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")

E = TypeVar("E", bound=enum.Enum)


class Fields:
    """Reads typed fields from a JSON object; errors are collected under dotted names."""

    def __init__(self, data: dict[str, Any], prefix: str = "", errors: dict[str, list[str]] | None = None):
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {} if errors is None else errors

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(self.key(name), []).append(message)

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            self.error(name, N_("is required"))
        return value

    def text(self, name: str, *, required: bool = True, max_len: int = TEXT_MAX) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, N_("must be a string"))
            return None
        if "\x00" in value:
            self.error(name, N_("may not contain a NUL byte"))
            return None
        pattern = _CONTROL_IN_NAME if max_len <= NAME_MAX else _CONTROL
        if pattern.search(value):
            self.error(name, N_("may not contain control characters"))
            return None
        if len(value) > max_len:
            self.error(name, N_("may have at most %(max)s characters", max=max_len))
            return None
        if required and not value.strip():
            self.error(name, N_("may not be empty"))
            return None
        return value

    def name(self, name: str, *, required: bool = True) -> str | None:
        return self.text(name, required=required, max_len=NAME_MAX)

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(name, N_("must be true or false"))
            return default
        return value

    def integer(self, name: str, *, required: bool = True, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, N_("must be a whole number"))
            return None
        if value < minimum or value > maximum:
            self.error(name, N_("must be between %(min)s and %(max)s", min=minimum, max=maximum))
            return None
        return value

    def ref(self, name: str, *, required: bool = True) -> int | None:
        """An id of another object (existence is checked by the service)."""
        return self.integer(name, required=required, minimum=1, maximum=MAX_ID)

    def choice(self, name: str, enum_cls: type[E], *, required: bool = True) -> E | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return enum_cls(value)
            except ValueError:
                pass
        allowed = ", ".join(str(m.value) for m in enum_cls)
        self.error(name, N_("must be one of: %(allowed)s", allowed=allowed))
        return None

    def time(self, name: str, *, required: bool = True) -> datetime | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, "must be an ISO 8601 time with offset")
            return None
        try:
            return parse_iso_aware(value)
        except TimeError as exc:
            self.error(name, str(exc))
            return None

    def money(self, name: str, *, required: bool = True) -> Decimal | None:
        value = self._get(name, required)
        if value is None:
            return None
        try:
            return parse_money(value)
        except MoneyError as exc:
            self.error(name, str(exc))
            return None

    def objects(self, name: str, *, max_items: int = 200) -> list[Fields]:
        """A list of JSON objects, each read by its own :class:`Fields` with an indexed prefix."""
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(name, "must be a list")
            return []
        if len(value) > max_items:
            self.error(name, f"may have at most {max_items} items")
            return []
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.errors.setdefault(f"{self.key(name)}[{index}]", []).append("must be an object")
                continue
            items.append(Fields(item, prefix=f"{self.key(name)}[{index}].", errors=self.errors))
        return items

    def strings(self, name: str, *, required: bool = True, max_items: int = 200, max_len: int = NAME_MAX) -> list[str]:
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(name, "must be a list of strings")
            return []
        if len(value) > max_items or any(len(v) > max_len or "\x00" in v for v in value):
            self.error(name, "has too many or too long items")
            return []
        return list(value)

    def check(self, message: str = "invalid input") -> None:
        if self.errors:
            raise ValidationError(message, self.errors)


def clean_text(value: str | None, name: str, errors: dict[str, list[str]], *, max_len: int = TEXT_MAX,
               required: bool = False) -> str | None:
    """A form's or service's free text, stripped (``None`` when empty); problems are added to ``errors``
    under ``name``: missing when ``required``, a NUL byte, or longer than ``max_len``."""
    text = (value or "").strip()
    if not text:
        if required:
            errors.setdefault(name, []).append(N_("is required"))
        return None
    if "\x00" in text:
        errors.setdefault(name, []).append(N_("may not contain a NUL byte"))
    elif len(text) > max_len:
        errors.setdefault(name, []).append(N_("may have at most %(max)s characters", max=max_len))
    return text


UNENCODABLE = "contains invalid Unicode (a lone surrogate)"


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unencodable_fields(value: Any, name: str = "") -> list[str]:
    """The dotted names (``consultations.0.party``; a bad key is named ``?``) of every string or key in a
    decoded JSON value that cannot be stored as UTF-8 (lone surrogates from ``\\ud800`` escapes)."""
    if isinstance(value, str):
        return [name or "body"] if _unencodable(value) else []
    found: list[str] = []
    prefix = f"{name}." if name else ""
    if isinstance(value, dict):
        for key, item in value.items():
            if _unencodable(str(key)):
                found.append(f"{prefix}?")
            else:
                found += unencodable_fields(item, f"{prefix}{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += unencodable_fields(item, f"{prefix}{index}")
    return found
