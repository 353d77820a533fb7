"""Several processes append consultations (and log decisions) in one incident at once: the appended sequence runs
1..N without gap or repeat, and every chain verifies."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

from sqlalchemy import select

from lbs.consultation.models import Consultation
from lbs.decisions import verification
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.timeutil import utcnow
from tests.conftest import make_app
from tests.reliability.world import World, decision_body, prepare_world

WORKERS = 3
PER_WORKER = 5


def _worker(world: World, decision_ids: list[int], barrier: object, index: int) -> int:
    app = make_app(world.url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.police_token}"}
    done = 0
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(PER_WORKER):
        response = client.post(f"/api/v1/decisions/{decision_ids[(index + i) % len(decision_ids)]}/consultations",
                               headers=headers, json={
                                   "party": "657:kommunaldirektoer", "consulted_at": utcnow().isoformat(),
                                   "mode": "consult", "outcome": "agreed", "note": f"{index}-{i}"})
        assert response.status_code == 201, response.get_data(as_text=True)
        done += 1
        if i == 2:  # a decision logged in between takes the same incident row lock
            logged = client.post(f"/api/v1/incidents/{world.incident_id}/decisions", headers=headers,
                                 json=decision_body(world, f"Samtidig {index}"))
            assert logged.status_code == 201, logged.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
    return done


def test_concurrent_appends_get_gapless_seqs_and_valid_chains(fresh_database_url):
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.police_token}"}
    decision_ids = []
    for title in ("A", "B"):
        response = client.post(f"/api/v1/incidents/{world.incident_id}/decisions", headers=headers,
                               json={**decision_body(world, title),
                                     "decided_at": (utcnow() - timedelta(minutes=1)).isoformat()})
        assert response.status_code == 201
        decision_ids.append(response.get_json()["id"])

    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(WORKERS)
    with context.Pool(WORKERS) as pool:
        done = pool.starmap(_worker, [(world, decision_ids, barrier, i) for i in range(WORKERS)])
    total = sum(done)
    assert total == WORKERS * PER_WORKER

    with app.app_context():
        seqs = db.session.scalars(select(Consultation.appended_seq).where(
            Consultation.incident_id == world.incident_id).order_by(Consultation.appended_seq)).all()
        assert seqs == list(range(1, total + 1))
        incident = incidents.get_incident(world.incident_id)
        assert incident.appended_consultations == total
        result = verification.verify_incident(incident)
        assert result.ok and result.checked == 2 + WORKERS, result
        db.session.remove()
        db.engine.dispose()
