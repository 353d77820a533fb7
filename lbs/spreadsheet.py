"""Cells for CSV and XLSX exports that a spreadsheet program opens, and the one CSV writer of the application.

Every CSV the application writes (the exports, the review pack's files) goes through :class:`CsvWriter`: a text
cell that a spreadsheet would run as a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) gets a leading ``'``; numbers stay numbers: ints and Decimals, and amounts the application formatted
itself, marked with :class:`Number`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Number(str):
    """The text of a number the application formatted (``-1234,50``): written as it is."""

    __slots__ = ()


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe; anything else
    (other text, numbers, dates, :class:`Number`) is returned as it is."""
    if isinstance(value, str) and not isinstance(value, Number) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A CSV cell: None is empty, numbers stay numbers, anything else is neutralised text."""
    if value is None:
        return ""
    if isinstance(value, (Number, bool, int, float, Decimal)):
        return value
    return neutralise(value if isinstance(value, str) else str(value))


class CsvWriter:
    """``csv.writer`` for Danish spreadsheets (``;``, CRLF) that writes every cell through :func:`cell`."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A whole CSV: UTF-8 with a byte-order mark, ``;`` as separator (what Danish spreadsheets expect)."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
