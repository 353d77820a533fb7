"""The review's section "Høringer via LBS Register": the page, the PDF, the key figures and the pack's CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

from pypdf import PdfReader

from lbs.extensions import db
from lbs.hearing import answers, proposals
from lbs.review import pack
from lbs.review.hearings import hearing_review
from lbs.review.whole import incident_review
from tests.hearing.record_setup import heard_incident, user


def _overdue_request(heard, incident):
    """A request on the decision asked at t0+40 min, due 10 minutes later (long past)."""
    asked = heard.t0 + timedelta(minutes=40)
    request = proposals.ask_on_decision(
        decision=heard.decision, by=user("politi"), now=asked,
        data={"party": "661:kommunaldirektoer", "mode": "inform",
              "respond_by": (asked + timedelta(minutes=10)).isoformat()})
    db.session.commit()
    return request


def test_figures_minutes_and_overdue(app, incident):
    heard = heard_incident(incident)
    answers.answer(request=heard.open[0], data={"outcome": "agreed"}, by=user("herning"),
                   now=heard.t0 + timedelta(minutes=45))
    _overdue_request(heard, incident)
    review = hearing_review(incident.id, now=heard.t0 + timedelta(hours=1))
    by_id = {r.id: r for r in review.requests}
    assert by_id[heard.answered.id].minutes_to_answer == 17
    assert by_id[heard.open[0].id].minutes_to_answer == 45
    figures = review.figures
    withdrawn = sum(1 for r in review.requests if r.status == "withdrawn")
    assert withdrawn > 0 and figures.withdrawn == withdrawn
    assert figures.asked == len(review.requests) and figures.answered == 2
    assert figures.median_minutes == 31  # median of 17 and 45
    overdue = [r for r in review.unanswered if review.overdue(r)]
    assert [r.party_key for r in overdue] == ["661:kommunaldirektoer"] and figures.overdue == 1
    assert figures.unanswered == len(review.unanswered) == len(heard.open) - 1 + 1


def test_the_review_page_has_the_section(app, login, incident):
    heard = heard_incident(incident)
    _overdue_request(heard, incident)
    page = login("revisor").get(f"/review/incidents/{incident.id}").get_data(as_text=True)
    start = page.index('id="hearings"')
    section = page[start:page.index('id="decisions"', start)]
    assert "Høringer via LBS Register" in page[start - 10:start + 200]
    assert "Kommunaldirektør, Herning Kommune" in section and "Enig med forbehold: Kun busser." in section
    assert "Herning Kommune (demo)" in section  # who answered
    assert ">17<" in section  # minutes from the request to the answer
    assert "Ubesvarede anmodninger" in section and "overskredet" in section
    assert "Svartid (median)" in section and "17 min." in section
    assert "Beslutning 1 (forslag: Evakuering af Sunds)" in section


def test_the_pack_lists_the_requests_and_still_verifies(app, incident, runner, tmp_path):
    heard = heard_incident(incident)
    _overdue_request(heard, incident)
    data = pack.build_pack(incident_review(incident))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert "consultation_requests.csv" in {e["name"] for e in manifest["files"]}
        rows = list(csv.DictReader(io.StringIO(archive.read("consultation_requests.csv").decode("utf-8-sig")),
                                   delimiter=";"))
    answered = next(r for r in rows if r["id"] == str(heard.answered.id))
    assert answered["minutes_to_answer"] == "17" and answered["outcome"] == "agreed_with_reservation"
    assert answered["answered_by"] == "Herning Kommune (demo)" and answered["decision_number"] == "1"
    assert next(r for r in rows if r["party"] == "661:kommunaldirektoer")["overdue"] == "yes"
    assert {r["status"] for r in rows} == {"answered", "open", "withdrawn"}
    assert pack.verify_pack(data).ok
    path = tmp_path / "pack.zip"
    path.write_bytes(data)
    result = runner.invoke(args=["lbs", "verify-pack", str(path)])
    assert result.exit_code == 0, result.output


def test_the_pdf_has_the_section(app, incident):
    heard = heard_incident(incident)
    _overdue_request(heard, incident)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pack.render_pdf(incident_review(incident)))).pages)
    flat = " ".join(text.split())
    assert flat.count("Høringer via LBS Register") >= 2  # the contents and the section
    assert "Ubesvarede anmodninger" in flat and "overskredet" in flat
    assert "Svartid (median)" in flat
