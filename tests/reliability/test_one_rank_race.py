"""One person, one rank of a seat at a time, also under concurrent writers: several gunicorn workers receive at
once assignments of the same person to different ranks of one seat for the same period. The ranks differ, so
the same-rank overlap check cannot stop them; only the position's lock around the one-rank check can. Exactly
one is stored, the others are 422 on ``person_id``, none is a 500."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from lbs.extensions import db
from lbs.staffs.models import Assignment
from tests.conftest import make_app
from tests.reliability.world import prepare_world
from tests.server import Server

CLIENTS = 6
START = datetime(2034, 1, 1, 8, 0).astimezone()


@pytest.mark.slow
def test_racing_ranks_of_one_person_give_one_winner(fresh_database_url, tmp_path):
    world = prepare_world(fresh_database_url)
    position_id = world.position_ids[-1]  # a seat world.person_id does not hold
    barrier = threading.Barrier(CLIENTS)

    def client(t: int) -> tuple[int, Any]:
        with requests.Session() as session:
            barrier.wait(timeout=60)
            r = session.post(f"{server.base}/api/v1/assignments", timeout=60,
                             headers={"Authorization": f"Bearer {world.police_token}"},
                             json={"position_id": position_id, "person_id": world.person_id, "rank": 800 + t,
                                   "valid_from": START.isoformat(),
                                   "valid_to": (START + timedelta(days=7)).isoformat()})
            return r.status_code, r.json() if r.headers.get("content-type", "").startswith("application/json") \
                else r.text

    with (Server(fresh_database_url, workers=3, threads=2, log=tmp_path / "gunicorn.log") as server,
          ThreadPoolExecutor(CLIENTS) as pool):
        results = list(pool.map(client, range(CLIENTS), timeout=180))
    log = (tmp_path / "gunicorn.log").read_text()
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 1, 422: CLIENTS - 1}, (results, log[-3000:])
    for status, body in results:
        if status == 422:
            assert set(body["error"]["fields"]) == {"person_id"}, body
    assert "Traceback" not in log, log[-3000:]

    app = make_app(fresh_database_url)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.position_id == position_id, Assignment.person_id == world.person_id))
        assert stored == 1
        db.session.remove()
        db.engine.dispose()
