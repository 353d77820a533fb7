"""Cells for CSV and XLSX exports that a spreadsheet program opens."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe; anything else
    (other text, numbers, dates) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
