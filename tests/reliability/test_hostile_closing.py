"""Hostile input on closing and reopening an incident, through the API and the HTML forms: every invalid
submission is refused (4xx with a message, or the form with a visible error), never a 500, nothing is
written, and the incident keeps its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.incidents.models import Incident, IncidentKind, IncidentStatus
from lbs.timeutil import to_local, utcnow
from tests.hostile import DROP, SETTINGS, hostile_body, row_counts
from tests.reliability.test_hostile_api import assert_refused, send
from tests.reliability.test_hostile_forms import BAD_LOCAL_TIMES, bad_text, signed_in
from tests.reliability.world import World, decision_body

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Incidents:
    active: int  # started two hours ago, its last decision decided a minute before the tests
    closed: int
    started_at: str  # ISO
    last_decided_at: str  # ISO


def _create(title: str, *, closed: bool) -> int:
    incident = incidents.create_incident(title=title, kind=IncidentKind.FIRE, started_at=utcnow() - timedelta(hours=2),
                                         municipality_codes=["657"], by=None)
    if closed:
        incident.status, incident.ended_at = IncidentStatus.CLOSED, utcnow() - timedelta(minutes=5)
    return incident.id


@pytest.fixture(scope="module")
def targets(world: tuple[Flask, World]) -> Incidents:
    app, w = world
    with app.app_context():
        active = _create("Fjendtlig afslutning", closed=False)
        closed = _create("Fjendtlig genåbning", closed=True)
        found = db.session.get(Incident, active)
        assert found is not None
        started_at = found.started_at.isoformat()
        db.session.commit()
        db.session.remove()
    logged = send(app, w.police_token, "POST", f"/api/v1/incidents/{active}/decisions",
                  decision_body(w, "Sidste beslutning før afslutningen"))
    assert logged.status_code == 201, logged.get_data(as_text=True)
    return Incidents(active=active, closed=closed, started_at=started_at,
                     last_decided_at=logged.get_json()["decided_at"])


def _status(app: Flask, incident_id: int) -> IncidentStatus:
    with app.app_context():
        found = db.session.get(Incident, incident_id)
        assert found is not None
        status = found.status
        db.session.remove()
    return status


def _before(iso: str, **delta: float) -> str:
    from lbs.timeutil import parse_iso_aware

    return (parse_iso_aware(iso) - timedelta(**delta)).isoformat()


@given(data=st.data())
@SETTINGS
def test_hostile_close_bodies_are_refused(world, targets, data):
    app, w = world
    body = data.draw(st.one_of(
        hostile_body({"ended_at": (utcnow() - timedelta(minutes=1)).isoformat()}, {"ended_at": ("time", False)}),
        st.builds(lambda minutes: {"ended_at": (utcnow() + timedelta(minutes=minutes)).isoformat()},
                  st.integers(min_value=1, max_value=10**6)),
        st.just({"ended_at": _before(targets.started_at, seconds=1)}),
        st.just({"ended_at": _before(targets.last_decided_at, microseconds=1)}),
        st.just({"ended_at": "2026-11-28T14:05:00"}),
    ))
    assert_refused(app, w.police_token, "POST", f"/api/v1/incidents/{targets.active}/close", body)
    assert _status(app, targets.active) is IncidentStatus.ACTIVE


@given(data=st.data())
@SETTINGS
def test_hostile_reopen_bodies_are_refused(world, targets, data):
    app, w = world
    body = data.draw(st.one_of(
        hostile_body({"reason": "Branden blussede op"}, {"reason": ("text", True)}),
        st.sampled_from([{}, {"reason": "\u00a0"}, {"reason": "\n\t"}, {"why": "x"}, [], "x", None]),
    ))
    assert_refused(app, w.police_token, "POST", f"/api/v1/incidents/{targets.closed}/reopen", body)
    assert _status(app, targets.closed) is IncidentStatus.CLOSED


def _post_form(app: Flask, path: str, form: dict[str, Any]) -> None:
    client = signed_in(app, "politi")
    with app.app_context():
        before = row_counts()
    response = client.post(path, data=form)
    body = response.get_data(as_text=True)
    assert response.status_code in (400, 422), (response.status_code, form, body[:300])
    assert "error-summary" in body or "error-text" in body or response.status_code == 400, (form, body[:2000])
    with app.app_context():
        after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def _local(value: Any) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M:%S")


@given(data=st.data())
@settings(SETTINGS, max_examples=15)
def test_hostile_close_forms_are_refused(world, targets, data):
    app, _w = world
    from lbs.timeutil import parse_iso_aware

    value = data.draw(st.one_of(
        BAD_LOCAL_TIMES, st.just(DROP), st.sampled_from(["", "   "]),
        st.just(_local(utcnow() + timedelta(hours=1))),
        st.just(_local(parse_iso_aware(targets.started_at) - timedelta(minutes=1))),
        st.just(_local(parse_iso_aware(targets.last_decided_at) - timedelta(seconds=1))),
    ))
    form = {} if value is DROP else {"ended_at": value}
    _post_form(app, f"/incidents/{targets.active}/close", form)
    assert _status(app, targets.active) is IncidentStatus.ACTIVE


@given(data=st.data())
@settings(SETTINGS, max_examples=15)
def test_hostile_reopen_forms_are_refused(world, targets, data):
    app, _w = world
    value = data.draw(bad_text(10_000, required=True))
    form = {} if value is DROP else {"reason": value}
    _post_form(app, f"/incidents/{targets.closed}/reopen", form)
    assert _status(app, targets.closed) is IncidentStatus.CLOSED


def test_valid_bodies_are_still_accepted(world):
    """The strategies above start from valid bodies and forms: those are accepted (the tests can fail)."""
    app, w = world
    with app.app_context():
        incident_id = _create("Gyldig afslutning", closed=False)
        db.session.commit()
        db.session.remove()
    closed = send(app, w.police_token, "POST", f"/api/v1/incidents/{incident_id}/close",
                  {"ended_at": (utcnow() - timedelta(minutes=1)).isoformat()})
    assert closed.status_code == 200, closed.get_data(as_text=True)
    reopened = send(app, w.police_token, "POST", f"/api/v1/incidents/{incident_id}/reopen",
                    {"reason": "Branden blussede op"})
    assert reopened.status_code == 200, reopened.get_data(as_text=True)
    client = signed_in(app, "politi")
    form = client.post(f"/incidents/{incident_id}/close", data={"ended_at": _local(utcnow() - timedelta(seconds=5))})
    assert form.status_code == 302, form.get_data(as_text=True)[:2000]
    again = client.post(f"/incidents/{incident_id}/reopen", data={"reason": "Branden blussede op igen"})
    assert again.status_code == 302 and _status(app, incident_id) is IncidentStatus.ACTIVE
