"""The review marks each consultation appended after its decision was logged: "tilføjet efterfølgende <local
time> af <user>" on the review page and in the PDF, and the pack's consultations.csv says which ones were
appended, when and by whom. A consultation logged with the decision is not marked."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lbs.auth.models import User
from lbs.consultation.models import Mode, Outcome
from lbs.decisions import appended
from lbs.decisions.draft import ConsultationDraft
from lbs.extensions import db
from lbs.review import pack, pack_pdf
from lbs.review.whole import incident_review
from lbs.timeutil import to_local, utcnow
from tests.review.packs import built_pack
from tests.status_cases import MAYOR, StatusCases, row_of, status_cases, text_of

MARK = "tilføjet efterfølgende"


@pytest.fixture
def cases(app) -> tuple[StatusCases, str, str]:
    """The status cases, the mayor's approval appended to the informed decision by the police user; with the
    mark's local time and the user's name as the review shows them."""
    found = status_cases()
    user = db.session.scalars(select(User).where(User.username == "politi")).one()
    now = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    appended.append_consultation(decision=found.informed, by=user, now=now, item=ConsultationDraft(
        MAYOR, now - timedelta(minutes=2), Mode.APPROVE, Outcome.AGREED, "telefon", None))
    db.session.commit()
    local = to_local(now).strftime("%d.%m.%Y %H:%M")
    assert local != now.strftime("%d.%m.%Y %H:%M"), "Copenhagen is never at UTC"
    return found, local, user.display_name or user.username


def _section(html: str, number: int) -> str:
    return html.split(f'id="decision-{number}"')[1].split("</section>")[0]


def test_the_review_page_marks_the_appended_consultation_only(cases, login):
    found, local, name = cases
    html = login("revisor").get(f"/review/incidents/{found.incident.id}").get_data(as_text=True)
    mayor = row_of(_section(html, found.informed.number), "consultation-status", "Borgmester, Herning Kommune")
    done = [text_of(part) for part in mayor.split("<td>")[3].split("<br>")]
    assert len(done) == 2
    logged_with, appended_later = done
    assert "Orientere" in logged_with and MARK not in logged_with
    assert "Godkende" in appended_later and f"{MARK} {local} af {name}" in appended_later
    # judged over every consultation: the appended approval meets the requirement
    assert "opfyldt" in text_of(mayor) and "utilstrækkelig" not in text_of(mayor)
    assert MARK not in _section(html, found.objected.number)


def test_the_review_pdf_marks_the_appended_consultation(cases, app):
    found, local, name = cases
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(
        pack.render_pdf(incident_review(found.incident)))).pages)
    flat = " ".join(text.split())
    assert flat.count(MARK) == 1
    assert f"{MARK} {local} af {name}" in flat


def test_the_pdf_details_a_decision_with_an_appended_consultation(cases, monkeypatch):
    found, _local, _name = cases
    monkeypatch.setattr(pack_pdf, "DETAIL_LIMIT", 1)
    review = incident_review(found.incident)
    for r in review.decisions:  # nothing else makes the decisions notable
        r.judged = []
    detailed, left_out = pack.pdf_details(review)
    assert [r.decision.number for r in detailed] == [found.informed.number] and left_out == 1


def test_the_pack_csv_says_which_consultations_were_appended(cases, login):
    found, _local, name = cases
    built_pack(found.incident.id, "revisor")
    data = login("revisor").get(f"/review/incidents/{found.incident.id}/pack.zip").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("consultations.csv").decode("utf-8-sig")),
                                   delimiter=";"))
    mayor = [r for r in rows if r["party"] == MAYOR and r["decision_number"] == str(found.informed.number)]
    assert [(r["mode"], r["appended"], r["recorded_by"]) for r in mayor] == [
        ("inform", "no", ""), ("approve", "yes", name)]
    assert mayor[0]["recorded_at"] == "" and mayor[1]["recorded_at"].startswith(str(utcnow().year))
    assert {r["status"] for r in mayor} == {"met"}
    others = [r for r in rows if r["decision_number"] == str(found.objected.number) and r["done"] == "yes"]
    assert others and {r["appended"] for r in others} == {"no"}
