"""Enums stored as their text values (portable, readable in SQL, no native enum types)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum


def text_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


def enum_values(enum_cls: type[enum.Enum]) -> list[Any]:
    return [member.value for member in enum_cls]
