"""Consultations typed into a proposal (or given when deciding) are logged beside the parties' own answers; a
closed incident takes no decision, late answer or question."""

from __future__ import annotations

from datetime import timedelta

from lbs.extensions import db
from lbs.incidents.models import IncidentStatus
from lbs.timeutil import utcnow
from tests.hearing.api_support import answer, decide_body, refused, writes_nothing
from tests.hearing.conftest import proposal_body, request_for


def _typed(party: str, minutes: int = 10, **extra):
    return {"party": party, "consulted_at": (utcnow() - timedelta(minutes=minutes)).isoformat(), "mode": "consult",
            "outcome": "agreed", "channel": "telefon", **extra}


def test_typed_consultations_and_answers_are_all_logged(api_as, incident):
    police, herning = api_as("politi"), api_as("herning")
    made = police.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body(
        consultations=[_typed("657:repraesentant"), _typed("amk:midt", 5)])).get_json()
    assert {c["party"] for c in made["consultations"]} == {"657:repraesentant", "amk:midt"}
    judged = {r["party"]: r["status"] for r in made["required_consultations"]}
    assert judged["657:repraesentant"] == "met"
    answer(herning, request_for(made, "657:borgmester")["id"], "objected", "Nej.")
    answer(police, request_for(made, "brand:bmv")["id"], "agreed")
    response = police.post(f"/api/v1/proposals/{made['id']}/decide",
                           json=decide_body(consultations=[_typed("657:repraesentant"), _typed("amk:nord", 3)]))
    assert response.status_code == 201, response.get_json()
    got = sorted((c["party"], c["channel"]) for c in response.get_json()["consultations"])
    assert got == [("657:borgmester", "lbs"), ("657:repraesentant", "telefon"), ("amk:nord", "telefon"),
                   ("brand:bmv", "lbs")]
    reread = police.get(f"/api/v1/proposals/{made['id']}").get_json()
    assert all(r["decision_id"] == response.get_json()["id"] for r in reread["requests"])


def test_a_party_typed_and_answered_is_logged_twice(api_as, incident):
    police, herning = api_as("politi"), api_as("herning")
    made = police.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body(
        consultations=[_typed("657:borgmester", mode="approve", note="Ringede")])).get_json()
    answer(herning, request_for(made, "657:borgmester")["id"], "agreed")
    response = police.post(f"/api/v1/proposals/{made['id']}/decide", json=decide_body())
    assert response.status_code == 201, response.get_json()
    mayor = [(c["channel"], c["note"]) for c in response.get_json()["consultations"]
             if c["party"] == "657:borgmester"]
    assert sorted(mayor, key=str) == sorted([("telefon", "Ringede"), ("lbs", None)], key=str)


def _close(incident):
    incident.status = IncidentStatus.CLOSED
    db.session.commit()


def test_a_closed_incident_takes_no_decision_from_a_proposal(api_as, incident, proposal):
    police = api_as("politi")
    _close(incident)
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{proposal['id']}/decide", json=decide_body()), 409)


def test_a_closed_incident_takes_no_late_answer_nor_question(api_as, incident, proposal):
    police, herning = api_as("politi"), api_as("herning")
    decision = police.post(f"/api/v1/proposals/{proposal['id']}/decide", json=decide_body()).get_json()
    _close(incident)
    with writes_nothing():
        refused(answer(herning, request_for(proposal, "657:borgmester")["id"]), 409)
        refused(police.post(f"/api/v1/decisions/{decision['id']}/requests",
                            json={"party": "amk:midt", "mode": "consult"}), 409)
