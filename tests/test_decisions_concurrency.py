"""Several processes log decisions into one incident at once: numbers are exactly 1..N, chain intact."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lbs.auth import services as auth_services
from lbs.decisions import services
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.incidents.models import IncidentKind
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests.conftest import make_app, prepare_database

WORKERS = 4
PER_WORKER = 6


def _worker(url: str, token: str, incident_id: int, person_id: int, owner_id: int, barrier: object) -> list[int]:
    app = make_app(url)
    client = app.test_client()
    numbers = []
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(PER_WORKER):
        response = client.post(f"/api/v1/incidents/{incident_id}/decisions", headers={
            "Authorization": f"Bearer {token}"}, json={
            "staff": "LBS-O", "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": person_id,
            "owner": owner_id, "type": "other", "title": f"Samtidig {i}", "decision": "x", "rationale": "y"})
        assert response.status_code == 201, response.get_data(as_text=True)
        numbers.append(response.get_json()["number"])
    with app.app_context():
        db.engine.dispose()
    return numbers


def test_concurrent_writers_get_gapless_numbers_and_a_valid_chain(fresh_database_url):
    prepare_database(fresh_database_url)
    app = make_app(fresh_database_url)
    with app.app_context():
        incident = incidents.create_incident(title="Samtidighed", kind=IncidentKind.OTHER,
                                             started_at=utcnow() - timedelta(hours=1), municipality_codes=["657"],
                                             by=None)
        token = auth_services.issue_token(username="politi")
        person_id = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
        owner_id = db.session.scalars(select(Organisation.id).where(Organisation.name == "Herning Kommune")).one()
        incident_id = incident.id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(WORKERS)
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(_worker, [(fresh_database_url, token, incident_id, person_id, owner_id, barrier)] *
                               WORKERS)
    got = sorted(n for numbers in results for n in numbers)
    total = WORKERS * PER_WORKER
    assert got == list(range(1, total + 1))

    with app.app_context():
        numbers = db.session.scalars(select(Decision.number).where(Decision.incident_id == incident_id)
                                     .order_by(Decision.number)).all()
        assert numbers == list(range(1, total + 1))
        incident = incidents.get_incident(incident_id)
        result = services.verify_incident(incident)
        assert result.ok and result.checked == total
        db.session.remove()
        db.engine.dispose()


def test_on_sqlite_a_decision_takes_the_write_lock_at_its_first_write(fresh_database_url):
    """While another connection holds SQLite's write lock, a decision request still reads and validates: one
    refused by validation answers at once (writing nothing), a valid one waits for the lock at its first write
    and is logged when the lock is released. (Before, both waited for the lock at their first read.)"""
    if not fresh_database_url.startswith("sqlite"):
        pytest.skip("SQLite's transaction mode; PostgreSQL reads without a lock anyway")
    prepare_database(fresh_database_url)
    app = make_app(fresh_database_url)
    with app.app_context():
        incident = incidents.create_incident(title="Skrivelås", kind=IncidentKind.OTHER,
                                             started_at=utcnow() - timedelta(hours=1), municipality_codes=["657"],
                                             by=None)
        token = auth_services.issue_token(username="politi")
        person_id = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
        owner_id = db.session.scalars(select(Organisation.id).where(Organisation.name == "Herning Kommune")).one()
        incident_id = incident.id
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def body(staff: str) -> dict[str, object]:
        return {"staff": staff, "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": person_id,
                "owner": owner_id, "type": "other", "title": "Under lås", "decision": "x", "rationale": "y"}

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
