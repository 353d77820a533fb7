"""Hostile input to ``POST /api/v1/decisions/{id}/consultations``: every refused body writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbs.timeutil import utcnow
from tests.hostile import SETTINGS, hostile_body
from tests.reliability.test_hostile_api import CONSULTATION_KINDS, assert_refused, party_key, send
from tests.reliability.world import decision_body

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def decision_id(world) -> int:
    app, w = world
    response = send(app, w.police_token, "POST", f"/api/v1/incidents/{w.incident_id}/decisions",
                    decision_body(w, "Til høringer"))
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.get_json()["id"])


def _valid(party: str) -> dict[str, object]:
    return {"party": party, "consulted_at": (utcnow() - timedelta(minutes=1)).isoformat(), "mode": "approve",
            "outcome": "agreed", "channel": "telefon", "note": "Ringede tilbage"}


@given(data=st.data())
@SETTINGS
def test_hostile_appended_consultations_are_refused(world, decision_id, data):
    app, w = world
    valid = _valid(party_key(app))
    body = data.draw(st.one_of(
        hostile_body(valid, CONSULTATION_KINDS),
        st.just({**valid, "party": "657:ingen"}),
        st.just({**valid, "consulted_at": (utcnow() + timedelta(minutes=6)).isoformat()}),
        st.just({**valid, "party": "\ud800"}),
    ))
    assert_refused(app, w.police_token, "POST", f"/api/v1/decisions/{decision_id}/consultations", body)


@given(raw=st.one_of(st.sampled_from(["", "{", "[]", "null", "1", '{"a": NaN}', "\x00", b"\xff\xfe"]),
                     st.binary(max_size=30)))
@settings(SETTINGS, max_examples=10)
def test_malformed_appended_bodies_are_refused(world, decision_id, raw):
    app, w = world
    assert_refused(app, w.police_token, "POST", f"/api/v1/decisions/{decision_id}/consultations", raw)
    assert_refused(app, w.herning_token, "POST", f"/api/v1/decisions/{decision_id}/consultations", raw)


def test_the_valid_body_is_accepted(world, decision_id):
    app, w = world
    response = send(app, w.police_token, "POST", f"/api/v1/decisions/{decision_id}/consultations",
                    _valid(party_key(app)))
    assert response.status_code == 201, response.get_data(as_text=True)
