"""Closing and reopening under concurrent writers, over committed databases: closings (or reopenings) racing
each other succeed once; a closing waits for a decision being logged and then judges its end against it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from lbs.database import write_intent
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentEvent, IncidentEventKind, IncidentStatus
from lbs.timeutil import utcnow
from tests import factories
from tests.conftest import make_app
from tests.reliability.world import World, prepare_world

RACERS = 4


def _race(app: Flask, world: World, path: str, body: dict[str, Any]) -> list[int]:
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def run() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {world.police_token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(statuses)


def _events(app: Flask, incident_id: int) -> list[IncidentEventKind]:
    with app.app_context():
        kinds = list(db.session.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id)
                                        .order_by(IncidentEvent.id)))
        db.session.remove()
    return kinds


def test_racing_closings_and_reopenings_each_succeed_once(fresh_database_url):
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    base = f"/api/v1/incidents/{world.incident_id}"
    assert _race(app, world, f"{base}/close", {}) == [200] + [409] * (RACERS - 1)
    assert _events(app, world.incident_id) == [IncidentEventKind.CLOSED]
    assert _race(app, world, f"{base}/reopen", {"reason": "Samtidig"}) == [200] + [409] * (RACERS - 1)
    assert _events(app, world.incident_id) == [IncidentEventKind.CLOSED, IncidentEventKind.REOPENED]
    with app.app_context():
        incident = db.session.get(Incident, world.incident_id)
        assert incident is not None and incident.status is IncidentStatus.ACTIVE and incident.ended_at is None
        db.session.remove()
        db.engine.dispose()


def test_a_closing_waits_for_a_decision_being_logged_and_judges_against_it(fresh_database_url):
    """A decision holds the incident row (as logging one does) and is decided a moment from now. A closing
    "now" sent meanwhile waits for it, then sees it: its end would be before the last decision, a 422."""
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    holder = make_app(fresh_database_url)
    results: list[Any] = []
    with holder.app_context(), write_intent():
        incident = db.session.get(Incident, world.incident_id)
        assert incident is not None
        factories.decision_with_costs(incident, decided_at=utcnow() + timedelta(minutes=2))  # takes the row
        closer = threading.Thread(target=lambda: results.append(app.test_client().post(
            f"/api/v1/incidents/{world.incident_id}/close",
            headers={"Authorization": f"Bearer {world.police_token}"})))
        closer.start()
        closer.join(1.5)
        assert closer.is_alive() and not results  # waiting for the decision's lock
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    closer.join(60)
    assert not closer.is_alive()
    (response,) = results
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "last decision" in response.get_json()["error"]["message"]
    with app.app_context():
        incident = db.session.get(Incident, world.incident_id)
        assert incident is not None and incident.status is IncidentStatus.ACTIVE
        assert db.session.scalar(select(func.count()).select_from(IncidentEvent)) == 0
        db.session.remove()
        db.engine.dispose()
