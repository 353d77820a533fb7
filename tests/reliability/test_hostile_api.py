"""Hostile input on every API body: each invalid body gets a 4xx JSON error with a message, never a 500, and
nothing is written (every table keeps its row count). Runs over a committed database so that a partial write
would really stay."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lbs.consultation.models import Party
from lbs.decisions.models import Decision
from lbs.extensions import db
from tests.hostile import SETTINGS, hostile_body, row_counts
from tests.reliability.world import World, decision_body

pytestmark = pytest.mark.slow


def send(app: Flask, token: str, method: str, path: str, body: Any) -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body, allow_nan=True)
    with app.test_client() as client:
        return client.open(path, method=method, data=raw, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})


def assert_refused(app: Flask, token: str, method: str, path: str, body: Any) -> None:
    with app.app_context():
        before = row_counts()
    response = send(app, token, method, path, body)
    assert 400 <= response.status_code < 500, (response.status_code, body, response.get_data(as_text=True)[:500])
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"].strip()
    with app.app_context():
        after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


T, N, TIME, MONEY, REF, INT, BOOL, ENUM = "text", "name", "time", "money", "ref", "int", "bool", "enum"
COST_KINDS = {"bearer": (REF, True), "category": (ENUM, True), "estimate_dkk": (MONEY, True),
              "provisional": (BOOL, False), "description": (T, False)}
OPTION_KINDS = {"text": (T, True), "chosen": (BOOL, False), "rejection_reason": (T, False)}
CONSULTATION_KINDS = {"party": (ENUM, True), "consulted_at": (TIME, True), "mode": (ENUM, True),
                      "outcome": (ENUM, True), "channel": (T, False), "note": (T, False)}
DECISION_KINDS = {"staff": (ENUM, True), "decided_at": (TIME, True), "decided_by": (REF, True),
                  "owner": (REF, True), "type": (ENUM, True), "title": (N, True), "decision": (T, True),
                  "information": (T, False), "rationale": (T, True), "legal_basis": (T, False),
                  "urgent": (BOOL, False), "missing_reason": (T, False), "delay_reason": (T, False)}


def nested(world: World, party: str) -> dict[str, Any]:
    now = decision_body(world, "x")["decided_at"]
    return {
        "costs": ({"bearer": world.herning_id, "category": "supplies", "estimate_dkk": "10.00"}, COST_KINDS),
        "options": ({"text": "Evakuér", "chosen": True}, OPTION_KINDS),
        "consultations": ({"party": party, "consulted_at": now, "mode": "consult", "outcome": "agreed"},
                          CONSULTATION_KINDS),
    }


def party_key(app: Flask) -> str:
    with app.app_context():
        key: str = db.session.scalars(select(Party.key).order_by(Party.key)).first() or ""
        db.session.remove()
    return key


@given(data=st.data())
@SETTINGS
def test_hostile_decision_bodies_are_refused(world, data):
    app, w = world
    body = data.draw(hostile_body(decision_body(w, "Fjendtlig"), DECISION_KINDS, nested(w, party_key(app))))
    assert_refused(app, w.police_token, "POST", f"/api/v1/incidents/{w.incident_id}/decisions", body)


@given(data=st.data())
@SETTINGS
def test_hostile_amendment_bodies_are_refused(world, data):
    app, w = world
    with app.app_context():
        decision_id = db.session.scalars(select(Decision.id).order_by(Decision.id)).first()
        db.session.remove()
    optional = {name: (kind, False) for name, (kind, _required) in DECISION_KINDS.items()}
    body = data.draw(hostile_body({"reason": "Rettelse"}, {"reason": (T, True), **optional},
                                  nested(w, party_key(app))))
    assert_refused(app, w.police_token, "POST", f"/api/v1/decisions/{decision_id}/amendments", body)


@given(data=st.data())
@SETTINGS
def test_hostile_incident_bodies_are_refused(world, data):
    app, w = world
    valid = {"title": "Storm", "kind": "storm_surge", "started_at": "2026-11-28T14:05:00+01:00",
             "municipalities": ["657"], "exercise": False}
    kinds = {"title": (N, True), "kind": (ENUM, True), "started_at": (TIME, True), "exercise": (BOOL, False),
             "description": (T, False)}
    body = data.draw(st.one_of(
        hostile_body(valid, kinds),
        st.builds(lambda m: {**valid, "municipalities": m},
                  st.sampled_from(["657", 657, [657], ["999"], [None], [["657"]], ["657\x00"], {"657": 1}, None])),
    ))
    assert_refused(app, w.police_token, "POST", "/api/v1/incidents", body)


@given(data=st.data())
@SETTINGS
def test_hostile_position_bodies_are_refused(world, data):
    app, w = world
    valid = {"title": "Forbindelsesofficer", "organisation_id": w.herning_id, "mandatory": True, "min_deputies": 1}
    kinds = {"title": (N, True), "organisation_id": (REF, True), "mandatory": (BOOL, False),
             "min_deputies": (INT, False)}
    body = data.draw(hostile_body(valid, kinds))
    assert_refused(app, w.police_token, "POST", "/api/v1/staffs/LBS-O/positions", body)


@given(data=st.data())
@SETTINGS
def test_hostile_person_bodies_are_refused(world, data):
    app, w = world
    valid = {"name": "Anne Jensen", "job_title": "Beredskabschef", "organisation_id": w.herning_id,
             "email": "anne@example.dk", "phone": "+45 12 34 56 78"}
    kinds = {"name": (N, True), "job_title": (N, True), "organisation_id": (REF, True), "email": (N, False),
             "phone": (N, False)}
    body = data.draw(hostile_body(valid, kinds))
    assert_refused(app, w.police_token, "POST", "/api/v1/people", body)


@given(data=st.data())
@SETTINGS
def test_hostile_assignment_bodies_are_refused(world, data):
    app, w = world
    # position_ids[0]: the person is its primary holder (one rank per person), so a seat they do not hold
    valid = {"position_id": w.position_ids[1], "person_id": w.person_id, "rank": 500,
             "valid_from": "2032-01-01T08:00:00+01:00", "valid_to": "2032-02-01T08:00:00+01:00"}
    kinds = {"position_id": (REF, True), "person_id": (REF, True), "rank": (INT, True), "valid_from": (TIME, True),
             "valid_to": (TIME, False)}
    body = data.draw(st.one_of(
        hostile_body(valid, kinds),
        st.just({**valid, "valid_to": valid["valid_from"]}),
        st.just({**valid, "valid_to": "2031-12-01T08:00:00+01:00"}),
    ))
    assert_refused(app, w.police_token, "POST", "/api/v1/assignments", body)


@given(data=st.data())
@SETTINGS
def test_hostile_cost_changes_are_refused(world, data):
    app, w = world
    kinds = {"actual_dkk": (MONEY, False), "status": (ENUM, False), "note": (T, False),
             "invoice_ref": (N, False), "informed": (T, False)}
    body = data.draw(st.one_of(
        hostile_body({}, kinds),
        st.just({}),
        st.just({"status": "disputed"}),
        st.just({"status": "settled"}),
    ))
    assert_refused(app, w.herning_token, "PATCH", f"/api/v1/costs/{w.cost_line_ids[0]}", body)


@given(raw=st.one_of(
    st.sampled_from(["", "{", "[]", "null", "1", '"x"', "{\"title\": }", "\x00", "[" * 5000 + "]" * 5000,
                     '{"a": NaN}', b"\xff\xfe", b"{\"title\": \"\xc3\x28\"}"]),
    st.binary(max_size=50),
))
@settings(SETTINGS, max_examples=12)
def test_malformed_bodies_are_refused_everywhere(world, raw):
    app, w = world
    for method, path, token in [
        ("POST", f"/api/v1/incidents/{w.incident_id}/decisions", w.police_token),
        ("POST", "/api/v1/incidents", w.police_token),
        ("POST", "/api/v1/assignments", w.police_token),
        ("POST", "/api/v1/people", w.police_token),
        ("PATCH", f"/api/v1/costs/{w.cost_line_ids[0]}", w.herning_token),
    ]:
        assert_refused(app, token, method, path, raw)


def test_a_valid_body_is_still_accepted(world):
    """The strategies above start from valid bodies: make sure those are accepted (the test can fail)."""
    app, w = world
    response = send(app, w.police_token, "POST", f"/api/v1/incidents/{w.incident_id}/decisions",
                    decision_body(w, "Gyldig", with_cost=True))
    assert response.status_code == 201, response.get_data(as_text=True)
