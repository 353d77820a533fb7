"""What the statement-count tests share: a district of synthetic incidents, signing in, counting a page's
statements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from lbs.decisions.synthetic import seed_synthetic
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality

MUNICIPALITIES = 11


def seed_incidents(per_incident: int) -> list[int]:
    """One synthetic incident per demo municipality, ``per_incident`` decisions each; their ids."""
    before = set(db.session.scalars(select(Incident.id)))
    count = int(db.session.scalar(select(func.count()).select_from(Municipality)) or 0)
    assert count == MUNICIPALITIES
    seed_synthetic(decisions=per_incident * count, incidents=count, echo=lambda _m: None)
    return sorted(set(db.session.scalars(select(Incident.id))) - before)


def login(client: FlaskClient, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": "demo"})
    assert response.status_code == 302


def count_statements(count_queries: Callable[[], Any], client: FlaskClient, path: str, **kw: Any) -> int:
    with count_queries() as counter:
        response = client.get(path, **kw)
        body = response.get_data()
    assert response.status_code == 200, (path, response.status_code)
    assert body
    return len(counter.statements)
