"""The demo's open proposal: Herning finds its request waiting; the demo's decisions are unchanged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lbs.auth.models import User
from lbs.decisions.models import Decision
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.hearing.reads import waiting_count
from lbs.incidents.models import Incident
from tests.hearing.api_support import when


def test_herning_has_the_demo_request_waiting(api_as):
    demo = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    proposals = api_as("politi").get(f"/api/v1/incidents/{demo.id}/proposals").get_json()
    assert [p["status"] for p in proposals] == ["open"]
    proposal = proposals[0]
    assert proposal["type"] in ("evacuation", "shelter")
    assert any(c["bearer"] == proposal["owner"] for c in proposal["costs"])
    waiting = api_as("herning").get("/api/v1/consultation-requests?status=open").get_json()
    asked = {r["id"] for r in proposal["requests"]}
    assert asked and asked <= {r["id"] for r in waiting}
    assert all(r["party"].startswith("657:") for r in proposal["requests"])
    for request in proposal["requests"]:
        assert timedelta(hours=1) < when(request["respond_by"]) - when(request["requested_at"]) <= timedelta(hours=6)
    herning = db.session.scalars(select(User).where(User.username == "herning")).one()
    holstebro = db.session.scalars(select(User).where(User.username == "holstebro")).one()
    assert waiting_count(herning) == len(asked) and waiting_count(holstebro) == 0


def test_the_demo_keeps_its_six_decisions(app):
    demo = select(Incident.id).where(Incident.title == DEMO_TITLE).scalar_subquery()
    assert db.session.scalar(select(func.count()).select_from(Decision).where(Decision.incident_id == demo)) == 6
