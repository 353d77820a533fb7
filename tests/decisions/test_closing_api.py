"""The API of closing and reopening: defaults, the error precedence (401, 403, 404, 400, 422, 409), the
incident's JSON shape, and decisions after a reopening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.extensions import db
from lbs.incidents.models import IncidentEvent
from lbs.timeutil import parse_iso_aware, utcnow
from tests import factories
from tests.decisions.test_api import body

INCIDENT_KEYS = {"id", "title", "kind", "started_at", "ended_at", "municipalities", "status", "exercise",
                 "description"}


@pytest.fixture
def incident(app):
    created = factories.incident("Lukkes via API", started_at=utcnow() - timedelta(hours=3))
    db.session.commit()
    return created


def _events(incident_id: int) -> int:
    return int(db.session.scalar(select(func.count()).select_from(IncidentEvent)
                                 .where(IncidentEvent.incident_id == incident_id)) or 0)


def test_close_without_a_body_ends_now_and_reopen_needs_a_reason(api_as, incident):
    api = api_as("politi")
    before = utcnow()
    closed = api.post(f"/api/v1/incidents/{incident.id}/close")
    assert closed.status_code == 200, closed.get_data(as_text=True)
    data = closed.get_json()
    assert set(data) == INCIDENT_KEYS and data["status"] == "closed"
    assert before - timedelta(seconds=1) <= parse_iso_aware(data["ended_at"]) <= utcnow()
    url = f"/api/v1/incidents/{incident.id}/reopen"
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": None}, {"reason": 5}, {"reason": "x" * 10_001},
                {"reason": "a\x00b"}):
        response = api.post(url, json=bad)
        assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"], bad
    reopened = api.post(url, json={"reason": " Ny brand i lageret "})
    assert reopened.status_code == 200
    data = reopened.get_json()
    assert set(data) == INCIDENT_KEYS and data["status"] == "active" and data["ended_at"] is None
    assert api.get(f"/api/v1/incidents/{incident.id}").get_json()["status"] == "active"
    assert api.post(url, json={"reason": "Igen"}).status_code == 409
    assert api.post(url, json={}).status_code == 422  # 422 before 409
    assert _events(incident.id) == 2


def test_a_reopened_incident_takes_decisions_until_closed_again(api_as, incident):
    api = api_as("admin")
    decisions = f"/api/v1/incidents/{incident.id}/decisions"
    assert api.post(f"/api/v1/incidents/{incident.id}/close", json={}).status_code == 200
    assert api.post(decisions, json=body()).status_code == 409
    assert api.post(f"/api/v1/incidents/{incident.id}/reopen", json={"reason": "Vandet steg igen"}).status_code == 200
    logged = api.post(decisions, json=body(decided_at=(utcnow() - timedelta(minutes=1)).isoformat()))
    assert logged.status_code == 201, logged.get_data(as_text=True)
    decided_at = logged.get_json()["decided_at"]
    early = (parse_iso_aware(decided_at) - timedelta(seconds=1)).isoformat()
    response = api.post(f"/api/v1/incidents/{incident.id}/close", json={"ended_at": early})
    assert response.status_code == 422 and "ended_at" in response.get_json()["error"]["fields"]
    assert "last decision" in response.get_json()["error"]["message"]
    closed = api.post(f"/api/v1/incidents/{incident.id}/close", json={"ended_at": decided_at})
    assert closed.status_code == 200 and parse_iso_aware(closed.get_json()["ended_at"]) == parse_iso_aware(decided_at)
    assert api.post(decisions, json=body()).status_code == 409
    assert _events(incident.id) == 3


def test_close_refuses_bad_end_times_before_the_conflict(api_as, incident):
    api = api_as("politi")
    url = f"/api/v1/incidents/{incident.id}/close"
    bad_times = [(utcnow() + timedelta(minutes=2)).isoformat(), (utcnow() - timedelta(hours=4)).isoformat(),
                 "2026-11-28T14:05:00", "i går", 5, True]
    for value in bad_times:
        response = api.post(url, json={"ended_at": value})
        assert response.status_code == 422 and "ended_at" in response.get_json()["error"]["fields"], value
    assert api.post(url, data="{x").status_code == 400
    assert api.post(url, data="[]").status_code == 422
    assert _events(incident.id) == 0
    at = (utcnow() - timedelta(hours=1)).isoformat()
    assert api.post(url, json={"ended_at": at}).status_code == 200
    assert api.post(url, json={"ended_at": at}).status_code == 409
    assert api.post(url, json={"ended_at": bad_times[0]}).status_code == 422  # 422 before 409
    assert api.post(url, data="{x").status_code == 400
    assert _events(incident.id) == 1


def test_who_may_close_and_reopen(api_as, client, incident):
    for action in ("close", "reopen"):
        url = f"/api/v1/incidents/{incident.id}/{action}"
        assert client.post(url, json={"reason": "x"}).status_code == 401
        assert api_as("revisor").post(url, json={"reason": "x"}).status_code == 403
        assert api_as("herning").post("/api/v1/incidents/999999/" + action, data="{x").status_code == 403
        assert api_as("politi").post("/api/v1/incidents/999999/" + action, data="{x").status_code == 404
        assert api_as("politi").post(url, data="{x").status_code == 400
    assert _events(incident.id) == 0


def test_openapi_documents_the_reopening(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/incidents/{incident_id}/reopen"]["post"]
    assert operation["operationId"] == "reopenIncident"
    assert {"200", "400", "404", "409", "422"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["IncidentReopenInput"]
    assert schema["required"] == ["reason"]
