"""A token's last use is recorded on a real database, on a read and on a write: a write request records it in
its own transaction (on SQLite a second transaction would wait for the request's write lock until the busy
timeout and the request would answer 503)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from lbs.auth import services
from lbs.auth.models import ApiToken
from lbs.extensions import db
from lbs.timeutil import utcnow


def _last_used(prefix: str) -> object:
    db.session.rollback()  # the requests share the test's session: start a fresh read
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.prefix == prefix))


def test_a_write_and_a_read_record_the_tokens_use(committed_app: Flask) -> None:
    client = committed_app.test_client()
    token = services.issue_token(username="politi")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/v1/incidents", headers=headers, json={
        "title": "Stormflod", "kind": "storm_surge", "started_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "municipalities": ["657"]})
    assert response.status_code == 201, response.get_json()
    first = _last_used(token[:12])
    assert first is not None
    db.session.execute(ApiToken.__table__.update().values(last_used_at=None))
    db.session.commit()
    assert client.get("/api/v1/incidents", headers=headers).status_code == 200
    assert _last_used(token[:12]) is not None
