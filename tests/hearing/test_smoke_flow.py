"""Propose, answer as the municipality, decide: the answers become the decision's consultations."""

from __future__ import annotations

from datetime import timedelta

from lbs.timeutil import utcnow
from tests.hearing.conftest import decision_maker, request_for


def test_propose_answer_decide(api_as, incident, proposal):
    print({r["party"]: r["mode"] for r in proposal["requests"]})
    assert proposal["status"] == "open"
    herning = api_as("herning")
    waiting = herning.get("/api/v1/consultation-requests?status=open").get_json()
    assert waiting and all(r["party"].startswith("657:") for r in waiting)
    ask = request_for(proposal, "657:kommunaldirektoer")
    answered = herning.post(f"/api/v1/consultation-requests/{ask['id']}/answer",
                            json={"outcome": "agreed_with_reservation", "comment": "Kun busser fra Midttrafik."})
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert body["status"] == "answered" and body["answered_by"] is not None
    again = herning.post(f"/api/v1/consultation-requests/{ask['id']}/answer", json={"outcome": "agreed"})
    assert again.status_code == 409
    assert api_as("holstebro").post(f"/api/v1/consultation-requests/{ask['id']}/answer",
                                    json={"outcome": "agreed"}).status_code == 403
    decided = api_as("politi").post(f"/api/v1/proposals/{proposal['id']}/decide", json={
        "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": decision_maker()})
    assert decided.status_code == 201, decided.get_json()
    decision = decided.get_json()
    lbs = [c for c in decision["consultations"] if c["channel"] == "lbs"]
    assert [(c["party"], c["outcome"]) for c in lbs] == [("657:kommunaldirektoer", "agreed_with_reservation")]
    status = {r["party"]: r["status"] for r in decision["required_consultations"]}
    print(status)
    assert status["657:kommunaldirektoer"] == "met"
    assert api_as("politi").post(f"/api/v1/proposals/{proposal['id']}/decide", json={
        "decided_at": utcnow().isoformat(), "decided_by": decision_maker()}).status_code == 409
    # A request still open moved to the decision: its answer is appended to it.
    still_open = [r for r in api_as("politi").get(f"/api/v1/proposals/{proposal['id']}").get_json()["requests"]
                  if r["status"] == "open"]
    assert still_open and all(r["decision_id"] == decision["id"] for r in still_open)
