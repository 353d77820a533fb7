"""Hostile bodies on the hearing API (propose, ask, answer, decide, withdraw): never a 500, only a documented
status, a JSON error with a message, and nothing written. Runs over a committed database of its own so that a
partial write would really stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from lbs.extensions import db
from lbs.timeutil import utcnow
from tests.conftest import make_app
from tests.dbutil import drop_database, new_database_url
from tests.hostile import SETTINGS, hostile_body, row_counts
from tests.reliability.test_hostile_api import CONSULTATION_KINDS, COST_KINDS, OPTION_KINDS, send
from tests.reliability.world import World, prepare_world

pytestmark = pytest.mark.slow
T, N, TIME, REF, BOOL, ENUM = "text", "name", "time", "ref", "bool", "enum"
REFUSED = {400, 409, 422}  # what the write endpoints document besides 403/404 (ids here exist, users may write)
PROPOSAL_KINDS = {"staff": (ENUM, True), "owner": (REF, True), "type": (ENUM, True), "title": (N, True),
                  "decision": (T, True), "information": (T, False), "rationale": (T, True),
                  "legal_basis": (T, False), "expected_outcome": (T, False), "urgent": (BOOL, False),
                  "missing_reason": (T, False), "respond_by": (TIME, False)}
REQUEST_KINDS = {"party": (ENUM, True), "mode": (ENUM, True), "respond_by": (TIME, False)}
ANSWER_KINDS = {"outcome": (ENUM, True), "comment": (T, False)}
DECIDE_KINDS = {"decided_at": (TIME, True), "decided_by": (REF, True), "delay_reason": (T, False),
                "title": (N, False), "decision": (T, False), "type": (ENUM, False), "urgent": (BOOL, False)}
WITHDRAW_KINDS = {"reason": (T, True)}
RAW = st.one_of(st.sampled_from(["", "{", "[]", "null", "1", '{"a": NaN}', "\x00", b"\xff\xfe", '"x"']),
                st.binary(max_size=30))


class Hearing:
    def __init__(self, app: Flask, world: World, proposal: dict[str, Any]) -> None:
        self.app, self.world, self.proposal = app, world, proposal

    def request_id(self, party: str) -> int:
        return int(next(r["id"] for r in self.proposal["requests"] if r["party"] == party))


def _proposal_body(world: World) -> dict[str, Any]:
    return {"staff": "LBS-S", "owner": world.herning_id, "type": "evacuation", "title": "Evakuering af Sunds",
            "decision": "Sunds evakueres.", "rationale": "Dæmningen kan bryde.",
            "costs": [{"bearer": world.herning_id, "category": "evacuation_transport", "estimate_dkk": "300000"}],
            "respond_by": (utcnow() + timedelta(hours=4)).isoformat()}


@pytest.fixture(scope="module")
def hearing(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hearing]:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = new_database_url(backend, tmp_path_factory.mktemp("hearing-hostile"))
    world = prepare_world(url)
    app = make_app(url)
    response = send(app, world.police_token, "POST", f"/api/v1/incidents/{world.incident_id}/proposals",
                    _proposal_body(world))
    assert response.status_code == 201, response.get_data(as_text=True)
    yield Hearing(app, world, response.get_json())
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def refused(h: Hearing, token: str, path: str, body: Any) -> None:
    with h.app.app_context():
        before = row_counts()
    response = send(h.app, token, "POST", path, body)
    assert response.status_code in REFUSED, (response.status_code, body, response.get_data(as_text=True)[:500])
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"].strip()
    with h.app.app_context():
        after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


@given(data=st.data())
@SETTINGS
def test_hostile_proposals_are_refused(hearing, data):
    w = hearing.world
    nested = {"costs": (_proposal_body(w)["costs"][0], COST_KINDS),
              "options": ({"text": "Evakuér", "chosen": True}, OPTION_KINDS)}
    body = data.draw(st.one_of(
        hostile_body(_proposal_body(w), PROPOSAL_KINDS, nested),
        st.just({**_proposal_body(w), "respond_by": (utcnow() - timedelta(minutes=1)).isoformat()}),
        st.just({**_proposal_body(w), "title": "\ud800"}),
    ))
    refused(hearing, w.police_token, f"/api/v1/incidents/{w.incident_id}/proposals", body)


@given(data=st.data())
@SETTINGS
def test_hostile_requests_are_refused(hearing, data):
    valid = {"party": "amk:midt", "mode": "consult", "respond_by": (utcnow() + timedelta(hours=1)).isoformat()}
    body = data.draw(st.one_of(hostile_body(valid, REQUEST_KINDS), st.just({**valid, "party": "657:borgmester"}),
                               st.just({**valid, "party": "\udc00"})))
    refused(hearing, hearing.world.police_token, f"/api/v1/proposals/{hearing.proposal['id']}/requests", body)


@given(data=st.data())
@SETTINGS
def test_hostile_answers_are_refused(hearing, data):
    body = data.draw(st.one_of(
        hostile_body({"outcome": "objected", "comment": "Nej"}, ANSWER_KINDS),
        st.sampled_from([{"outcome": "objected"}, {"outcome": "agreed_with_reservation", "comment": " \t"},
                         {"outcome": "no_answer"}, {"outcome": "objected", "comment": "\ud800"}]),
    ))
    path = f"/api/v1/consultation-requests/{hearing.request_id('657:borgmester')}/answer"
    refused(hearing, hearing.world.herning_token, path, body)
    path = f"/api/v1/consultation-requests/{hearing.request_id('brand:bmv')}/answer"
    refused(hearing, hearing.world.police_token, path, body)


@given(data=st.data())
@SETTINGS
def test_hostile_decides_are_refused(hearing, data):
    w = hearing.world
    valid = {"decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": w.person_id}
    nested = {"costs": (_proposal_body(w)["costs"][0], COST_KINDS),
              "options": ({"text": "Evakuér", "chosen": True}, OPTION_KINDS),
              "consultations": ({"party": "amk:midt", "consulted_at": valid["decided_at"], "mode": "consult",
                                 "outcome": "agreed"}, CONSULTATION_KINDS)}
    body = data.draw(st.one_of(
        hostile_body(valid, DECIDE_KINDS, nested),
        st.just({**valid, "decided_at": (utcnow() - timedelta(hours=3)).isoformat()}),  # late, no reason
        st.just({**valid, "costs": [{"bearer": 987654, "category": "catering", "estimate_dkk": "10"}]}),
    ))
    refused(hearing, w.police_token, f"/api/v1/proposals/{hearing.proposal['id']}/decide", body)


@given(data=st.data())
@SETTINGS
def test_hostile_withdrawals_are_refused(hearing, data):
    body = data.draw(hostile_body({"reason": "Vandet falder"}, WITHDRAW_KINDS))
    refused(hearing, hearing.world.police_token, f"/api/v1/proposals/{hearing.proposal['id']}/withdraw", body)


@given(raw=RAW)
@settings(SETTINGS, max_examples=10)
def test_malformed_bodies_are_refused(hearing, raw):
    w, p = hearing.world, hearing.proposal
    for path in (f"/api/v1/incidents/{w.incident_id}/proposals", f"/api/v1/proposals/{p['id']}/requests",
                 f"/api/v1/proposals/{p['id']}/decide", f"/api/v1/proposals/{p['id']}/withdraw",
                 f"/api/v1/consultation-requests/{hearing.request_id('brand:bmv')}/answer"):
        refused(hearing, w.police_token, path, raw)


def test_the_valid_bodies_are_accepted(hearing):
    """The hostile bodies above differ from these valid ones only in what makes them invalid."""
    w, p = hearing.world, hearing.proposal
    asked = send(hearing.app, w.police_token, "POST", f"/api/v1/proposals/{p['id']}/requests",
                 {"party": "amk:midt", "mode": "consult"})
    assert asked.status_code == 201, asked.get_data(as_text=True)
    answered = send(hearing.app, w.herning_token, "POST",
                    f"/api/v1/consultation-requests/{hearing.request_id('657:borgmester')}/answer",
                    {"outcome": "objected", "comment": "Nej"})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    decided = send(hearing.app, w.police_token, "POST", f"/api/v1/proposals/{p['id']}/decide",
                   {"decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": w.person_id})
    assert decided.status_code == 201, decided.get_data(as_text=True)
    other = send(hearing.app, w.police_token, "POST", f"/api/v1/incidents/{w.incident_id}/proposals",
                 _proposal_body(w))
    withdrawn = send(hearing.app, w.police_token, "POST", f"/api/v1/proposals/{other.get_json()['id']}/withdraw",
                     {"reason": "Vandet falder"})
    assert withdrawn.status_code == 200, withdrawn.get_data(as_text=True)
