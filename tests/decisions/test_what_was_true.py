"""What was true stays true (issue 26, part 3): the decision maker's name, job title and seat are recorded on
the decision; renaming the person and back-dating the end of their seat changes none of what the decision page,
its CSV and JSON exports, the review and a freshly built pack say about who decided and the seat they held. The
back-dated end needs a reason, shows as a correction in the roster history, and the review shows the roster as
known when the decision was logged with the corrected one beside it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from lbs.decisions.verification import verify_all
from lbs.extensions import db
from lbs.review import pack
from lbs.review.whole import incident_review
from lbs.staffs.models import Assignment, Person, RosterCorrection
from lbs.timeutil import utcnow
from tests import factories
from tests.decisions.test_api import body

CHIEF = "Politiinspektør (stabschef)"
REASON = "Stabschefen var på ferie; registreret forkert"
NEW_NAME = "Helt Andet Navn"
NEW_TITLE = "Omdøbt stilling"


@pytest.fixture
def rewritten(api_as):
    """A decision logged by the chief; then the chief renamed (PATCH) and the chief's seat ended, back-dated to
    before the decision (with a reason)."""
    incident = factories.incident()
    db.session.commit()
    api = api_as("politi")
    chief = db.session.scalars(select(Person).where(Person.name == CHIEF)).one()
    logged = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()
    assert logged["decided_by_seat"], logged
    recorded = {k: logged[k] for k in ("decided_by_name", "decided_by_job_title", "decided_by_seat")}

    renamed = api.patch(f"/api/v1/people/{chief.id}", json={"name": NEW_NAME, "job_title": NEW_TITLE})
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["name"] == NEW_NAME

    decided_at = logged["decided_at"]
    seat = db.session.scalars(
        select(Assignment).join(Assignment.position)
        .where(Assignment.person_id == chief.id, Assignment.valid_to.is_(None))
        .where(Assignment.valid_from < utcnow() - timedelta(hours=1))).all()
    [held] = [a for a in seat if a.position.title == recorded["decided_by_seat"] and a.position.staff.code == "LBS-O"]
    back = (utcnow() - timedelta(minutes=30)).isoformat()
    refused = api.post(f"/api/v1/assignments/{held.id}/end", json={"valid_to": back})
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    ended = api.post(f"/api/v1/assignments/{held.id}/end", json={"valid_to": back, "reason": REASON})
    assert ended.status_code == 200, ended.get_json()
    return {"incident": incident, "logged": logged, "recorded": recorded, "decided_at": decided_at,
            "chief": chief, "held": held}


def test_the_api_still_names_who_decided_and_the_hash_holds(api_as, rewritten):
    read = api_as("politi").get(f"/api/v1/decisions/{rewritten['logged']['id']}").get_json()
    assert {k: read[k] for k in rewritten["recorded"]} == rewritten["recorded"]
    assert read["decided_by_name"] == CHIEF and read["hash"] == rewritten["logged"]["hash"]
    assert all(item.result.ok for item in verify_all(rewritten["incident"].id))


def test_the_decision_page_names_who_decided_and_the_seat(login, rewritten):
    page = unescape(login("politi").get(f"/decisions/{rewritten['logged']['id']}").get_data(as_text=True))
    recorded = rewritten["recorded"]
    assert recorded["decided_by_name"] in page and recorded["decided_by_job_title"] in page
    assert f"plads: {recorded['decided_by_seat']}" in page
    assert NEW_NAME not in page and NEW_TITLE not in page


def test_the_exports_name_who_decided_and_the_seat(login, rewritten):
    client = login("politi")
    incident_id = rewritten["incident"].id
    raw = client.get(f"/incidents/{incident_id}/export/decisions.csv").get_data()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [(r["decided_by"], r["decided_by_job_title"], r["decided_by_seat"]) for r in rows] == [
        tuple(rewritten["recorded"].values())]
    exported = json.loads(client.get(f"/incidents/{incident_id}/export/decisions.json").get_data())
    assert [{k: d[k] for k in rewritten["recorded"]} for d in exported] == [rewritten["recorded"]]
    assert NEW_NAME not in raw.decode("utf-8-sig")


def test_the_review_shows_the_roster_as_known_and_as_corrected(login, rewritten):
    html = unescape(login("revisor").get(f"/review/incidents/{rewritten['incident'].id}").get_data(as_text=True))
    section = html[html.index('id="decision-1"'):]
    section = section[:section.index("</section>")]
    recorded = rewritten["recorded"]
    assert f"{recorded['decided_by_name']}, {recorded['decided_by_job_title']}" in section
    assert f"plads: {recorded['decided_by_seat']}" in section
    assert "som kendt da beslutningen blev logget" in section
    known = section[:section.index("som rettet efterfølgende")]
    corrected = section[section.index("som rettet efterfølgende"):]
    # As known when logged: the chief held the seat and acted in it, under the recorded name.
    assert f"Beslutningstager: {recorded['decided_by_seat']}" in known and NEW_NAME not in known
    # As corrected: the decision maker held no seat then.
    assert "ikke på bemandingen" in corrected.split("</table>")[0]
    assert f"Bemandingen blev rettet efterfølgende: {REASON}" in section


def test_a_new_pack_names_who_decided_and_the_seat(rewritten):
    archive = zipfile.ZipFile(io.BytesIO(pack.build_pack(incident_review(rewritten["incident"]))))
    recorded = rewritten["recorded"]
    [decision] = json.loads(archive.read("decisions.json"))["decisions"]
    assert {k: decision[k] for k in recorded} == recorded
    assert decision["decided_by_off_roster"] is False
    rows = list(csv.DictReader(io.StringIO(archive.read("decisions.csv").decode("utf-8-sig")), delimiter=";"))
    assert [(r["decided_by"], r["decided_by_seat"]) for r in rows] == [
        (recorded["decided_by_name"], recorded["decided_by_seat"])]
    [roster] = json.loads(archive.read("rosters.json"))
    maker = roster["seats"][0]
    assert maker["role"] == "decision_maker" and maker["label"] == recorded["decided_by_seat"]
    assert maker["acting"] == recorded["decided_by_name"]
    corrected_maker = roster["corrected_seats"][0]
    assert corrected_maker["position"] is None and corrected_maker["holders"] == []
    assert [c["reason"] for c in roster["corrections"]] == [REASON]
    assert NEW_NAME not in archive.read("decisions.json").decode("utf-8")


def test_the_correction_shows_in_the_roster_history(login, rewritten):
    held = rewritten["held"]
    [correction] = db.session.scalars(select(RosterCorrection).where(RosterCorrection.assignment_id == held.id))
    assert correction.reason == REASON and correction.action == "end"
    page = unescape(login("politi").get(f"/staffs/positions/{held.position_id}").get_data(as_text=True))
    assert f"Rettelse: {REASON}" in page


def test_the_edit_page_changes_the_person_not_the_decision(login, api_as):
    incident = factories.incident()
    db.session.commit()
    logged = api_as("politi").post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()
    chief = db.session.scalars(select(Person).where(Person.name == CHIEF)).one()
    client = login("politi")
    form = client.get(f"/staffs/people/{chief.id}/edit")
    assert form.status_code == 200
    saved = client.post(f"/staffs/people/{chief.id}/edit", data={
        "name": NEW_NAME, "job_title": NEW_TITLE, "organisation": str(chief.organisation_id),
        "email": "", "phone": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.refresh(chief)
    assert chief.name == NEW_NAME
    read = api_as("politi").get(f"/api/v1/decisions/{logged['id']}").get_json()
    assert read["decided_by_name"] == CHIEF and read["decided_by_job_title"] == logged["decided_by_job_title"]


def test_a_later_roster_correction_does_not_show_as_known_when_it_was_made_before_logging(api_as, login):
    """A correction made before a (late) decision was logged was known then: no corrected roster beside it."""
    incident = factories.incident()
    db.session.commit()
    api = api_as("politi")
    logged = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()
    html = unescape(login("revisor").get(f"/review/incidents/{incident.id}").get_data(as_text=True))
    assert "som rettet efterfølgende" not in html and "som kendt da beslutningen blev logget" not in html
    assert logged["decided_by_seat"] in html
