"""Several gunicorn worker processes (each with threads) and many client threads write decisions, cost changes
and roster changes at once: nothing acknowledged is lost, numbering stays gapless, the chain verifies, racing
assignments to one seat give exactly one winner, no request fails with 500 and nothing hangs."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select

from lbs.costs.models import CostChange
from lbs.decisions import verification
from lbs.decisions.models import CostLine
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.staffs.models import Assignment
from tests.conftest import make_app
from tests.reliability.world import World, post_decision, prepare_world, stored_decisions, verify_cli
from tests.server import Server

CLIENTS = 6
ROUNDS = 6
RACE_RANK = 900
BASE = datetime(2031, 1, 1, 8, 0).astimezone()


def _client(base: str, world: World, t: int) -> list[tuple[str, Any, int, Any]]:
    """One client thread: per round a decision, a cost change and an assignment, plus one racing assignment."""
    session = requests.Session()
    police = {"Authorization": f"Bearer {world.police_token}"}
    herning = {"Authorization": f"Bearer {world.herning_token}"}
    out: list[tuple[str, Any, int, Any]] = []
    for i in range(ROUNDS):
        title = f"c{t}-{i}"
        r = post_decision(session, base, world, title, with_cost=i % 3 == 0)
        out.append(("decision", title, r.status_code, r.json() if r.status_code == 201 else r.text))

        line_id = world.cost_line_ids[(t + i) % len(world.cost_line_ids)]
        amount = f"{t * 1000 + i + 1}.25"
        r = session.patch(f"{base}/api/v1/costs/{line_id}", json={"actual_dkk": amount}, headers=herning, timeout=60)
        out.append(("cost", (line_id, amount), r.status_code, r.text))

        # One person holds one rank of a seat at a time: each client has a seat of its own, not the first one
        # (world.person_id holds it) and not the last one (raced for below).
        position_id = world.position_ids[1 + t % (len(world.position_ids) - 2)]
        start = BASE + timedelta(days=30 * i)
        r = session.post(f"{base}/api/v1/assignments", headers=police, timeout=60, json={
            "position_id": position_id, "person_id": world.person_id, "rank": 100 + t,
            "valid_from": start.isoformat(), "valid_to": (start + timedelta(days=30)).isoformat()})
        out.append(("assignment", (position_id, 100 + t), r.status_code, r.json() if r.status_code == 201 else r.text))
    # Every client races for the same seat and period: the row lock must let exactly one in.
    r = session.post(f"{base}/api/v1/assignments", headers=police, timeout=60, json={
        "position_id": world.position_ids[-1], "person_id": world.person_id, "rank": RACE_RANK,
        "valid_from": BASE.isoformat(), "valid_to": (BASE + timedelta(days=7)).isoformat()})
    out.append(("race", None, r.status_code, r.json() if r.status_code == 201 else r.text))
    session.close()
    return out


@pytest.mark.slow
def test_processes_and_threads_write_at_once_and_nothing_is_lost(fresh_database_url, tmp_path):
    world = prepare_world(fresh_database_url)
    assert len(world.position_ids) >= CLIENTS + 2
    started = time.monotonic()
    with (Server(fresh_database_url, workers=3, threads=2, log=tmp_path / "gunicorn.log") as server,
          ThreadPoolExecutor(CLIENTS) as pool):
        futures = [pool.submit(_client, server.base, world, t) for t in range(CLIENTS)]
        results = [f.result(timeout=240) for f in futures]  # bounded: a deadlock fails here
    elapsed = time.monotonic() - started
    assert elapsed < 240
    calls = [call for result in results for call in result]
    statuses = Counter((kind, status) for kind, _key, status, _body in calls)
    log = (tmp_path / "gunicorn.log").read_text()
    assert not any(status >= 500 for _k, _key, status, _b in calls), (statuses, log[-3000:])
    assert "Traceback" not in log, log[-3000:]

    # Decisions: every acknowledged one is stored with its number; numbers are exactly 1..N; chain intact.
    acked = {key: body["number"] for kind, key, status, body in calls if kind == "decision" and status == 201}
    assert len(acked) == CLIENTS * ROUNDS, statuses
    stored = stored_decisions(fresh_database_url, world.incident_id)
    assert stored == acked
    assert sorted(stored.values()) == list(range(1, CLIENTS * ROUNDS + 1))

    # Cost changes: every acknowledged change is in the line's history.
    cost_calls = [(key, status) for kind, key, status, _b in calls if kind == "cost"]
    assert all(status == 200 for _key, status in cost_calls), cost_calls
    # Roster: every acknowledged assignment is stored; the race had exactly one winner.
    assignment_ids = {body["id"] for kind, _key, status, body in calls if kind == "assignment" and status == 201}
    assert len(assignment_ids) == CLIENTS * ROUNDS, statuses
    race = Counter(status for kind, _key, status, _b in calls if kind == "race")
    assert race == {201: 1, 422: CLIENTS - 1}, race

    app = make_app(fresh_database_url)
    with app.app_context():
        history = Counter((c.cost_line_id, c.new) for c in db.session.scalars(
            select(CostChange).where(CostChange.field == "actual_dkk")))
        for (line_id, amount), _status in cost_calls:
            assert history[(line_id, str(Decimal(amount)))] == 1, (line_id, amount)
        for line in db.session.scalars(select(CostLine).where(CostLine.id.in_(world.cost_line_ids))):
            changes = [c for c in db.session.scalars(select(CostChange).where(
                CostChange.cost_line_id == line.id, CostChange.field == "actual_dkk").order_by(CostChange.id))]
            assert changes and str(line.actual_dkk) == changes[-1].new  # the last change is the value kept
        stored_ids = set(db.session.scalars(select(Assignment.id).where(Assignment.id.in_(assignment_ids))))
        assert stored_ids == assignment_ids
        winners = db.session.scalars(select(Assignment).where(Assignment.rank == RACE_RANK)).all()
        assert len(winners) == 1
        result = verification.verify_incident(incidents.get_incident(world.incident_id))
        assert result.ok and result.checked == CLIENTS * ROUNDS
        db.session.remove()
        db.engine.dispose()
    verified = verify_cli(fresh_database_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
