"""Amendments form one line: only the current version can be amended (409 naming it, nothing written), a
decision carries ``amended_by``, the amendment reason is its own field (not the delay reason), and costs given
supersede the live lines of the whole line unless one of them is settled (409)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.extensions import db
from lbs.timeutil import utcnow
from tests import factories
from tests.decisions.test_api import body


@pytest.fixture
def incident(app):
    inc = factories.incident()
    db.session.commit()
    return inc


def _count(incident_id: int) -> tuple[int, int]:
    decisions = db.session.scalar(select(func.count()).select_from(Decision).where(Decision.incident_id == incident_id))
    lines = db.session.scalar(select(func.count()).select_from(CostLine).where(CostLine.incident_id == incident_id))
    return decisions, lines


def _line(api, incident, **extra):
    herning = factories.organisation("Herning Kommune").id
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        costs=[{"bearer": herning, "category": "supplies", "estimate_dkk": "10000"}], **extra)).get_json()
    second = api.post(f"/api/v1/decisions/{first['id']}/amendments",
                      json={"reason": "Ny titel", "title": "Afspærring (rettet)"})
    assert second.status_code == 201, second.get_json()
    return first, second.get_json(), herning


def test_a_superseded_version_cannot_be_amended(api_as, incident):
    api = api_as("politi")
    first, second, _ = _line(api, incident)
    assert api.get(f"/api/v1/decisions/{first['id']}").get_json()["amended_by"] == 2
    assert api.get(f"/api/v1/decisions/{second['id']}").get_json()["amended_by"] is None
    before = _count(incident.id)
    fork = api.post(f"/api/v1/decisions/{first['id']}/amendments", json={"reason": "Igen", "title": "Gaffel"})
    assert fork.status_code == 409
    assert fork.get_json()["error"]["message"] == "decision 1 is amended by 2; amend the current version 2"
    assert _count(incident.id) == before
    # The current version is amended as usual; the first now names the newest version as current.
    third = api.post(f"/api/v1/decisions/{second['id']}/amendments", json={"reason": "Igen", "title": "Tredje"})
    assert third.status_code == 201 and third.get_json()["number"] == 3
    again = api.post(f"/api/v1/decisions/{first['id']}/amendments", json={"reason": "Igen"})
    assert again.status_code == 409 and "amend the current version 3" in again.get_json()["error"]["message"]
    assert api.get(f"/api/v1/incidents/{incident.id}/verify").get_json()["ok"] is True


def test_amendment_reason_is_not_the_delay_reason(api_as, login, incident):
    api = api_as("politi")
    _first, second, _ = _line(api, incident)
    assert second["amendment_reason"] == "Ny titel" and second["delay_reason"] is None
    raw = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions.csv").get_data()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[1]["amendment_reason"] == "Ny titel" and rows[1]["delay_reason"] == ""
    reader = login("revisor")
    exported = json.loads(reader.get(f"/incidents/{incident.id}/export/decisions.json").get_data())
    assert exported[1]["amendment_reason"] == "Ny titel" and exported[1]["delay_reason"] is None


def test_costs_given_supersede_the_live_lines_of_the_whole_line(api_as, incident):
    api = api_as("politi")
    first, second, herning = _line(api, incident)  # the second keeps the first's line (no costs of its own)
    third = api.post(f"/api/v1/decisions/{second['id']}/amendments", json={
        "reason": "Nyt overslag", "costs": [{"bearer": herning, "category": "supplies", "estimate_dkk": "12000"}]})
    assert third.status_code == 201, third.get_json()
    line = db.session.get(CostLine, first["costs"][0]["id"])
    db.session.refresh(line)
    assert line.superseded_by_id == third.get_json()["id"]
    costs = api.get(f"/api/v1/incidents/{incident.id}/costs").get_json()
    assert [t["estimate_dkk"] for t in costs["totals"]] == ["12000.00"]


def test_a_settled_line_cannot_be_superseded(api_as, incident):
    api = api_as("politi")
    first, second, herning = _line(api, incident)
    line = db.session.get(CostLine, first["costs"][0]["id"])
    line.status = CostStatus.SETTLED
    db.session.commit()
    before = _count(incident.id)
    refused = api.post(f"/api/v1/decisions/{second['id']}/amendments", json={
        "reason": "Nyt overslag", "costs": [{"bearer": herning, "category": "supplies", "estimate_dkk": "1"}]})
    assert refused.status_code == 409 and "settled" in refused.get_json()["error"]["message"]
    assert _count(incident.id) == before
    db.session.refresh(line)
    assert line.superseded_by_id is None
    # Without costs the amendment is logged and the settled line stays as it is.
    plain = api.post(f"/api/v1/decisions/{second['id']}/amendments", json={"reason": "Kun titlen", "title": "T"})
    assert plain.status_code == 201


def test_a_late_amendment_needs_no_separate_delay_reason(api_as, incident):
    api = api_as("politi")
    old = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        decided_at=(utcnow() - timedelta(hours=2)).isoformat(), delay_reason="Registreret efter mødet")).get_json()
    amended = api.post(f"/api/v1/decisions/{old['id']}/amendments", json={"reason": "Rettelse"})
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["delay_reason"] is None and amended.get_json()["amendment_reason"] == "Rettelse"
