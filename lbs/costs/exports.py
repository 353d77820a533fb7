"""Exports for the municipalities' finance systems: CSV (Danish Excel) and XLSX (openpyxl, write-only).

Both stream the lines from the database in batches (``yield_per``) so memory stays flat for 100 000 lines.
One row per line (superseded lines included and marked); the XLSX has a second sheet with the totals per
bearer and category (superseded lines left out).

The column names and the labels of category, status and budget note are Danish whatever the user's language
(the files go to Danish finance systems and their people); the stored codes follow in the last columns
(``kategori_kode``, ``status_kode``, ``budgetnote_kode``) for systems that match on them. CSV: UTF-8 with BOM,
``;`` separator, amounts with a decimal comma and two decimals (``1234,50``) as Danish Excel reads them, times
as local ``YYYY-MM-DD HH:MM``. XLSX: dates and times are date cells, amounts numeric cells in kroner, the header
row frozen and filterable, the columns wide enough to read.

The variance (``Afvigelse (kr.)``) is the actual amount minus the line's own estimate: positive when the cost
came out higher than estimated, negative when lower, empty while no actual amount is recorded.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from lbs import labels
from lbs.costs.totals import grand_total, totals_by_bearer_and_category
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.spreadsheet import CsvWriter, Number, neutralise
from lbs.timeutil import to_local

# (name, width in characters) of each column of the lines sheet; the codes for systems come last.
COLUMNS: list[tuple[str, int]] = [
    ("Linje-id", 9), ("Hændelse-id", 11), ("Hændelse", 30), ("Beslutning nr.", 13), ("Besluttet", 17),
    ("Bærer", 22), ("Kategori", 28), ("Beskrivelse", 36), ("Estimat (kr.)", 17), ("Faktisk (kr.)", 17),
    ("Afvigelse (kr.)", 17), ("Status", 12), ("Foreløbig bærer", 15), ("Erstattet", 10), ("Fakturanr.", 16),
    ("Note", 30), ("Budgetnote", 30), ("Byrådsmøde", 12), ("kategori_kode", 24), ("status_kode", 12),
    ("budgetnote_kode", 26),
]
HEADER = [name for name, _ in COLUMNS]
MONEY_COLUMNS = {8, 9, 10}
DECIDED_COLUMN = 4
TOTALS_COLUMNS: list[tuple[str, int]] = [
    ("Bærer", 22), ("Kategori", 28), ("Antal linjer", 12), ("Estimat (kr.)", 17), ("Faktisk (kr.)", 17),
    ("Afvigelse (kr.)", 17), ("kategori_kode", 24),
]
TOTALS_HEADER = [name for name, _ in TOTALS_COLUMNS]
NUMBER_FORMAT = '#,##0.00 "kr."'
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
DATE_FORMAT = "dd.mm.yyyy"
BATCH = 2000
EXPORT_LOCALE = "da"


def _danish_labels() -> dict[str, dict[str, str]]:
    """The Danish labels of the coded columns, read once per export."""
    with force_locale(EXPORT_LOCALE):
        return {name: {k: str(v) for k, v in table.items()} for name, table in (
            ("category", labels.COST_CATEGORY), ("status", labels.COST_STATUS), ("budget", labels.BUDGET_NOTE))}


def _rows(where: Sequence[ColumnElement[bool]]) -> Iterator[list[Any]]:
    """The lines as typed values (Decimal amounts, local naive ``datetime``, ``date``), in the order of
    :data:`COLUMNS`."""
    names = _danish_labels()
    stmt = (
        select(CostLine, Decision.number, Decision.decided_at, Incident.id, Incident.title, Organisation.name)
        .join(Decision, Decision.id == CostLine.decision_id)
        .join(Incident, Incident.id == CostLine.incident_id)
        .join(Organisation, Organisation.id == CostLine.bearer_id)
        .where(*where)
        .order_by(Incident.id, Decision.number, CostLine.id)
        .execution_options(yield_per=BATCH)
    )
    for line, number, decided_at, incident_id, title, bearer in db.session.execute(stmt):
        variance = None if line.actual_dkk is None else line.actual_dkk - line.estimate_dkk
        category, status, budget = line.category.value, line.status.value, line.budget_note.value
        yield [
            line.id, incident_id, title, number, to_local(decided_at).replace(tzinfo=None, second=0, microsecond=0),
            bearer, names["category"][category], line.description or "", line.estimate_dkk, line.actual_dkk,
            variance, names["status"][status], "ja" if line.provisional else "nej",
            "ja" if line.superseded_by_id is not None else "nej", line.invoice_ref or "", line.note or "",
            names["budget"][budget], line.council_meeting_on, category, status, budget,
        ]


def incident_filter(incident_id: int, scope: ReadScope = EVERYTHING) -> list[ColumnElement[bool]]:
    """An incident's lines in ``scope``."""
    return [CostLine.incident_id == incident_id, scope.lines()]


def bearer_filter(bearer_id: int) -> list[ColumnElement[bool]]:
    return [CostLine.bearer_id == bearer_id]


def _danish(value: Decimal | None) -> str:
    if value is None:
        return ""
    return Number(f"{value.quantize(Decimal('0.01')):f}".replace(".", ","))


def _csv_value(index: int, value: Any) -> Any:
    """A value of the lines as the CSV writes it: amounts with a decimal comma, times and dates as text."""
    if index in MONEY_COLUMNS:
        return _danish(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(where: Sequence[ColumnElement[bool]]) -> Iterator[str]:
    """The CSV as text chunks (BOM first), row by row."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for index, row in enumerate(_rows(where)):
        writer.writerow([_csv_value(i, v) for i, v in enumerate(row)])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(where: Sequence[ColumnElement[bool]]) -> IO[bytes]:
    """The CSV in a temporary file, written chunk by chunk (memory stays flat)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, closed by the response
    for chunk in csv_chunks(where):
        handle.write(chunk.encode("utf-8"))
    handle.seek(0)
    return handle


def _sheet(workbook: Workbook, title: str, columns: list[tuple[str, int]]) -> Any:
    """A write-only sheet with its column widths, its header row frozen and the header written."""
    sheet = workbook.create_sheet(title)
    for number, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([name for name, _ in columns])
    return sheet


def _filter_all(sheet: Any, columns: int, rows: int) -> None:
    """An autofilter over the header and the ``rows`` written below it (set last: written at the sheet's end)."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _xlsx_cell(sheet: Any, index: int, value: Any) -> Any:
    if index in MONEY_COLUMNS:
        return _money_cell(sheet, value)
    if isinstance(value, date):  # a datetime too
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
        return cell
    return neutralise(value)


def write_xlsx(where: Sequence[ColumnElement[bool]], *, incident_id: int | None = None,
               bearer_id: int | None = None, scope: ReadScope = EVERYTHING) -> IO[bytes]:
    """The workbook in a temporary file (write-only mode: rows are streamed to disk); the totals sheet sums the
    lines in ``scope`` (``where`` narrows the lines sheet alike)."""
    workbook = Workbook(write_only=True)
    lines_sheet = _sheet(workbook, "Linjer", COLUMNS)
    count = 0
    for row in _rows(where):
        lines_sheet.append([_xlsx_cell(lines_sheet, i, v) for i, v in enumerate(row)])
        count += 1
    _filter_all(lines_sheet, len(COLUMNS), count)
    totals_sheet = _sheet(workbook, "Totaler", TOTALS_COLUMNS)
    names = _danish_labels()["category"]
    totals = totals_by_bearer_and_category(incident_id=incident_id, bearer_id=bearer_id, scope=scope)
    for total in totals:
        totals_sheet.append([
            neutralise(total.bearer_name), names[total.category.value], total.lines,
            _money_cell(totals_sheet, total.estimate), _money_cell(totals_sheet, total.actual),
            _money_cell(totals_sheet, total.variance), total.category.value,
        ])
    _filter_all(totals_sheet, len(TOTALS_COLUMNS), len(totals))
    grand = grand_total(totals)
    totals_sheet.append(["I alt", "", grand.lines, _money_cell(totals_sheet, grand.estimate),
                         _money_cell(totals_sheet, grand.actual), _money_cell(totals_sheet, grand.variance)])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, closed by the response
    workbook.save(handle)
    handle.seek(0)
    return handle


def _money_cell(sheet: Any, value: Decimal | None) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value.quantize(Decimal("0.01")))
    cell.number_format = NUMBER_FORMAT
    return cell


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
