"""Jinja filters: Danish money and Copenhagen times."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from flask import Flask

from lbs.i18n import current_locale as _locale
from lbs.timeutil import to_local


@cache
def _money_symbols(locale: str) -> dict[int, str]:
    """From Python's ``,.2f`` to the locale's group, decimal and minus signs: the output of babel's
    ``format_decimal(value, format="#,##0.00")`` without parsing the pattern and locale on every call."""
    parsed = Locale.parse(locale)
    return str.maketrans({",": get_group_symbol(parsed), ".": get_decimal_symbol(parsed),
                          "-": get_minus_sign_symbol(parsed)})


def money(value: Decimal | int | None) -> str:
    """``1.234.567,50 kr.`` in Danish (no-break space before kr.), ``DKK 1,234,567.50`` in English."""
    if value is None:
        return "–"
    locale = _locale()
    amount = f"{Decimal(value):,.2f}".translate(_money_symbols(locale))
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
