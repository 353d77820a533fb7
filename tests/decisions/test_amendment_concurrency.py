"""Several processes amend one decision at once: exactly one amendment is logged, the others get a 409 naming
it, and the chain stays intact (the check runs under the incident's row lock)."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import select

from lbs.decisions import verification
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents import services as incidents
from tests.conftest import make_app
from tests.reliability.world import World, decision_body, prepare_world

WORKERS = 4


def _amend(world: World, decision_id: int, barrier: object, index: int) -> tuple[int, str]:
    app = make_app(world.url)
    client = app.test_client()
    barrier.wait()  # type: ignore[attr-defined]
    response = client.post(f"/api/v1/decisions/{decision_id}/amendments",
                           headers={"Authorization": f"Bearer {world.police_token}"},
                           json={"reason": f"Rettelse {index}", "title": f"Rettet af {index}"})
    with app.app_context():
        db.engine.dispose()
    return response.status_code, response.get_data(as_text=True)


def test_concurrent_amendments_of_one_version_log_exactly_one(fresh_database_url):
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    client = app.test_client()
    logged = client.post(f"/api/v1/incidents/{world.incident_id}/decisions",
                         headers={"Authorization": f"Bearer {world.police_token}"},
                         json=decision_body(world, "Oprindelig", with_cost=True))
    assert logged.status_code == 201, logged.get_data(as_text=True)
    original_id = logged.get_json()["id"]

    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(WORKERS)
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(_amend, [(world, original_id, barrier, i) for i in range(WORKERS)])
    statuses = sorted(status for status, _text in results)
    assert statuses == [201] + [409] * (WORKERS - 1), results
    for status, text in results:
        if status == 409:
            assert "decision 1 is amended by 2; amend the current version 2" in text

    with app.app_context():
        rows = db.session.execute(select(Decision.number, Decision.amends_id)
                                  .where(Decision.incident_id == world.incident_id)
                                  .order_by(Decision.number)).all()
        assert rows == [(1, None), (2, original_id)]
        result = verification.verify_incident(incidents.get_incident(world.incident_id))
        assert result.ok and result.checked == 2
        db.session.remove()
        db.engine.dispose()
