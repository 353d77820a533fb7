"""Shared set-up for the reliability tests that run a real server over a committed database."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import select

from lbs.auth import services as auth_services
from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.incidents.models import IncidentKind
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person, Position, Staff
from lbs.timeutil import utcnow
from tests.conftest import make_app, prepare_database
from tests.server import ROOT


@dataclass(frozen=True)
class World:
    url: str
    incident_id: int
    person_id: int
    herning_id: int
    police_token: str
    herning_token: str
    cost_line_ids: list[int]
    position_ids: list[int]


def prepare_world(url: str) -> World:
    """A migrated, seeded database with a fresh active incident and tokens for politi and herning."""
    prepare_database(url)
    app = make_app(url)
    with app.app_context():
        incident = incidents.create_incident(title="Pålidelighed", kind=IncidentKind.OTHER,
                                             started_at=utcnow() - timedelta(hours=1), municipality_codes=["657"],
                                             by=None)
        police_token = auth_services.issue_token(username="politi")
        herning_token = auth_services.issue_token(username="herning")
        person_id = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
        herning_id = db.session.scalars(select(Organisation.id).where(Organisation.name == "Herning Kommune")).one()
        lines = list(db.session.scalars(select(CostLine.id).where(
            CostLine.bearer_id == herning_id, CostLine.status == CostStatus.ESTIMATED,
            CostLine.superseded_by_id.is_(None)).order_by(CostLine.id)))
        positions = list(db.session.scalars(select(Position.id).join(Staff).where(Staff.code == "LBS-O")
                                            .order_by(Position.id)))
        world = World(url=url, incident_id=incident.id, person_id=person_id, herning_id=herning_id,
                      police_token=police_token, herning_token=herning_token, cost_line_ids=lines,
                      position_ids=positions)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert len(world.cost_line_ids) >= 3 and len(world.position_ids) >= 4
    return world


def decision_body(world: World, title: str, *, with_cost: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "staff": "LBS-O", "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": world.person_id,
        "owner": world.herning_id, "type": "other", "title": title, "decision": "Besluttet", "rationale": "Fordi",
    }
    if with_cost:
        body["costs"] = [{"bearer": world.herning_id, "category": "supplies", "estimate_dkk": "1250.50"}]
    return body


def post_decision(session: requests.Session, base: str, world: World, title: str, **kwargs: Any) -> requests.Response:
    return session.post(f"{base}/api/v1/incidents/{world.incident_id}/decisions", json=decision_body(
        world, title, **kwargs), headers={"Authorization": f"Bearer {world.police_token}"}, timeout=60)


def stored_decisions(url: str, incident_id: int) -> dict[str, int]:
    """title → number of every decision stored in the incident."""
    app = make_app(url)
    with app.app_context():
        rows = db.session.execute(select(Decision.title, Decision.number)
                                  .where(Decision.incident_id == incident_id)).all()
        db.session.remove()
        db.engine.dispose()
    return {title: number for title, number in rows}


def verify_cli(url: str) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi lbs verify`` against ``url`` in its own process."""
    import os

    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="reliability-test")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "lbs", "verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
