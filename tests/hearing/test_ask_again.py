"""A party with an open request is not asked again in the same form, but may be in a stronger one; each answer
becomes a consultation."""

from __future__ import annotations

from datetime import timedelta

from lbs.timeutil import utcnow
from tests.hearing.conftest import decision_maker, request_for


def test_a_party_asked_again_in_a_stronger_form_answers_each_request(api_as, proposal):
    politi, herning = api_as("politi"), api_as("herning")
    first = request_for(proposal, "657:kommunaldirektoer")
    assert first["mode"] == "consult"
    same = politi.post(f"/api/v1/proposals/{proposal['id']}/requests",
                       json={"party": "657:kommunaldirektoer", "mode": "consult"})
    assert same.status_code == 409 and "already has an open request" in same.get_json()["error"]["message"]
    again = politi.post(f"/api/v1/proposals/{proposal['id']}/requests",
                        json={"party": "657:kommunaldirektoer", "mode": "approve"})
    assert again.status_code == 201, again.get_json()
    second = again.get_json()
    assert second["id"] != first["id"] and second["mode"] == "approve" and second["status"] == "open"
    for asked, outcome in ((first, "agreed"), (second, "agreed")):
        answered = herning.post(f"/api/v1/consultation-requests/{asked['id']}/answer", json={"outcome": outcome})
        assert answered.status_code == 200, answered.get_json()
    decided = politi.post(f"/api/v1/proposals/{proposal['id']}/decide", json={
        "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": decision_maker()})
    assert decided.status_code == 201, decided.get_json()
    modes = sorted(c["mode"] for c in decided.get_json()["consultations"]
                   if c["party"] == "657:kommunaldirektoer" and c["channel"] == "lbs")
    assert modes == sorted([first["mode"], "approve"])
