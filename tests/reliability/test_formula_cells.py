"""Every CSV the application writes (each ``.csv`` route, and the review pack's CSV members, the signed pack's
too) starts a text cell a spreadsheet would run as a formula with ``'``; amounts stay numbers. The XLSX exports
hold no formula cell. The values are planted in every user text that reaches a CSV."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest
from lbs.consultation.models import Mode, Party
from lbs.decisions.attachment_models import Attachment
from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review.models import Finding
from lbs.review.signoff import sign_off
from lbs.spreadsheet import FORMULA_STARTS, CsvWriter, Number, cell, csv_bytes
from lbs.timeutil import utcnow
from tests import factories as f
from tests.attachments import files
from tests.attachments.conftest import decision_body, upload
from tests.review.packs import built_pack

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
NUMBER = re.compile(r"-?\d+([.,]\d+)?")


def _h(i: int) -> str:
    return HOSTILE[i % len(HOSTILE)]


def _plant(api_as: Any) -> int:
    """An incident whose every user text reaching a CSV begins like a formula; returns its id."""
    politi = api_as("politi")
    incident = politi.post("/api/v1/incidents", json={
        "title": "Digebrud", "kind": "flood", "started_at": (utcnow() - timedelta(hours=3)).isoformat(),
        "municipalities": ["657"]}).get_json()
    made = politi.post(f"/api/v1/incidents/{incident['id']}/decisions", json=decision_body())
    assert made.status_code == 201, made.get_json()
    assert upload(politi, made.get_json()["id"], "diget.pdf", files.pdf(), "Vurdering").status_code == 201
    inc = db.session.get(Incident, incident["id"])
    assert inc is not None
    inc.title = _h(0)
    decision = db.session.scalars(select(Decision).where(Decision.incident_id == inc.id)).one()
    for i, name in enumerate(("title", "decision", "information", "rationale", "legal_basis", "expected_outcome",
                              "delay_reason", "missing_reason", "decided_by_name")):
        setattr(decision, name, _h(i))
    decision.options = [{"text": _h(1), "chosen": True}, {"text": _h(2), "rejection_reason": _h(3)}]
    decision.owner.name = _h(4)
    police = f.organisation(decision.owner.name)
    line = f.cost_line(decision, bearer=f.organisation("Herning Kommune"), estimate="1000.00")
    line.description, line.invoice_ref, line.note = _h(0), _h(3), _h(5)
    line.actual_dkk = Decimal("900.00")  # a negative variance: an amount, not a formula
    consulted = f.consultation(decision, "657:repraesentant")
    consulted.note, consulted.channel = _h(2), _h(3)
    party = db.session.scalars(select(Party).where(Party.key == "657:repraesentant")).one()
    party.name = _h(5)
    db.session.add(ConsultationRequest(incident_id=inc.id, decision_id=decision.id, party_id=party.id,
                                       mode=Mode.CONSULT, requested_at=utcnow(), comment=_h(1)))
    attachment = db.session.scalars(select(Attachment).where(Attachment.decision_id == decision.id)).one()
    attachment.filename, attachment.description = _h(0) + ".pdf", _h(4)
    author = db.session.scalars(select(User).where(User.username == "revisor")).one()
    author.display_name = _h(1)
    db.session.add(Finding(incident_id=inc.id, decision_id=decision.id, observation=_h(0), recommendation=_h(1),
                           owner_text=_h(2), created_by_id=author.id))
    db.session.add(Finding(incident_id=inc.id, decision_id=None, observation=_h(3), recommendation=_h(4),
                           owner_organisation_id=police.id, created_by_id=author.id))
    db.session.commit()
    return inc.id


def _cells(name: str, data: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) > 1, f"{name}: no rows"
    return [c for row in rows for c in row]


def _formula_cells(name: str, data: bytes) -> list[str]:
    return [f"{name}: {c!r}" for c in _cells(name, data) if c.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(c)]


def _xlsx_formulas(name: str, data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [f"{name}: {c.value!r}" for sheet in book.worksheets for row in sheet.iter_rows() for c in row
            if c.data_type == "f"]


def _routes(app: Flask, incident_id: int, pack_id: int) -> list[str]:
    """Every CSV, XLSX and pack route of the URL map (the signed pack is walked by its own test)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith((".csv", ".xlsx", ".zip")) and "sign_off_id" not in rule.arguments:
            path = rule.rule.replace("<id:incident_id>", str(incident_id)).replace("<id:pack_id>", str(pack_id))
            paths.append(re.sub(r"<string\(length=3\):code>", "657", path))
    return paths


def _pack_problems(name: str, data: bytes) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    texts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        csvs = [n for n in archive.namelist() if n.endswith(".csv")]
        assert {"decisions.csv", "costs.csv", "findings.csv", "attachments.csv", "consultations.csv"} <= set(csvs)
        for member in csvs:
            content = archive.read(member)
            texts += _cells(member, content)
            problems += _formula_cells(f"{name}/{member}", content)
    return problems, texts


def test_every_csv_route_and_the_pack_neutralise_formula_cells(app: Flask, api_as: Any, login: Any) -> None:
    incident_id = _plant(api_as)
    admin = api_as("admin")  # a bearer token for the API's routes, signed in for the others
    login("admin")
    pack_id = built_pack(incident_id, "admin").id  # the pack routes serve what the worker built
    problems: list[str] = []
    walked = []
    for path in _routes(app, incident_id, pack_id):
        response = admin.get(path)
        assert response.status_code == 200, path
        data = response.get_data()
        walked.append(path)
        if path.endswith(".zip"):
            found, texts = _pack_problems(path, data)
            problems += found
            for planted in HOSTILE:
                assert "'" + planted in texts, (path, planted)
        elif path.endswith(".xlsx"):
            problems += _xlsx_formulas(path, data)
        else:
            problems += _formula_cells(path, data)
    assert len(walked) >= 9, walked
    assert problems == []


def test_the_signed_pack_neutralises_formula_cells(app: Flask, api_as: Any, login: Any) -> None:
    incident_id = _plant(api_as)
    inc = db.session.get(Incident, incident_id)
    reviewer = db.session.scalars(select(User).where(User.username == "revisor")).one()
    built_pack(inc.id, "revisor")
    done = sign_off(by=reviewer, incident=inc)
    db.session.commit()
    response = login("admin").get(f"/review/incidents/{incident_id}/sign-offs/{done.id}/pack.zip")
    assert response.status_code == 200
    problems, texts = _pack_problems("signed", response.get_data())
    assert problems == [] and "'" + HOSTILE[0] in texts


def test_amounts_stay_numbers_in_the_exports(app: Flask, api_as: Any, login: Any) -> None:
    incident_id = _plant(api_as)
    admin = login("admin")
    rows = list(csv.DictReader(io.StringIO(
        admin.get(f"/costs/incidents/{incident_id}/costs.csv").get_data(as_text=True).lstrip("\ufeff")),
        delimiter=";"))
    assert [(r["Estimat (kr.)"], r["Faktisk (kr.)"], r["Afvigelse (kr.)"]) for r in rows] == [("1000,00", "900,00",
                                                                                       "-100,00")]
    assert rows[0]["Beskrivelse"] == "'" + HOSTILE[0] and rows[0]["Fakturanr."] == "'@SUM(A1)"
    line = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident_id)).one()
    assert line.description == HOSTILE[0]  # stored as given: only the written cell is neutralised


def test_the_writer_neutralises_text_and_leaves_numbers() -> None:
    out = io.StringIO()
    CsvWriter(out).writerow(["=1", "-2", Number("-2,50"), -3, Decimal("-4.5"), None, "ok", " =x", "\t1"])
    assert out.getvalue() == "'=1;'-2;-2,50;-3;-4.5;;ok; =x;'\t1\r\n"
    assert cell(True) is True and cell(Path("a")) == "a"
    assert csv_bytes(["a"], [["@x"]]) == "\ufeffa\r\n'@x\r\n".encode()


def test_no_csv_writer_outside_the_one_module() -> None:
    """Every CSV goes through :mod:`lbs.spreadsheet`: no other module makes a ``csv.writer``."""
    root = Path(__file__).resolve().parents[2] / "lbs"
    found = [str(p.relative_to(root)) for p in root.rglob("*.py")
             if p.name != "spreadsheet.py" and re.search(r"csv\.(writer|DictWriter)\(", p.read_text("utf-8"))]
    assert found == []
