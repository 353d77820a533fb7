"""The cost exports for people and systems: Danish column names and labels (codes kept in their own columns),
the same whatever the user's language; in XLSX real date and amount cells, a frozen and filterable header and
readable column widths."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook

from lbs.costs.exports import HEADER, NUMBER_FORMAT, TOTALS_HEADER
from lbs.decisions.models import BudgetNote, CostStatus
from lbs.extensions import db
from lbs.timeutil import to_local
from tests import factories as f


def _incident():
    inc = f.incident("Eksport på dansk")
    decision = f.decision_with_costs(inc, [
        {"bearer": "657", "category": "evacuation_transport", "estimate": "1234.5", "actual": "1300",
         "status": CostStatus.SETTLED},
        {"bearer": "657", "category": "emergency_accommodation", "estimate": "500", "description": "Hal"},
    ])
    line = decision.test_lines[0]
    line.budget_note = BudgetNote.NEEDS_SUPPLEMENTARY_GRANT
    line.council_meeting_on = date(2026, 12, 15)
    db.session.commit()
    return inc, decision


def _csv(client, url: str) -> list[dict[str, str]]:
    text = client.get(url).get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_csv_has_danish_columns_and_labels_and_keeps_the_codes(app, login):
    inc, decision = _incident()
    rows = _csv(login("herning"), f"/costs/incidents/{inc.id}/costs.csv")
    assert list(rows[0]) == HEADER
    assert {"Hændelse", "Beslutning nr.", "Bærer", "Kategori", "Estimat (kr.)", "Afvigelse (kr.)"} <= set(HEADER)
    first = rows[0]
    assert first["Kategori"] == "Evakueringstransport" and first["kategori_kode"] == "evacuation_transport"
    assert first["Status"] == "Afregnet" and first["status_kode"] == "settled"
    assert first["Budgetnote"] == "Kræver tillægsbevilling" and first["budgetnote_kode"] == "needs_supplementary_grant"
    assert first["Estimat (kr.)"] == "1234,50" and first["Afvigelse (kr.)"] == "65,50"
    assert first["Besluttet"] == to_local(decision.decided_at).strftime("%Y-%m-%d %H:%M")
    assert first["Byrådsmøde"] == "2026-12-15"
    assert rows[1]["Status"] == "Estimeret" and rows[1]["Afvigelse (kr.)"] == ""


def test_the_export_stays_danish_for_an_english_user(app, login):
    inc, _decision = _incident()
    client = login("herning")
    client.post("/language", data={"lang": "en", "next": "/costs/"})
    rows = _csv(client, f"/costs/incidents/{inc.id}/costs.csv")
    assert rows[0]["Kategori"] == "Evakueringstransport" and rows[0]["Status"] == "Afregnet"
    book = load_workbook(io.BytesIO(client.get(f"/costs/incidents/{inc.id}/costs.xlsx").get_data()))
    assert list(next(book["Totaler"].iter_rows(values_only=True))) == TOTALS_HEADER


def test_xlsx_has_real_cells_a_frozen_filtered_header_and_widths(app, login):
    inc, decision = _incident()
    book = load_workbook(io.BytesIO(login("herning").get(f"/costs/incidents/{inc.id}/costs.xlsx").get_data()))
    sheet = book["Linjer"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{sheet.max_row}" and sheet.max_row == 3
    assert all(sheet.column_dimensions[letter].width >= 9 for letter in "ABCDEFGHIJKLMNOPQRSTU")
    assert sheet.column_dimensions["H"].width > sheet.column_dimensions["A"].width
    decided = sheet.cell(row=2, column=HEADER.index("Besluttet") + 1)
    assert isinstance(decided.value, datetime) and decided.is_date
    assert decided.value == to_local(decision.decided_at).replace(tzinfo=None, second=0, microsecond=0)
    meeting = sheet.cell(row=2, column=HEADER.index("Byrådsmøde") + 1)
    assert meeting.is_date and meeting.value.date() == date(2026, 12, 15)
    for name, expected in (("Estimat (kr.)", 1234.5), ("Faktisk (kr.)", 1300), ("Afvigelse (kr.)", 65.5)):
        amount = sheet.cell(row=2, column=HEADER.index(name) + 1)
        assert amount.value == expected and amount.data_type == "n" and amount.number_format == NUMBER_FORMAT
    assert "kr." in NUMBER_FORMAT
    assert sheet.cell(row=2, column=HEADER.index("Kategori") + 1).value == "Evakueringstransport"
    assert sheet.cell(row=2, column=HEADER.index("kategori_kode") + 1).value == "evacuation_transport"
    totals = book["Totaler"]
    assert totals.freeze_panes == "A2" and totals.auto_filter.ref == "A1:G3"
    rows = list(totals.iter_rows(values_only=True))
    assert rows[0] == tuple(TOTALS_HEADER)
    assert {r[1] for r in rows[1:3]} == {"Evakueringstransport", "Nødindkvartering"}
    assert rows[-1][0] == "I alt" and totals.cell(row=4, column=4).number_format == NUMBER_FORMAT
