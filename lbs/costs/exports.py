"""Exports for the municipalities' finance systems: CSV (Danish Excel) and XLSX (openpyxl, write-only).

Both stream the lines from the database in batches (``yield_per``) so memory stays flat for 100 000 lines.
One row per line (superseded lines included and marked); the XLSX has a second sheet with the totals per
bearer and category (superseded lines left out). CSV: UTF-8 with BOM, ``;`` separator, amounts with a
decimal comma and two decimals (``1234,50``) as Danish Excel reads them.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from lbs.costs.totals import grand_total, totals_by_bearer_and_category
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.spreadsheet import CsvWriter, Number, neutralise
from lbs.timeutil import to_local

HEADER = [
    "linje_id", "haendelse_id", "haendelse", "beslutning_nr", "besluttet", "baerer", "kategori", "beskrivelse",
    "estimat_dkk", "faktisk_dkk", "afvigelse_dkk", "status", "foreloebig", "erstattet", "fakturanr", "note",
    "budgetnote", "byraadsmoede",
]
MONEY_COLUMNS = {8, 9, 10}
TOTALS_HEADER = ["baerer", "kategori", "antal_linjer", "estimat_dkk", "faktisk_dkk", "afvigelse_dkk"]
NUMBER_FORMAT = "#,##0.00"
BATCH = 2000


def _rows(where: Sequence[ColumnElement[bool]]) -> Iterator[list[Any]]:
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
        yield [
            line.id, incident_id, title, number, to_local(decided_at).strftime("%Y-%m-%d %H:%M"), bearer,
            line.category.value, line.description or "", line.estimate_dkk, line.actual_dkk, variance,
            line.status.value, "ja" if line.provisional else "nej",
            "ja" if line.superseded_by_id is not None else "nej", line.invoice_ref or "", line.note or "",
            line.budget_note.value, line.council_meeting_on.isoformat() if line.council_meeting_on else "",
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


def csv_chunks(where: Sequence[ColumnElement[bool]]) -> Iterator[str]:
    """The CSV as text chunks (BOM first), row by row."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for index, row in enumerate(_rows(where)):
        writer.writerow([_danish(v) if i in MONEY_COLUMNS else v for i, v in enumerate(row)])
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


def write_xlsx(where: Sequence[ColumnElement[bool]], *, incident_id: int | None = None,
               bearer_id: int | None = None, scope: ReadScope = EVERYTHING) -> IO[bytes]:
    """The workbook in a temporary file (write-only mode: rows are streamed to disk); the totals sheet sums the
    lines in ``scope`` (``where`` narrows the lines sheet alike)."""
    workbook = Workbook(write_only=True)
    lines_sheet = workbook.create_sheet("Linjer")
    lines_sheet.append(HEADER)
    for row in _rows(where):
        lines_sheet.append([_money_cell(lines_sheet, v) if i in MONEY_COLUMNS else neutralise(v)
                            for i, v in enumerate(row)])
    totals_sheet = workbook.create_sheet("Totaler")
    totals_sheet.append(TOTALS_HEADER)
    totals = totals_by_bearer_and_category(incident_id=incident_id, bearer_id=bearer_id, scope=scope)
    for total in totals:
        totals_sheet.append([
            total.bearer_name, total.category.value, total.lines,
            _money_cell(totals_sheet, total.estimate), _money_cell(totals_sheet, total.actual),
            _money_cell(totals_sheet, total.variance),
        ])
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
