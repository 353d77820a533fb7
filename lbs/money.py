"""Money: parsing from API/form input and formatting, always Decimal."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MONEY_RE = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
MAX_MONEY = Decimal(10) ** 12
CENT = Decimal("0.01")


class MoneyError(ValueError):
    pass


class NegativeAmount(MoneyError):
    """An amount below zero (a form says so in the user's words, not "at most two decimals")."""


def parse_money(value: object) -> Decimal:
    """Contract rule: a string ``^[0-9]{1,12}(\\.[0-9]{1,2})?$`` or an integer 0 … 10^12 − 1."""
    if isinstance(value, bool):
        raise MoneyError("amount must be a string like \"125000.00\" or a whole number")
    if isinstance(value, int):
        if value < 0:
            raise NegativeAmount("amount may not be negative")
        if value >= MAX_MONEY:
            raise MoneyError("amount must be below 1 000 000 000 000")
        return Decimal(value).quantize(CENT)
    if isinstance(value, str):
        if MONEY_RE.fullmatch(value) is None:
            if value.strip().startswith("-"):
                raise NegativeAmount("amount may not be negative")
            raise MoneyError("amount must be digits with at most two decimals, e.g. \"45000.50\"")
        try:
            return Decimal(value).quantize(CENT)
        except InvalidOperation as exc:  # pragma: no cover - the regex rules it out
            raise MoneyError("not an amount") from exc
    raise MoneyError("amount must be a string like \"125000.00\" or a whole number")


def parse_money_form(text: str) -> Decimal:
    """Danish form input: ``1.234.567,50``, ``1234567,5``, ``1234567.50`` or ``125000``."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if cleaned.lower().endswith("kr."):
        cleaned = cleaned[:-3]
    elif cleaned.lower().endswith("kr"):
        cleaned = cleaned[:-2]
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    return parse_money(cleaned)


def ore_str(ore: int | None) -> str | None:
    """``money_str`` of an amount read raw as integer øre."""
    if ore is None:
        return None
    sign, ore = ("-", -ore) if ore < 0 else ("", ore)
    return f"{sign}{ore // 100}.{ore % 100:02d}"


def money_str(value: Decimal | None) -> str | None:
    """The API form: a string with two decimals."""
    if value is None:
        return None
    return f"{value.quantize(CENT):f}"
