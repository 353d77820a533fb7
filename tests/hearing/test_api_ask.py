"""POST /proposals/{id}/requests and /decisions/{id}/requests: asking one more party."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lbs.timeutil import utcnow
from tests.hearing.api_support import REQUEST_KEYS, answer, ask, audited, decide_body, refused, when, writes_nothing
from tests.hearing.conftest import proposal_body


def _decision(api, proposal):
    response = api.post(f"/api/v1/proposals/{proposal['id']}/decide", json=decide_body())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_ask_one_more_party_about_a_proposal(api_as, proposal):
    police = api_as("politi")
    response = ask(police, proposal["id"], "amk:midt", "consult")
    assert response.status_code == 201, response.get_json()
    asked = response.get_json()
    assert set(asked) >= REQUEST_KEYS
    assert (asked["proposal_id"], asked["decision_id"], asked["party"], asked["mode"], asked["status"]) == (
        proposal["id"], None, "amk:midt", "consult", "open")
    assert when(asked["respond_by"]) == when(proposal["respond_by"])  # the proposal's answer-by time
    assert asked["outcome"] is None and asked["answered_at"] is None
    reread = police.get(f"/api/v1/proposals/{proposal['id']}").get_json()
    assert asked["id"] in {r["id"] for r in reread["requests"]}
    events = audited("consultation_request.create", asked["id"])
    assert len(events) == 1 and events[0].data["proposal_id"] == proposal["id"]


def test_an_own_respond_by(api_as, proposal):
    later = utcnow() + timedelta(hours=5)
    asked = ask(api_as("admin"), proposal["id"], "657:socialdirektoer", "inform",
                respond_by=later.isoformat()).get_json()
    assert when(asked["respond_by"]) == later and asked["mode"] == "inform"


@pytest.mark.parametrize(("body", "field"), [
    ({"party": "657:ingen", "mode": "consult"}, "party"),
    ({"party": "", "mode": "consult"}, "party"),
    ({"party": 5, "mode": "consult"}, "party"),
    ({"mode": "consult"}, "party"),
    ({"party": "amk:midt", "mode": "beg"}, "mode"),
    ({"party": "amk:midt", "mode": None}, "mode"),
    ({"party": "amk:midt"}, "mode"),
    ({"party": "amk:midt", "mode": "consult", "respond_by": "2020-01-01T10:00:00+01:00"}, "respond_by"),
    ({"party": "amk:midt", "mode": "consult", "respond_by": "2030-01-01T10:00:00"}, "respond_by"),
    ({"party": "amk:midt", "mode": "consult", "respond_by": "snart"}, "respond_by"),
    ({"party": "amk:midt\x00", "mode": "consult"}, "party"),
])
def test_a_bad_request_is_422_and_writes_nothing(api_as, proposal, body, field):
    police = api_as("politi")
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{proposal['id']}/requests", json=body), 422, field)


def test_a_party_with_an_open_request_is_not_asked_again(api_as, proposal):
    police = api_as("politi")
    with writes_nothing():
        refused(ask(police, proposal["id"], "657:borgmester", "consult"), 409)


def test_no_asking_about_a_decided_or_withdrawn_proposal(api_as, incident, proposal):
    police = api_as("politi")
    _decision(police, proposal)
    with writes_nothing():
        assert "decided" in refused(ask(police, proposal["id"], "amk:midt"), 409)["message"]
    other = police.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body()).get_json()
    police.post(f"/api/v1/proposals/{other['id']}/withdraw", json={"reason": "Nej"})
    with writes_nothing():
        assert "withdrawn" in refused(ask(police, other["id"], "amk:midt"), 409)["message"]


@pytest.mark.parametrize("user", ["herning", "revisor"])
def test_only_police_and_admin_ask(api_as, proposal, user):
    api = api_as(user)
    with writes_nothing():
        refused(ask(api, proposal["id"], "amk:midt"), 403)


def test_ask_about_a_logged_decision_and_the_answer_is_appended(api_as, incident, proposal):
    police = api_as("politi")
    decision = _decision(police, proposal)
    response = police.post(f"/api/v1/decisions/{decision['id']}/requests",
                           json={"party": "657:socialdirektoer", "mode": "consult"})
    assert response.status_code == 201, response.get_json()
    asked = response.get_json()
    assert set(asked) >= REQUEST_KEYS
    assert (asked["proposal_id"], asked["decision_id"], asked["status"], asked["respond_by"]) == (
        None, decision["id"], "open", None)
    assert len(audited("consultation_request.create", asked["id"])) == 1
    herning = api_as("herning")
    assert asked["id"] in {r["id"] for r in herning.get("/api/v1/consultation-requests?status=open").get_json()}
    done = answer(herning, asked["id"], "objected", "Socialforvaltningen har ikke personale.")
    assert done.status_code == 200, done.get_json()
    consultations = police.get(f"/api/v1/decisions/{decision['id']}").get_json()["consultations"]
    appended = [c for c in consultations if c["party"] == "657:socialdirektoer"]
    assert len(appended) == 1 and appended[0]["appended"] is True and appended[0]["channel"] == "lbs"
    assert (appended[0]["outcome"], appended[0]["note"]) == ("objected", "Socialforvaltningen har ikke personale.")
    assert police.get(f"/api/v1/incidents/{incident.id}/verify").get_json()["ok"] is True


@pytest.mark.parametrize(("body", "field"), [
    ({"party": "657:ingen", "mode": "consult"}, "party"),
    ({"party": "amk:midt", "mode": "beg"}, "mode"),
    ({"party": "amk:midt", "mode": "consult", "respond_by": "2020-01-01T10:00:00Z"}, "respond_by"),
    ({"party": "amk:midt", "mode": "consult", "respond_by": "2030-01-01T10:00:00"}, "respond_by"),
])
def test_a_bad_request_about_a_decision_is_422(api_as, proposal, body, field):
    police = api_as("politi")
    decision = _decision(police, proposal)
    with writes_nothing():
        refused(police.post(f"/api/v1/decisions/{decision['id']}/requests", json=body), 422, field)


def test_asking_about_an_amended_decision_names_the_current_version(api_as, proposal):
    police = api_as("politi")
    decision = _decision(police, proposal)
    amended = police.post(f"/api/v1/decisions/{decision['id']}/amendments",
                          json={"reason": "Ny titel", "title": "Evakuering af Sunds (rettet)"})
    assert amended.status_code == 201, amended.get_json()
    with writes_nothing():
        error = refused(police.post(f"/api/v1/decisions/{decision['id']}/requests",
                                    json={"party": "amk:midt", "mode": "consult"}), 409)
    assert f"decision {amended.get_json()['number']}" in error["message"]
    current = police.post(f"/api/v1/decisions/{amended.get_json()['id']}/requests",
                          json={"party": "amk:midt", "mode": "consult"})
    assert current.status_code == 201, current.get_json()


def test_asking_about_an_unknown_decision_is_404(api_as):
    refused(api_as("politi").post("/api/v1/decisions/987654/requests",
                                  json={"party": "amk:midt", "mode": "consult"}), 404)
