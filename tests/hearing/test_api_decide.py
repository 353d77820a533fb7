"""POST /proposals/{id}/decide and /withdraw: answers become consultations, open requests move to the decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lbs.timeutil import utcnow
from tests.hearing.api_support import answer, audited, decide_body, refused, when, writes_nothing
from tests.hearing.conftest import request_for


def _decide(api, proposal, **changes):
    return api.post(f"/api/v1/proposals/{proposal['id']}/decide", json=decide_body(**changes))


def _lbs(decision):
    return {c["party"]: c for c in decision["consultations"] if c["channel"] == "lbs"}


def test_answers_become_the_decisions_consultations(api_as, incident, proposal):
    herning, police = api_as("herning"), api_as("politi")
    mayor = answer(herning, request_for(proposal, "657:borgmester")["id"], "agreed").get_json()
    council = answer(herning, request_for(proposal, "657:byraad")["id"], "objected", "Byrådet er imod.").get_json()
    fire = answer(police, request_for(proposal, "brand:bmv")["id"], "agreed_with_reservation",
                  "Kun i dagtimerne.").get_json()
    response = _decide(police, proposal)
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()
    assert decision["title"] == proposal["title"] and decision["type"] == "evacuation"
    assert decision["number"] >= 1 and decision["hash"]
    lbs = _lbs(decision)
    assert set(lbs) == {"657:borgmester", "657:byraad", "brand:bmv"}
    for answered in (mayor, council, fire):
        consultation = lbs[answered["party"]]
        assert (consultation["mode"], consultation["outcome"], consultation["note"]) == (
            answered["mode"], answered["outcome"], answered["comment"])
        assert when(consultation["consulted_at"]) == when(answered["answered_at"])
        assert consultation["appended"] is False
    status = {r["party"]: r["status"] for r in decision["required_consultations"]}
    assert status["657:borgmester"] == "met" and status["brand:bmv"] == "met"
    assert status["657:kommunaldirektoer"] == "missing" and status["657:repraesentant"] == "missing"
    assert {r["party"] for r in decision["missing_consultations"]} >= {"657:kommunaldirektoer"}
    assert api_as("politi").get(f"/api/v1/decisions/{decision['id']}").get_json() == decision
    assert api_as("politi").get(f"/api/v1/incidents/{incident.id}/verify").get_json()["ok"] is True


def test_the_proposal_and_every_request_move_to_the_decision(api_as, proposal):
    police = api_as("politi")
    answer(api_as("herning"), request_for(proposal, "657:borgmester")["id"], "agreed")
    decision = _decide(police, proposal).get_json()
    reread = police.get(f"/api/v1/proposals/{proposal['id']}").get_json()
    assert (reread["status"], reread["decision_id"]) == ("decided", decision["id"])
    assert reread["closed_at"] is not None
    assert all(r["decision_id"] == decision["id"] for r in reread["requests"])
    assert {r["party"]: r["status"] for r in reread["requests"]} == {
        r["party"]: "answered" if r["party"] == "657:borgmester" else "open" for r in proposal["requests"]}
    events = audited("proposal.decide", proposal["id"])
    assert len(events) == 1 and events[0].data["decision_id"] == decision["id"]
    assert events[0].data["answers"] == 1 and events[0].data["open_requests"] == len(proposal["requests"]) - 1


def test_an_answer_after_deciding_is_appended(api_as, incident, proposal):
    herning, police = api_as("herning"), api_as("politi")
    decision = _decide(police, proposal).get_json()
    assert _lbs(decision) == {}
    ask = request_for(proposal, "657:kommunaldirektoer")
    done = answer(herning, ask["id"], "agreed_with_reservation", "Udgiften afholdes af beredskabskontoen.")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["decision_id"]) == ("answered", decision["id"])
    after = police.get(f"/api/v1/decisions/{decision['id']}").get_json()
    appended = _lbs(after)["657:kommunaldirektoer"]
    assert appended["appended"] is True and appended["mode"] == "consult"
    assert (appended["outcome"], appended["note"]) == ("agreed_with_reservation",
                                                       "Udgiften afholdes af beredskabskontoen.")
    assert when(appended["consulted_at"]) == when(done.get_json()["answered_at"])
    before = {r["party"]: r["status"] for r in decision["required_consultations"]}
    now = {r["party"]: r["status"] for r in after["required_consultations"]}
    assert before["657:kommunaldirektoer"] == "missing" and now["657:kommunaldirektoer"] == "met"
    assert after["hash"] == decision["hash"] and after["number"] == decision["number"]
    assert police.get(f"/api/v1/incidents/{incident.id}/verify").get_json()["ok"] is True
    assert len(audited("consultation_request.answer", ask["id"])) == 1


def test_deciding_with_a_changed_field(api_as, proposal):
    police = api_as("politi")
    response = _decide(police, proposal, title="Evakuering af Sunds (rettet)", urgent=False,
                       delay_reason=None)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == "Evakuering af Sunds (rettet)"
    assert response.get_json()["decision"] == proposal["decision"]


def test_deciding_late_needs_a_delay_reason_like_any_decision(api_as, proposal):
    police = api_as("politi")
    late = (utcnow() - timedelta(hours=3)).isoformat()
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{proposal['id']}/decide",
                            json=decide_body(decided_at=late)), 422, "delay_reason")
    done = police.post(f"/api/v1/proposals/{proposal['id']}/decide",
                       json=decide_body(decided_at=late, delay_reason="Strømsvigt på stabsstedet"))
    assert done.status_code == 201, done.get_json()


def test_deciding_twice_is_409(api_as, proposal):
    police = api_as("politi")
    first = _decide(police, proposal)
    assert first.status_code == 201
    with writes_nothing():
        error = refused(_decide(police, proposal), 409)
    assert "decided" in error["message"]


def test_deciding_a_withdrawn_proposal_is_409(api_as, proposal):
    police = api_as("politi")
    assert police.post(f"/api/v1/proposals/{proposal['id']}/withdraw", json={"reason": "Ikke nødvendigt"}) \
        .status_code == 200
    with writes_nothing():
        error = refused(_decide(police, proposal), 409)
    assert "withdrawn" in error["message"]


@pytest.mark.parametrize(("drop", "change"), [
    ("decided_at", {}), ("decided_by", {}), (None, {"decided_at": "2026-11-28T14:05:00"}),
    (None, {"decided_at": (utcnow() + timedelta(hours=1)).isoformat()}), (None, {"decided_by": 987654}),
    (None, {"decided_by": "x"}), (None, {"title": ""}), (None, {"rationale": "x" * 10_001}),
    (None, {"decision": "nul\x00"}), (None, {"type": "nonsense"}),
])
def test_a_bad_decide_body_is_422_and_writes_nothing(api_as, proposal, drop, change):
    police = api_as("politi")
    body = decide_body(**change)
    if drop:
        del body[drop]
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{proposal['id']}/decide", json=body), 422)
    assert police.get(f"/api/v1/proposals/{proposal['id']}").get_json()["status"] == "open"


@pytest.mark.parametrize("user", ["herning", "holstebro", "revisor"])
def test_only_police_and_admin_decide(api_as, proposal, user):
    api = api_as(user)
    with writes_nothing():
        refused(_decide(api, proposal), 403)


def test_admin_decides(api_as, proposal):
    assert _decide(api_as("admin"), proposal).status_code == 201


def test_withdraw(api_as, proposal):
    herning, police = api_as("herning"), api_as("politi")
    answered = answer(herning, request_for(proposal, "657:borgmester")["id"], "agreed").get_json()
    response = police.post(f"/api/v1/proposals/{proposal['id']}/withdraw", json={"reason": "  Vandet falder  "})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["withdraw_reason"], body["decision_id"]) == ("withdrawn", "Vandet falder", None)
    assert body["closed_at"] is not None
    statuses = {r["party"]: r["status"] for r in body["requests"]}
    assert statuses.pop("657:borgmester") == "answered" and set(statuses.values()) == {"withdrawn"}
    assert request_for(body, "657:borgmester") == {**answered, "party_name": answered["party_name"]}
    events = audited("proposal.withdraw", proposal["id"])
    assert len(events) == 1 and len(events[0].data["requests_withdrawn"]) == len(proposal["requests"]) - 1
    waiting = {r["id"] for r in herning.get("/api/v1/consultation-requests?status=open").get_json()}
    assert not waiting & {r["id"] for r in proposal["requests"]}


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}, {"reason": 5},
                                  {"reason": "x" * 10_001}, {"reason": "nul\x00"}])
def test_withdrawing_needs_a_reason(api_as, proposal, body):
    police = api_as("politi")
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{proposal['id']}/withdraw", json=body), 422, "reason")


def test_withdrawing_twice_or_a_decided_proposal_is_409(api_as, incident, proposal):
    police = api_as("politi")
    assert police.post(f"/api/v1/proposals/{proposal['id']}/withdraw", json={"reason": "Nej"}).status_code == 200
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{proposal['id']}/withdraw", json={"reason": "Igen"}), 409)
    from tests.hearing.conftest import proposal_body

    other = police.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body()).get_json()
    assert _decide(police, other).status_code == 201
    with writes_nothing():
        refused(police.post(f"/api/v1/proposals/{other['id']}/withdraw", json={"reason": "For sent"}), 409)


@pytest.mark.parametrize("user", ["herning", "revisor"])
def test_only_police_and_admin_withdraw(api_as, proposal, user):
    api = api_as(user)
    with writes_nothing():
        refused(api.post(f"/api/v1/proposals/{proposal['id']}/withdraw", json={"reason": "Nej"}), 403)


def test_unknown_proposals_are_404(api_as):
    police = api_as("politi")
    refused(police.post("/api/v1/proposals/987654/decide", json=decide_body()), 404)
    refused(police.post("/api/v1/proposals/987654/withdraw", json={"reason": "x"}), 404)


def test_an_answer_after_an_amendment_goes_to_the_current_version(api_as, incident, proposal):
    police = api_as("politi")
    decision = _decide(police, proposal).get_json()
    amended = police.post(f"/api/v1/decisions/{decision['id']}/amendments",
                          json={"reason": "Ny titel", "title": "Evakuering af Sunds (rettet)"}).get_json()
    done = answer(api_as("herning"), request_for(proposal, "657:repraesentant")["id"], "agreed")
    assert done.status_code == 200, done.get_json()
    current = police.get(f"/api/v1/decisions/{amended['id']}").get_json()
    assert "657:repraesentant" in _lbs(current)
    assert "657:repraesentant" not in _lbs(police.get(f"/api/v1/decisions/{decision['id']}").get_json())
    assert police.get(f"/api/v1/incidents/{incident.id}/verify").get_json()["ok"] is True
