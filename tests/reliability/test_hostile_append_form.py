"""Hostile input on "Tilføj høring" (the decision page's appended consultation): refused with a visible error,
never a redirect to success or a 500, and nothing written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile import DROP, SETTINGS, row_counts
from tests.reliability.test_hostile_api import send
from tests.reliability.test_hostile_forms import _local, bad, signed_in
from tests.reliability.world import decision_body

pytestmark = pytest.mark.slow

KINDS = {"party": ("choice", True), "consulted_at": ("time", True), "mode": ("choice", True),
         "outcome": ("choice", True), "channel": ("name", False), "note": ("text", False)}


@pytest.fixture(scope="module")
def decision_id(world) -> int:
    app, w = world
    response = send(app, w.police_token, "POST", f"/api/v1/incidents/{w.incident_id}/decisions",
                    decision_body(w, "Til formularhøringer"))
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.get_json()["id"])


def _valid() -> dict[str, str]:
    return {"party": "657:kommunaldirektoer", "consulted_at": _local(1), "mode": "approve", "outcome": "agreed",
            "channel": "telefon", "note": "Ringede tilbage"}


@given(data=st.data())
@settings(SETTINGS, max_examples=20)
def test_hostile_append_form_input_is_refused(world, decision_id, data):
    app, _w = world
    form = _valid()
    for name in data.draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=3, unique=True)):
        kind, required = KINDS[name]
        value = data.draw(bad(kind, required))
        if value is DROP:
            form.pop(name, None)
        else:
            form[name] = value
    client = signed_in(app, "politi")
    with app.app_context():
        before = row_counts()
    response = client.post(f"/decisions/{decision_id}/consultations", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code in (400, 422), (response.status_code, form, body[:300])
    assert "error-summary" in body or "error-text" in body or response.status_code == 400, (form, body[:2000])
    with app.app_context():
        after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_the_valid_form_is_accepted(world, decision_id):
    app, _w = world
    response = signed_in(app, "politi").post(f"/decisions/{decision_id}/consultations", data=_valid())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
