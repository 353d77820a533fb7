"""A bearer settles a line while police amend its decision with new costs, at the same time (issue 26, part 4):
one of them wins and the other gets a 409; a line is never both settled and superseded, and neither request
fails with a 500 (the cost line change locks the incident row before the line, as the amendment does)."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import select

from lbs.decisions.models import CostLine, CostStatus
from lbs.extensions import db
from tests.conftest import make_app
from tests.reliability.world import World, decision_body, prepare_world

ROUNDS = 3


def _request(world: World, kind: str, target: int, barrier: object) -> tuple[str, int, str]:
    app = make_app(world.url)
    client = app.test_client()
    barrier.wait()  # type: ignore[attr-defined]
    if kind == "settle":
        response = client.patch(f"/api/v1/costs/{target}", headers={"Authorization": f"Bearer {world.herning_token}"},
                                json={"status": "settled", "actual_dkk": "1250.50"})
    else:
        response = client.post(f"/api/v1/decisions/{target}/amendments",
                               headers={"Authorization": f"Bearer {world.police_token}"},
                               json={"reason": "Nyt overslag", "costs": [
                                   {"bearer": world.herning_id, "category": "supplies", "estimate_dkk": "99"}]})
    with app.app_context():
        db.engine.dispose()
    return kind, response.status_code, response.get_data(as_text=True)


def test_settling_and_superseding_at_once_never_both_happen(fresh_database_url):
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    client = app.test_client()
    police = {"Authorization": f"Bearer {world.police_token}"}
    herning = {"Authorization": f"Bearer {world.herning_token}"}
    context = multiprocessing.get_context("spawn")
    manager = context.Manager()
    with context.Pool(2) as pool:
        for round_ in range(ROUNDS):
            logged = client.post(f"/api/v1/incidents/{world.incident_id}/decisions", headers=police,
                                 json=decision_body(world, f"Runde {round_}", with_cost=True)).get_json()
            line_id = logged["costs"][0]["id"]
            assert client.patch(f"/api/v1/costs/{line_id}", headers=herning,
                                json={"status": "accepted"}).status_code == 200
            barrier = manager.Barrier(2)
            results = pool.starmap(_request, [(world, "settle", line_id, barrier),
                                              (world, "amend", logged["id"], barrier)])
            codes = {kind: status for kind, status, _text in results}
            assert sorted(codes.values()) in ([200, 409], [201, 409]), results
            assert codes in ({"settle": 200, "amend": 409}, {"settle": 409, "amend": 201}), results
            with app.app_context():
                line = db.session.scalars(select(CostLine).where(CostLine.id == line_id)).one()
                settled, superseded = line.status is CostStatus.SETTLED, line.superseded_by_id is not None
                assert settled != superseded, (round_, line.status, line.superseded_by_id)
                db.session.remove()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
