"""Each required consultation's status in words in the review: the page, the PDF and the pack (its
decisions.json, decisions.csv and consultations.csv), and the per-party figures. An approval only informed
reads "utilstrækkelig høringsform" (``insufficient_form``) everywhere, never as done; an objection "imod
(indsigelse)" (``objected``). Rows logged before the requirements were stored are judged the same."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from tests.review.packs import built_pack
from tests.status_cases import (
    INSUFFICIENT,
    MAYOR,
    OBJECTED,
    forget_stored_requirements,
    row_of,
    status_cases,
    text_of,
)


@pytest.fixture(params=["stored", "legacy"])
def cases(app, request):
    found = status_cases()
    if request.param == "legacy":
        forget_stored_requirements(found.informed, found.objected)
    return found


def _section(html: str, number: int) -> str:
    return html.split(f'id="decision-{number}"')[1].split("</section>")[0]


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_review_page_shows_the_status_of_each_requirement(cases, login):
    html = login("revisor").get(f"/review/incidents/{cases.incident.id}").get_data(as_text=True)
    informed = _section(html, cases.informed.number)
    mayor = text_of(row_of(informed, "consultation-status", "Borgmester, Herning Kommune"))
    # party, required form (rule), status, what was done (time: form), outcome
    assert "Godkende (R6)" in mayor and INSUFFICIENT in mayor and "Orientere" in mayor and "Enig" in mayor
    assert "høringer ikke opfyldt" in text_of(informed.split("</h3>")[0])
    representative = text_of(row_of(informed, "consultation-status", "LBS-repræsentant, Herning Kommune"))
    assert "mangler" in representative
    objected = text_of(row_of(_section(html, cases.objected.number), "consultation-status",
                                  "Borgmester, Herning Kommune"))
    assert OBJECTED in objected and "Gjorde indsigelse" in objected


def test_review_figures_do_not_count_an_approval_only_informed_as_done(cases, login):
    html = login("revisor").get(f"/review/incidents/{cases.incident.id}").get_data(as_text=True)
    figures = html.split("Krævede høringer pr. part", 1)[1]
    mayor = text_of(row_of(figures, "Borgmester, Herning Kommune"))
    assert mayor.split()[-3:] == ["2", "0", "2"]  # required twice, met never, not met twice


def test_review_pdf_shows_the_status(cases, app):
    from lbs.review.pack import render_pdf
    from lbs.review.whole import incident_review

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(
        render_pdf(incident_review(cases.incident)))).pages)
    flat = " ".join(text.split())
    assert "utilstrækkelig" in flat and "høringsform" in flat
    assert "imod (indsigelse)" in flat


def test_review_pack_json_and_csv_agree_with_the_review(cases, login):
    built_pack(cases.incident.id, "revisor")
    data = login("revisor").get(f"/review/incidents/{cases.incident.id}/pack.zip").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        decisions = {d["number"]: d for d in json.loads(archive.read("decisions.json"))["decisions"]}
        rows = _csv(archive.read("decisions.csv"))
        consultations = _csv(archive.read("consultations.csv"))
    informed, objected = decisions[cases.informed.number], decisions[cases.objected.number]
    assert {r["party"]: r["status"] for r in informed["required_consultations"]}[MAYOR] == "insufficient_form"
    assert MAYOR in [r["party"] for r in informed["missing_consultations"]]
    assert {r["party"]: r["status"] for r in objected["missing_consultations"]}[MAYOR] == "objected"
    by_number = {row["number"]: row for row in rows}
    assert f"{MAYOR}:insufficient_form" in by_number[str(cases.informed.number)]["status"].split()
    assert MAYOR in by_number[str(cases.informed.number)]["missing"].split()
    assert f"{MAYOR}:objected" in by_number[str(cases.objected.number)]["status"].split()
    mayor = [r for r in consultations if r["party"] == MAYOR and r["decision_number"] == str(cases.informed.number)]
    assert len(mayor) == 1
    assert (mayor[0]["required_mode"], mayor[0]["status"], mayor[0]["done"], mayor[0]["mode"],
            mayor[0]["outcome"]) == ("approve", "insufficient_form", "yes", "inform", "agreed")
    representative = [r for r in consultations if r["party"] == "657:repraesentant"
                      and r["decision_number"] == str(cases.objected.number)]
    assert [(r["status"], r["done"], r["mode"]) for r in representative] == [("missing", "no", "")]
