"""Several processes log decisions into one incident at once: numbers are exactly 1..N, chain intact."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select

from lbs.decisions import verification
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents import services as incidents
from tests.conftest import make_app
from tests.reliability.world import World, decision_body, prepare_world

WORKERS = 4
PER_WORKER = 6


def _worker(world: World, barrier: object) -> list[int]:
    app = make_app(world.url)
    client = app.test_client()
    numbers = []
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(PER_WORKER):
        response = client.post(f"/api/v1/incidents/{world.incident_id}/decisions",
                               headers={"Authorization": f"Bearer {world.police_token}"},
                               json=decision_body(world, f"Samtidig {i}"))
        assert response.status_code == 201, response.get_data(as_text=True)
        numbers.append(response.get_json()["number"])
    with app.app_context():
        db.engine.dispose()
    return numbers


def test_concurrent_writers_get_gapless_numbers_and_a_valid_chain(fresh_database_url):
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    incident_id = world.incident_id

    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(WORKERS)
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(_worker, [(world, barrier)] * WORKERS)
    got = sorted(n for numbers in results for n in numbers)
    total = WORKERS * PER_WORKER
    assert got == list(range(1, total + 1))

    with app.app_context():
        numbers = db.session.scalars(select(Decision.number).where(Decision.incident_id == incident_id)
                                     .order_by(Decision.number)).all()
        assert numbers == list(range(1, total + 1))
        incident = incidents.get_incident(incident_id)
        result = verification.verify_incident(incident)
        assert result.ok and result.checked == total
        db.session.remove()
        db.engine.dispose()


def test_on_sqlite_a_decision_takes_the_write_lock_at_its_first_write(fresh_database_url):
    """While another connection holds SQLite's write lock, a decision request still reads and validates: one
    refused by validation answers at once (writing nothing), a valid one waits for the lock at its first write
    and is logged when the lock is released. (Before, both waited for the lock at their first read.)"""
    if not fresh_database_url.startswith("sqlite"):
        pytest.skip("SQLite's transaction mode; PostgreSQL reads without a lock anyway")
    world = prepare_world(fresh_database_url)
    app = make_app(fresh_database_url)
    incident_id = world.incident_id
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.police_token}"}

    def body(staff: str) -> dict[str, object]:
        return {**decision_body(world, "Under lås"), "staff": staff}

    holder = sqlite3.connect(fresh_database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        refused = client.post(f"/api/v1/incidents/{incident_id}/decisions", headers=headers, json=body("LBS-X"))
        assert refused.status_code == 422
        assert time.monotonic() - started < 5  # not the 30 s busy timeout
        results: list[object] = []
        writer = threading.Thread(target=lambda: results.append(client.post(
            f"/api/v1/incidents/{incident_id}/decisions", headers=headers, json=body("LBS-O"))))
        writer.start()
        writer.join(1.0)
        assert writer.is_alive() and not results  # waiting for the lock
    finally:
        holder.execute("COMMIT")
        holder.close()
    writer.join(30)
    assert not writer.is_alive()
    (logged,) = results
    assert logged.status_code == 201 and logged.get_json()["number"] == 1  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.scalars(select(Decision.number).where(Decision.incident_id == incident_id)).all() == [1]
        db.session.remove()
        db.engine.dispose()
