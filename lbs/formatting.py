"""Jinja filters: Danish money and Copenhagen times."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask
from flask_babel import get_locale

from lbs.timeutil import to_local


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "da"


@cache
def _money_pattern(locale: str) -> tuple[NumberPattern, Locale]:
    """The parsed ``#,##0.00`` pattern and locale (what ``format_decimal`` parses again on every call)."""
    return parse_pattern("#,##0.00"), Locale.parse(locale)


def money(value: Decimal | int | None) -> str:
    """``1.234.567,50 kr.`` in Danish (no-break space before kr.), ``DKK 1,234,567.50`` in English."""
    if value is None:
        return "–"
    locale = _locale()
    pattern, babel_locale = _money_pattern(locale)
    amount = pattern.apply(Decimal(value), babel_locale)
    if locale == "da":
        return f"{amount}\u00a0kr."
    return f"DKK\u00a0{amount}"


def dt(value: datetime | None, with_seconds: bool = False) -> str:
    """Local time (Europe/Copenhagen): ``28.11.2026 14:05`` (da) or ``2026-11-28 14:05`` (en)."""
    if value is None:
        return "–"
    local = to_local(value)
    if _locale() == "da":
        pattern = "%d.%m.%Y %H:%M:%S" if with_seconds else "%d.%m.%Y %H:%M"
    else:
        pattern = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return local.strftime(pattern)


def dt_input(value: datetime | None) -> str:
    """Value for ``<input type="datetime-local">`` in local time."""
    if value is None:
        return ""
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d.%m.%Y") if _locale() == "da" else value.isoformat()


def register_filters(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(dt, "dt")
    app.add_template_filter(dt_input, "dt_input")
    app.add_template_filter(day, "day")
