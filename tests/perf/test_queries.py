"""No N+1: the number of SQL statements per page and API list does not grow with the data.

Each test seeds synthetic incidents (the same generator as ``seed-demo --decisions``) of two sizes and
counts the statements of the same request on a small and a large incident (or before and after the large
data set is added, for pages that list across incidents). Counts only, no timings.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lbs.decisions.models import Decision
from lbs.decisions.synthetic import seed_synthetic
from lbs.extensions import db
from lbs.incidents.models import Incident
from tests.perf.helpers import count_statements, login, seed_incidents

SMALL = 12
LARGE = 150


INCIDENT_PATHS = [
    "/incidents/{id}",
    "/incidents/{id}?after=6",
    "/incidents/{id}/export/decisions.csv",
    "/incidents/{id}/export/decisions.json",
    "/costs/incidents/{id}",
    "/costs/incidents/{id}?page=2",
    "/consultation/incidents/{id}/compliance",
    "/consultation/incidents/{id}/compliance?gaps=1",
    "/consultation/incidents/{id}/compliance?after=6",
]
API_INCIDENT_PATHS = [
    "/api/v1/incidents/{id}/decisions",
    "/api/v1/incidents/{id}/decisions?after=5&limit=1000",
    "/api/v1/incidents/{id}/decisions.csv",
    "/api/v1/incidents/{id}",
]


@pytest.fixture
def sizes(app: Flask) -> tuple[int, int]:
    small = seed_incidents(SMALL)[0]
    large = seed_incidents(LARGE)[0]
    assert db.session.scalar(select(func.count()).where(Decision.incident_id == large)) == LARGE
    return small, large


@pytest.mark.parametrize("template", INCIDENT_PATHS)
def test_incident_pages_do_not_grow_with_the_log(client: FlaskClient, count_queries: Any, sizes: tuple[int, int],
                                                 template: str) -> None:
    login(client, "politi")
    small, large = sizes
    for i in (small, large):  # warm caches (rules graph, user, the ledger's chart per incident cost version)
        count_statements(count_queries, client, template.format(id=i))
    counts = [count_statements(count_queries, client, template.format(id=i)) for i in (small, large)]
    assert counts[0] == counts[1], f"{template}: {counts[0]} statements for {SMALL} decisions, " \
                                   f"{counts[1]} for {LARGE}"


@pytest.mark.parametrize("template", API_INCIDENT_PATHS)
def test_api_lists_do_not_grow_with_the_log(client: FlaskClient, count_queries: Any, sizes: tuple[int, int],
                                            template: str) -> None:
    from lbs.auth import services as auth

    headers = {"Authorization": f"Bearer {auth.issue_token(username='politi')}"}
    small, large = sizes
    count_statements(count_queries, client, template.format(id=small), headers=headers)
    counts = [count_statements(count_queries, client, template.format(id=i), headers=headers) for i in (small, large)]
    assert counts[0] == counts[1], f"{template}: {counts[0]} statements for {SMALL} decisions, " \
                                   f"{counts[1]} for {LARGE}"


@pytest.mark.parametrize(("username", "path"), [
    ("politi", "/incidents"),
    ("politi", "/api/v1/incidents"),
    ("herning", "/costs/"),
    ("herning", "/costs/?page=2"),
    ("politi", "/costs/"),
    ("politi", "/staffs/LBS-S"),
    ("politi", "/staffs/LBS-O?at=2026-01-15T12:00"),
])
def test_lists_across_incidents_do_not_grow(app: Flask, client: FlaskClient, count_queries: Any, username: str,
                                            path: str) -> None:
    headers: dict[str, str] = {}
    if path.startswith("/api/"):
        from lbs.auth import services as auth

        headers = {"Authorization": f"Bearer {auth.issue_token(username=username)}"}
    else:
        login(client, username)
    seed_incidents(SMALL)
    count_statements(count_queries, client, path, headers=headers)
    small = count_statements(count_queries, client, path, headers=headers)
    seed_incidents(LARGE)
    seed_incidents(SMALL)
    # The first read also computes the new incidents' sums, kept per version afterwards.
    first = count_statements(count_queries, client, path, headers=headers)
    large = count_statements(count_queries, client, path, headers=headers)
    assert small == large, f"{path}: {small} statements before, {large} after adding incidents and decisions"
    assert first - large in (0, 1), f"{path}: {first} statements the first time after adding incidents"


def test_the_wsgi_entry_keeps_start_up_objects_out_of_full_collections(tmp_path: Any) -> None:
    """gunicorn's ``wsgi:app`` freezes what start-up loaded (``gc.freeze``), so that the collector's full
    collections skip the modules, the app and the locale data (77 ms each on the compliance page before)."""
    import os
    import subprocess
    import sys

    from tests.server import ROOT

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'wsgi.db'}", SECRET_KEY="test")
    env.pop("LBS_TEST_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", "import gc; import wsgi; print(gc.get_freeze_count(), "
                          "len(gc.get_objects()), type(wsgi.app).__name__)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout.split()
    frozen, tracked, kind = int(out[0]), int(out[1]), out[2]
    assert kind == "Flask"
    assert frozen > 50_000 and tracked < frozen / 10, out


def _seq_scans(statement: str, parameters: Any) -> list[str]:
    """The tables PostgreSQL's plan for ``statement`` reads whole (besides the few-row reference tables)."""
    plan = [row[0] for row in db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)]
    found = [line.split("Seq Scan on ")[1].split()[0] for line in plan if "Seq Scan on " in line]
    return [table for table in found if table not in ("staffs", "consultation_parties", "people", "organisations")]


def test_the_api_list_reaches_costs_and_consultations_by_index(app: Flask, backend: str, count_queries: Any) -> None:
    """The list of 1 000 decisions reads their cost lines and consultations by the decisions' ids given as
    values (not by the query that selected the page), and PostgreSQL walks the ``decision_id`` indexes for them.
    (Given the subquery, PostgreSQL hashed it against a scan of every cost line and consultation of the
    district: 15 ms each at 100 000, growing with the history.)"""
    from sqlalchemy import event

    from lbs.decisions.read_model import incident_decision_records

    seed_synthetic(decisions=12_000, incidents=3, echo=lambda _m: None)
    incident = max(db.session.scalars(select(Incident.id)))
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE")
    caught: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM cost_lines" in statement or "FROM consultations" in statement:
            caught.append((statement, parameters))

    engine = db.engines[None]
    event.listen(engine, "before_cursor_execute", keep)
    try:
        items = incident_decision_records(incident, limit=1000)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert len(items) == 1000 and all(len(item["costs"]) == len(item["consultations"]) == 1 for item in items)
    assert len(caught) == 2
    for statement, parameters in caught:
        assert "FROM decisions" not in statement, statement
        if backend == "postgresql":
            assert _seq_scans(statement, parameters) == [], statement
    if backend == "postgresql":  # and no parallel plans: at 1 000 000 one took 8.6 ms for the page, 2.3 without
        assert db.session.connection().exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "0"


def _plan(backend: str, statement: str, parameters: Any) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
    rows = db.session.connection().exec_driver_sql(prefix + statement, parameters)
    return [str(row[-1] if backend == "sqlite" else row[0]) for row in rows]


def test_the_review_page_looks_its_decisions_and_cost_lines_up_by_key(
        app: Flask, client: FlaskClient, backend: str) -> None:
    """A page of the review reads its 25 decisions and their cost lines by id, not through the incident's
    index: with the incident in the same WHERE clause, SQLite walked every decision and cost line of the incident
    (12 and 20 ms at 50 000 decisions, the page's time growing with the incident)."""
    from sqlalchemy import event

    seed_synthetic(decisions=3_000, incidents=1, echo=lambda _m: None)
    incident = max(db.session.scalars(select(Incident.id)))
    db.session.commit()
    if backend == "postgresql":  # as seed-demo does; SQLite runs without statistics, as the app leaves it
        db.session.connection().exec_driver_sql("ANALYZE")
    login(client, "politi")
    caught: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT") and ("decisions.id IN" in statement
                                                        or "cost_lines.decision_id IN" in statement):
            caught.append((statement, parameters))

    engine = db.engines[None]
    event.listen(engine, "before_cursor_execute", keep)
    try:
        response = client.get(f"/review/incidents/{incident}")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert response.status_code == 200
    assert b'id="decision-25"' in response.data and b'id="decision-26"' not in response.data
    tables = {"decisions" if "decisions.id IN" in s else "cost_lines" for s, _p in caught}
    assert tables == {"decisions", "cost_lines"}, caught
    for statement, parameters in caught:
        plan = _plan(backend, statement, parameters)
        assert not [line for line in plan if "incident_id" in line and "Sort Key" not in line], (statement, plan)
        if backend == "postgresql":
            assert _seq_scans(statement, parameters) == [], (statement, plan)
