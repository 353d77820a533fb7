"""Costs pages and exports: dashboard, ledger, line forms (scoped), CSV and XLSX content."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from xml.etree import ElementTree

from openpyxl import load_workbook
from sqlalchemy import func, select

from lbs.costs.models import CostChange
from lbs.decisions.models import CostLine, CostStatus
from lbs.extensions import db
from tests import factories as f


def _lines():
    inc = f.incident("Webtest skybrud")
    d = f.decision_with_costs(inc, [
        {"bearer": "657", "category": "emergency_accommodation", "estimate": "100000", "description": "Idrætshal"},
        {"bearer": "657", "category": "catering", "estimate": "40000.50", "provisional": True,
         "description": "=HYPERLINK(\"x\")"},
        {"bearer": "661", "category": "catering", "estimate": "0.01", "description": "Holstebro kaffe"},
    ])
    db.session.commit()
    return inc, d.test_lines


def test_municipal_user_lands_on_the_dashboard(app, login):
    _lines()
    client = login("holstebro")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/costs/")
    client.post("/logout")
    # Herning has the demo's consultation request waiting: its landing page shows it first.
    client = login("herning")
    assert client.get("/").status_code == 200
    page = client.get("/costs/").get_data(as_text=True)
    assert "Idrætshal" in page and "Holstebro kaffe" not in page
    assert "<svg" in page and "<title" in page and "<script" not in page.split("</head>")[1]
    assert "100.000,00\u00a0kr." in page


def test_others_see_the_overview_and_the_ledger(app, login):
    inc, lines = _lines()
    client = login("politi")
    assert client.get("/").status_code == 200
    page = client.get("/costs/").get_data(as_text=True)
    assert "Webtest skybrud" in page and "Holstebro" in page
    ledger = client.get(f"/costs/incidents/{inc.id}").get_data(as_text=True)
    assert "Idrætshal" in ledger and "Holstebro kaffe" in ledger
    assert "140.000,51\u00a0kr." in ledger  # Herning's total across categories
    svgs = re.findall(r"<svg.*?</svg>", ledger.split('<main', 1)[1], re.S)  # the charts (not the header's bell)
    assert len(svgs) == 2  # estimate vs actual by category, cumulative cost
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.find("{http://www.w3.org/2000/svg}title").text
        assert root.find("{http://www.w3.org/2000/svg}desc").text
        assert root.findall(".//{http://www.w3.org/2000/svg}text")
    line_page = client.get(f"/costs/lines/{lines[0].id}").get_data(as_text=True)
    assert "/accept" not in line_page
    assert client.get("/costs/incidents/999999").status_code == 404
    assert client.get("/costs/lines/999999").status_code == 404


def test_accept_dispute_settle_through_forms(app, login):
    _inc, lines = _lines()
    client = login("herning")
    page = client.get(f"/costs/lines/{lines[0].id}").get_data(as_text=True)
    assert f"/costs/lines/{lines[0].id}/accept" in page
    r = client.post(f"/costs/lines/{lines[0].id}/accept",
                    data={"accept-actual": "98.500,50", "accept-invoice_ref": "F-77", "accept-note": ""})
    assert r.status_code == 302
    db.session.expire_all()
    line = db.session.get(CostLine, lines[0].id)
    assert line.status is CostStatus.ACCEPTED and line.actual_dkk == Decimal("98500.50")
    assert line.invoice_ref == "F-77"
    # Dispute without a reason: 422, nothing written.
    before = db.session.scalar(select(func.count(CostChange.id)))
    r = client.post(f"/costs/lines/{lines[1].id}/dispute",
                    data={"dispute-reason": "", "dispute-informed": "LBS-formanden"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count(CostChange.id))) == before
    r = client.post(f"/costs/lines/{lines[1].id}/dispute",
                    data={"dispute-reason": "Regionen bør bære", "dispute-informed": "LBS-formanden"})
    assert r.status_code == 302
    history = client.get(f"/costs/lines/{lines[1].id}").get_data(as_text=True)
    assert "LBS-formanden" in history and "Regionen bør bære" in history
    # Bad money in a form: 422.
    r = client.post(f"/costs/lines/{lines[0].id}/actual", data={"actual-actual": "-5"})
    assert r.status_code == 422
    r = client.post(f"/costs/lines/{lines[0].id}/settle", data={"settle-actual": ""})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(CostLine, lines[0].id).status is CostStatus.SETTLED
    r = client.post(f"/costs/lines/{lines[0].id}/actual", data={"actual-actual": "5"})
    assert r.status_code == 302  # flashed: settled, nothing changed
    told = client.get(r.location).get_data(as_text=True)
    assert told.count("afregnet eller erstattet og ændres ikke længere") == 1
    assert "the cost line is settled" not in told  # the page's own words, not the workflow's message
    db.session.expire_all()
    assert db.session.get(CostLine, lines[0].id).actual_dkk == Decimal("98500.50")
    r = client.post(f"/costs/lines/{lines[1].id}/budget-note",
                    data={"budget-budget_note": "statutory_grant_to_follow",
                          "budget-council_meeting_on": "2026-12-15"})
    assert r.status_code == 302
    db.session.expire_all()
    noted = db.session.get(CostLine, lines[1].id)
    assert noted.budget_note.value == "statutory_grant_to_follow"
    assert noted.council_meeting_on.isoformat() == "2026-12-15"


def test_holstebro_cannot_touch_herning_lines(app, login):
    _inc, lines = _lines()
    client = login("holstebro")
    page = client.get(f"/costs/lines/{lines[0].id}").get_data(as_text=True)
    assert "/accept" not in page
    for verb in ("accept", "dispute", "settle", "actual", "budget-note"):
        assert client.post(f"/costs/lines/{lines[0].id}/{verb}", data={"dispute-reason": "x",
                                                                       "dispute-informed": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(CostLine, lines[0].id).status is CostStatus.ESTIMATED


def test_csv_export(app, login):
    inc, _ = _lines()
    client = login("revisor")
    r = client.get(f"/costs/incidents/{inc.id}/costs.csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    raw = r.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Linje-id" and len(rows) == 4
    assert rows[1][8] == "100000,00" and rows[2][8] == "40000,50" and rows[3][8] == "0,01"
    assert rows[2][7].startswith("'=")  # no formula injection
    assert rows[2][12] == "ja"
    herning = client.get("/costs/municipalities/657/costs.csv").get_data().decode("utf-8-sig")
    assert "Idrætshal" in herning and "Holstebro kaffe" not in herning
    assert client.get("/costs/municipalities/999/costs.csv").status_code == 404


def test_xlsx_export(app, login):
    inc, lines = _lines()
    amend = f.decision_with_costs(inc, [{"bearer": "657", "category": "catering", "estimate": "1.00"}])
    lines[1].superseded_by_id = amend.id
    db.session.commit()
    client = login("politi")  # every bearer's lines (a municipality exports only its own: tests/scoping)
    r = client.get(f"/costs/incidents/{inc.id}/costs.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.get_data()))
    sheet = book["Linjer"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5
    assert rows[1][8] == 100000 and sheet.cell(row=2, column=9).number_format == '#,##0.00 "kr."'
    assert rows[2][8] == 40000.5 and rows[2][13] == "ja"  # superseded, still listed
    totals = list(book["Totaler"].iter_rows(values_only=True))
    assert totals[0][0] == "Bærer"
    by_key = {(t[0], t[1]): t for t in totals[1:]}
    assert by_key[("Herning Kommune", "Forplejning af evakuerede")][3] == 1  # the superseded 40000.50 left out
    assert by_key[("I alt", None)][3] == 100001.01
    assert book["Totaler"].cell(row=2, column=4).number_format == '#,##0.00 "kr."'
    muni = load_workbook(io.BytesIO(client.get("/costs/municipalities/661/costs.xlsx").get_data()))
    assert [r[7] for r in muni["Linjer"].iter_rows(min_row=2, values_only=True)] == ["Holstebro kaffe"]


def test_exports_stream_more_lines_than_one_batch(app, login):
    from lbs.costs.exports import BATCH

    inc = f.incident("Mange linjer")
    f.decision_with_costs(inc, [{"bearer": "657", "category": "supplies", "estimate": "0.01"}] * (BATCH + 7))
    db.session.commit()
    client = login("herning")
    text = client.get(f"/costs/incidents/{inc.id}/costs.csv").get_data().decode("utf-8-sig")
    assert len(text.splitlines()) == BATCH + 8
    book = load_workbook(io.BytesIO(client.get(f"/costs/incidents/{inc.id}/costs.xlsx").get_data()))
    assert book["Linjer"].max_row == BATCH + 8
    totals = list(book["Totaler"].iter_rows(min_row=2, values_only=True))
    assert totals[0][2] == BATCH + 7 and totals[0][3] == float(Decimal("0.01") * (BATCH + 7))


def test_dashboard_flags_a_significant_financial_event(app, login):
    herning = f.municipality("657")
    inc = f.incident("Stor hændelse")
    over = herning.budget_dkk * Decimal("0.002") + Decimal("0.01")
    f.decision_with_costs(inc, [{"bearer": "657", "category": "restoration", "estimate": str(over)}])
    db.session.commit()
    client = login("herning")
    page = client.get("/costs/").get_data(as_text=True)
    assert 'role="alert"' in page and "Stor hændelse: " in page and "over 0,2 % af budgettet" in page
    assert "Totaler pr. hændelse og kategori" in page and "Retablering" in page
    client.post("/logout")
    ledger = login("revisor").get(f"/costs/incidents/{inc.id}").get_data(as_text=True)
    assert "Ja: over 0,2 % af budgettet" in ledger
