"""Races over one proposal, in separate processes over a committed database: two decides at once log exactly one
decision; an answer racing a decide ends up as exactly one consultation of the decision, never lost."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from lbs.consultation.hearings import ConsultationRequest, Proposal, ProposalStatus, RequestStatus
from lbs.consultation.models import Consultation, Party
from lbs.decisions import verification
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.timeutil import utcnow
from tests.conftest import make_app
from tests.hearing.conftest import proposal_body
from tests.reliability.world import World, prepare_world

ROUNDS = 4


def _worker(world: World, token: str, tasks: list[tuple[str, Any]], barrier: object) -> list[int]:
    """Run one request per round, each after both workers reach the barrier; return the statuses."""
    app = make_app(world.url)
    client = app.test_client()
    statuses = []
    for path, body in tasks:
        barrier.wait()  # type: ignore[attr-defined]
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code != 500, response.get_data(as_text=True)
        statuses.append(response.status_code)
    with app.app_context():
        db.engine.dispose()
    return statuses


def _proposals(world: World, count: int) -> list[dict[str, Any]]:
    app = make_app(world.url)
    client = app.test_client()
    made = []
    with app.app_context():
        for i in range(count):
            response = client.post(f"/api/v1/incidents/{world.incident_id}/proposals",
                                   json=proposal_body(title=f"Kapløb {i}"),
                                   headers={"Authorization": f"Bearer {world.police_token}"})
            assert response.status_code == 201, response.get_data(as_text=True)
            made.append(response.get_json())
        db.session.remove()
        db.engine.dispose()
    return made


def _decide(world: World) -> dict[str, Any]:
    return {"decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": world.person_id}


def _race(world: World, first: tuple[str, list[tuple[str, Any]]],
          second: tuple[str, list[tuple[str, Any]]]) -> list[list[int]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(2)
    with context.Pool(2) as pool:
        return pool.starmap(_worker, [(world, token, tasks, barrier) for token, tasks in (first, second)])


def test_two_decides_of_one_proposal_log_exactly_one_decision(fresh_database_url):
    world = prepare_world(fresh_database_url)
    made = _proposals(world, ROUNDS)
    tasks = [(f"/api/v1/proposals/{p['id']}/decide", _decide(world)) for p in made]
    first, second = _race(world, (world.police_token, tasks), (world.police_token, tasks))
    for a, b in zip(first, second, strict=True):
        assert sorted((a, b)) == [201, 409]
    app = make_app(fresh_database_url)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)
                                 .where(Decision.incident_id == world.incident_id)) == ROUNDS
        for p in made:
            proposal = db.session.get(Proposal, p["id"])
            assert proposal is not None and proposal.status is ProposalStatus.DECIDED
            assert db.session.scalar(select(func.count()).select_from(Decision)
                                     .where(Decision.id == proposal.decision_id)) == 1
        assert verification.verify_incident(incidents.get_incident(world.incident_id)).ok
        db.session.remove()
        db.engine.dispose()


def test_an_answer_racing_a_decide_becomes_exactly_one_consultation(fresh_database_url):
    world = prepare_world(fresh_database_url)
    made = _proposals(world, ROUNDS)
    asks = [next(r for r in p["requests"] if r["party"] == "657:borgmester") for p in made]
    decides = [(f"/api/v1/proposals/{p['id']}/decide", _decide(world)) for p in made]
    answers = [(f"/api/v1/consultation-requests/{r['id']}/answer",
                {"outcome": "agreed_with_reservation", "comment": f"Forbehold {i}"}) for i, r in enumerate(asks)]
    deciding, answering = _race(world, (world.police_token, decides), (world.herning_token, answers))
    assert deciding == [201] * ROUNDS and answering == [200] * ROUNDS
    app = make_app(fresh_database_url)
    with app.app_context():
        for i, (p, ask) in enumerate(zip(made, asks, strict=True)):
            request = db.session.get(ConsultationRequest, ask["id"])
            proposal = db.session.get(Proposal, p["id"])
            assert request is not None and proposal is not None
            assert request.status is RequestStatus.ANSWERED and request.decision_id == proposal.decision_id
            found = db.session.scalars(
                select(Consultation).join(Party, Party.id == Consultation.party_id)
                .where(Party.key == "657:borgmester", Consultation.decision_id == proposal.decision_id)).all()
            assert len(found) == 1, (i, found)
            assert request.consultation_id == found[0].id
            assert (found[0].channel, found[0].note, found[0].outcome.value) == (
                "lbs", f"Forbehold {i}", "agreed_with_reservation")
        assert verification.verify_incident(incidents.get_incident(world.incident_id)).ok
        db.session.remove()
        db.engine.dispose()
