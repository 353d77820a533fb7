"""GET /consultation-requests (who sees what) and POST …/answer (who may answer, what an answer must hold)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lbs.auth.models import User
from lbs.extensions import db
from lbs.timeutil import utcnow
from tests.hearing.api_support import REQUEST_KEYS, answer, audited, refused, when, writes_nothing
from tests.hearing.conftest import request_for

REQUESTS = "/api/v1/consultation-requests"


def _user_id(username: str) -> int:
    return db.session.scalars(select(User.id).where(User.username == username)).one()


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [r["id"] for r in response.get_json()]


def test_herning_sees_only_its_own_parties(api_as, proposal):
    listed = api_as("herning").get(REQUESTS).get_json()
    assert listed and all(r["party"].startswith("657:") for r in listed)
    mine = {r["id"] for r in proposal["requests"] if r["party"].startswith("657:")}
    assert mine and mine <= {r["id"] for r in listed}
    assert request_for(proposal, "brand:bmv")["id"] not in {r["id"] for r in listed}
    for row in listed:
        assert set(row) >= REQUEST_KEYS


def test_holstebro_sees_none_of_herning(api_as, proposal):
    listed = api_as("holstebro").get(REQUESTS).get_json()
    assert not {r["id"] for r in listed} & {r["id"] for r in proposal["requests"]}
    assert all(r["party"].startswith("661:") for r in listed)


@pytest.mark.parametrize("user", ["politi", "admin"])
def test_police_and_admin_see_all(api_as, proposal, user):
    assert {r["id"] for r in proposal["requests"]} <= set(_ids(api_as(user).get(REQUESTS)))


def test_the_reviewer_sees_none(api_as, proposal):
    assert _ids(api_as("revisor").get(REQUESTS)) == []


def test_oldest_first_and_the_status_filter(api_as, proposal):
    police = api_as("politi")
    answered = request_for(proposal, "brand:bmv")
    assert answer(police, answered["id"]).status_code == 200
    rows = police.get(REQUESTS).get_json()
    keys = [(when(r["requested_at"]), r["id"]) for r in rows]
    assert keys == sorted(keys)
    open_rows = police.get(f"{REQUESTS}?status=open").get_json()
    assert open_rows and all(r["status"] == "open" for r in open_rows)
    assert answered["id"] not in {r["id"] for r in open_rows}
    assert [r["id"] for r in police.get(f"{REQUESTS}?status=answered").get_json()
            if r["id"] == answered["id"]] == [answered["id"]]
    keys = [(when(r["requested_at"]), r["id"]) for r in open_rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("status", ["nonsense", "", "OPEN", "open\x00"])
def test_a_bad_status_is_422(api_as, status):
    refused(api_as("politi").get(REQUESTS, query_string={"status": status}), 422, "status")


def test_herning_answers_its_party(api_as, proposal):
    herning = api_as("herning")
    ask = request_for(proposal, "657:borgmester")
    response = answer(herning, ask["id"], "agreed_with_reservation", "  Kun med busser fra Midttrafik.  ")
    assert response.status_code == 200, response.get_json()
    done = response.get_json()
    assert set(done) >= REQUEST_KEYS
    assert (done["id"], done["status"], done["outcome"], done["comment"], done["answered_by"]) == (
        ask["id"], "answered", "agreed_with_reservation", "Kun med busser fra Midttrafik.", _user_id("herning"))
    assert when(done["answered_at"]) <= utcnow() and done["mode"] == ask["mode"] == "approve"
    events = audited("consultation_request.answer", ask["id"])
    assert len(events) == 1 and events[0].user_id == _user_id("herning")
    assert events[0].data["outcome"] == "agreed_with_reservation"
    reread = api_as("politi").get(f"/api/v1/proposals/{proposal['id']}").get_json()
    assert request_for(reread, "657:borgmester") == {**done, "party_name": ask["party_name"]}
    judged = {r["party"]: r["status"] for r in reread["required_consultations"]}
    assert judged["657:borgmester"] != "missing"


def test_a_plain_agreement_needs_no_comment(api_as, proposal):
    done = answer(api_as("herning"), request_for(proposal, "657:byraad")["id"], "agreed")
    assert done.status_code == 200 and done.get_json()["comment"] is None


def test_an_objection_with_a_comment_of_10000_characters(api_as, proposal):
    done = answer(api_as("herning"), request_for(proposal, "657:byraad")["id"], "objected", "æ" * 10_000)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["comment"] == "æ" * 10_000


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "objected"}, "comment"),
    ({"outcome": "agreed_with_reservation"}, "comment"),
    ({"outcome": "objected", "comment": "   "}, "comment"),
    ({"outcome": "agreed_with_reservation", "comment": None}, "comment"),
    ({"outcome": "objected", "comment": "x" * 10_001}, "comment"),
    ({"outcome": "objected", "comment": "Nej\x00"}, "comment"),
    ({"outcome": "objected", "comment": 12}, "comment"),
    ({"outcome": "no_answer"}, "outcome"),
    ({"outcome": "nonsense"}, "outcome"),
    ({"outcome": None}, "outcome"),
    ({}, "outcome"),
    ({"comment": "Uden udfald"}, "outcome"),
])
def test_a_bad_answer_is_422_and_writes_nothing(api_as, proposal, body, field):
    herning, ask = api_as("herning"), request_for(proposal, "657:borgmester")
    with writes_nothing():
        refused(herning.post(f"{REQUESTS}/{ask['id']}/answer", json=body), 422, field)
    assert herning.get(f"/api/v1/proposals/{proposal['id']}").get_json()["requests"] == proposal["requests"]


def test_a_lone_surrogate_is_422(api_as, proposal):
    herning, ask = api_as("herning"), request_for(proposal, "657:borgmester")
    with writes_nothing():
        response = herning.open("POST", f"{REQUESTS}/{ask['id']}/answer",
                                data='{"outcome": "objected", "comment": "\\udc00 nej"}')
    refused(response, 422)


@pytest.mark.parametrize("raw", ["", "{", "[]", "null", '"agreed"', '{"outcome": NaN}'])
def test_a_malformed_body_is_refused(api_as, proposal, raw):
    herning, ask = api_as("herning"), request_for(proposal, "657:borgmester")
    with writes_nothing():
        response = herning.open("POST", f"{REQUESTS}/{ask['id']}/answer", data=raw)
    assert response.status_code in (400, 422), response.get_data(as_text=True)


def test_answering_twice_is_409(api_as, proposal):
    herning, ask = api_as("herning"), request_for(proposal, "657:borgmester")
    first = answer(herning, ask["id"], "objected", "Nej tak.").get_json()
    with writes_nothing():
        error = refused(answer(herning, ask["id"], "agreed"), 409)
    assert "answered" in error["message"]
    reread = request_for(herning.get(f"/api/v1/proposals/{proposal['id']}").get_json(), "657:borgmester")
    assert (reread["outcome"], reread["comment"], reread["answered_at"]) == (
        "objected", "Nej tak.", first["answered_at"])


def test_a_withdrawn_request_is_409(api_as, proposal):
    herning, ask = api_as("herning"), request_for(proposal, "657:borgmester")
    assert api_as("politi").post(f"/api/v1/proposals/{proposal['id']}/withdraw",
                                 json={"reason": "Vandet falder"}).status_code == 200
    with writes_nothing():
        error = refused(answer(herning, ask["id"]), 409)
    assert "withdrawn" in error["message"]


@pytest.mark.parametrize("user", ["holstebro", "politi", "admin", "revisor"])
def test_only_herning_answers_for_a_herning_party(api_as, proposal, user):
    api, ask = api_as(user), request_for(proposal, "657:borgmester")
    with writes_nothing():
        refused(answer(api, ask["id"], "agreed"), 403)
        refused(answer(api, ask["id"], "objected"), 403)  # who may answer comes before the body


@pytest.mark.parametrize("user", ["politi", "admin"])
def test_police_and_admin_answer_for_a_party_outside_any_municipality(api_as, proposal, user):
    ask = request_for(proposal, "brand:bmv")
    done = answer(api_as(user), ask["id"], "agreed")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["answered_by"] == _user_id(user)
    assert len(audited("consultation_request.answer", ask["id"])) == 1


@pytest.mark.parametrize("user", ["herning", "holstebro", "revisor"])
def test_nobody_else_answers_for_a_party_outside_any_municipality(api_as, proposal, user):
    api, ask = api_as(user), request_for(proposal, "brand:bmv")
    with writes_nothing():
        refused(answer(api, ask["id"]), 403)


def test_an_unknown_request_is_404(api_as):
    refused(answer(api_as("herning"), 987654), 404)
