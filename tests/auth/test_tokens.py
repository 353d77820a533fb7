"""API tokens expire and record their use; admin lists and revokes them (contract, *Sessions, passwords, tokens
and caching*: ``token USERNAME [--days N]``, default 90)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from lbs.audit.models import AuditEvent
from lbs.auth import services
from lbs.auth.models import ApiToken
from lbs.extensions import db
from lbs.timeutil import utcnow


def _issue(runner: Any, username: str = "revisor", *days: str) -> tuple[str, ApiToken]:
    result = runner.invoke(args=["lbs", "token", username, *days])
    assert result.exit_code == 0, result.output
    value = result.output.strip()
    stored = db.session.scalars(select(ApiToken).where(ApiToken.prefix == value[:12])).one()
    return value, stored


def _api(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/staffs", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_lasts_90_days_by_default(app: Flask, runner: Any):
    _, stored = _issue(runner)
    assert stored.expires_at - stored.created_at == timedelta(days=90)


def test_a_token_stops_working_after_its_days(app: Flask, client: FlaskClient, runner: Any,
                                              monkeypatch: pytest.MonkeyPatch):
    value, stored = _issue(runner, "revisor", "--days", "2")
    assert stored.expires_at - stored.created_at == timedelta(days=2)
    assert _api(client, value) == 200
    later = utcnow() + timedelta(days=2, seconds=1)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    response = client.get("/api/v1/staffs", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_whose_expiry_has_passed_is_401(app: Flask, client: FlaskClient, runner: Any):
    value, stored = _issue(runner, "politi", "--days", "1")
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _api(client, value) == 401


@pytest.mark.parametrize("days", ["0", "-3", "3651", "x"])
def test_days_out_of_range_issue_nothing(app: Flask, runner: Any, days: str):
    before = db.session.scalars(select(ApiToken)).all()
    result = runner.invoke(args=["lbs", "token", "politi", "--days", days])
    assert result.exit_code != 0
    assert db.session.scalars(select(ApiToken)).all() == before


def test_the_last_use_is_recorded(app: Flask, client: FlaskClient, runner: Any, monkeypatch: pytest.MonkeyPatch):
    value, stored = _issue(runner)
    assert stored.last_used_at is None
    assert _api(client, value) == 200
    db.session.expire_all()
    first = db.session.get(ApiToken, stored.id).last_used_at
    assert first is not None and abs(utcnow() - first) < timedelta(minutes=1)
    assert _api(client, value) == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).last_used_at == first, "written at most once a minute"
    later = utcnow() + timedelta(hours=5)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    assert _api(client, value) == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).last_used_at == later


def test_admin_lists_tokens_with_created_expires_and_last_use(app: Flask, client: FlaskClient, runner: Any,
                                                              login: Any):
    value, stored = _issue(runner, "revisor")
    _api(client, value)
    login("admin")
    page = client.get("/admin/tokens")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert stored.prefix in html and "revisor" in html
    assert "Udløber" in html and "Sidst brugt" in html and "Tilbagekald" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_admin_revokes_one_token_audit_logged(app: Flask, client: FlaskClient, runner: Any, login: Any):
    kept, _ = _issue(runner, "revisor")
    value, stored = _issue(runner, "revisor")
    login("admin")
    response = client.post(f"/admin/tokens/{stored.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/tokens")
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).revoked_at is not None
    assert _api(client, value) == 401
    assert _api(client, kept) == 200, "only the one token is revoked"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "token.revoke")
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None and stored.prefix in event.summary
    g.pop("_login_user", None)
    assert client.post("/admin/tokens/999999/revoke").status_code == 404


def test_revoking_needs_the_csrf_token(app: Flask, client: FlaskClient, runner: Any, login: Any):
    _, stored = _issue(runner, "revisor")
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    g.pop("_login_user", None)
    assert client.post(f"/admin/tokens/{stored.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).revoked_at is None


@pytest.mark.parametrize("username", ["politi", "herning", "revisor"])
def test_only_admin_sees_or_revokes_tokens(app: Flask, client: FlaskClient, runner: Any, login: Any,
                                           username: str):
    _, stored = _issue(runner, "admin")
    login(username)
    assert client.get("/admin/tokens").status_code == 403
    assert client.post(f"/admin/tokens/{stored.id}/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).revoked_at is None
