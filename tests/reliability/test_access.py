"""Access: municipal scoping through ids in URLs and bodies, CSRF on every HTML form, session expiry, password
hashing, API tokens (hashed, shown once, revocable) and Secure cookies over HTTPS behind a proxy."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, Response
from sqlalchemy import func, select

from lbs.auth.models import ApiToken, User
from lbs.decisions.models import CostLine, CostStatus
from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person, Position
from lbs.timeutil import utcnow
from tests import factories
from tests.conftest import make_app, prepare_database


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) or 0 for t in db.metadata.sorted_tables}


def herning_line() -> CostLine:
    herning = db.session.scalars(select(Organisation.id).where(Organisation.name == "Herning Kommune")).one()
    return db.session.scalars(select(CostLine).where(CostLine.bearer_id == herning,
                                                     CostLine.status == CostStatus.ESTIMATED)
                              .order_by(CostLine.id)).first()


# ---------------------------------------------------------------- municipal scoping


def test_holstebro_cannot_change_hernings_cost_line_through_the_api(app, api_as):
    line = herning_line()
    before = counts()
    for body in ({"actual_dkk": "1.00"}, {"status": "accepted"}, {"note": "x"}, {"bearer": 1, "actual_dkk": "2"}):
        response = api_as("holstebro").patch(f"/api/v1/costs/{line.id}", json=body)
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["message"]
    for user in ("politi", "admin", "revisor"):
        assert api_as(user).patch(f"/api/v1/costs/{line.id}", json={"actual_dkk": "1.00"}).status_code == 403
    tokens_issued = 7  # one ApiToken row and one audit event per api_as call above
    after = counts()
    assert after["api_tokens"] - before["api_tokens"] == tokens_issued
    assert {k: v for k, v in after.items() if k not in ("api_tokens", "audit_events")} == \
           {k: v for k, v in before.items() if k not in ("api_tokens", "audit_events")}
    db.session.refresh(line)
    assert line.actual_dkk is None and line.status is CostStatus.ESTIMATED
    # The bearer's own user may (the test can fail).
    assert api_as("herning").patch(f"/api/v1/costs/{line.id}", json={"actual_dkk": "1.00"}).status_code == 200


@pytest.mark.parametrize("action", ["accept", "dispute", "settle", "actual", "budget-note"])
def test_holstebro_cannot_change_hernings_cost_line_through_the_forms(app, client, login, action):
    line = herning_line()
    login("holstebro")
    before = counts()
    response = client.post(f"/costs/lines/{line.id}/{action}", data={
        "accept-actual": "1,00", "dispute-reason": "x", "dispute-informed": "y", "settle-actual": "1,00",
        "actual-actual": "1,00", "budget-budget_note": "none"})
    assert response.status_code == 403
    assert counts() == before
    db.session.refresh(line)
    assert line.actual_dkk is None and line.status is CostStatus.ESTIMATED


def test_a_municipality_user_cannot_log_decisions_or_change_rosters(app, api_as):
    api = api_as("herning")
    incident_id = 1
    person = db.session.scalars(select(Person.id).order_by(Person.id)).first()
    position = db.session.scalars(select(Position.id).order_by(Position.id)).first()
    herning = db.session.scalars(select(Organisation.id).where(Organisation.name == "Herning Kommune")).one()
    before = counts()
    decision = {"staff": "LBS-O", "decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": person,
                "owner": herning, "type": "other", "title": "x", "decision": "x", "rationale": "x"}
    assert api.post(f"/api/v1/incidents/{incident_id}/decisions", json=decision).status_code == 403
    assert api.post("/api/v1/assignments", json={"position_id": position, "person_id": person, "rank": 9,
                                                 "valid_from": "2030-01-01T00:00:00Z"}).status_code == 403
    assert api.post("/api/v1/people", json={"name": "x", "job_title": "y", "organisation_id": herning}
                    ).status_code == 403
    assert api.post("/api/v1/incidents", json={}).status_code == 403
    assert counts() == before


# ---------------------------------------------------------------- CSRF on every form

SAMPLE = {"incident_id": 1, "decision_id": 1, "position_id": 23, "person_id": 1, "assignment_id": 1,
          "line_id": 1, "rule_id": 1, "code": "LBS-O", "request_id": 1, "proposal_id": 1,
          "notification_id": 1, "mail_id": 1, "user_id": 1, "token_id": 1}


def html_post_paths(app: Flask) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(SAMPLE[name]), path)
        paths.append(path)
    return paths


def sign_in_without_csrf(client: Any, username: str) -> None:
    user = db.session.scalars(select(User).where(User.username == username)).one()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


@pytest.mark.parametrize("username", ["politi", "admin", "herning", None])
def test_every_html_post_needs_a_csrf_token(app, client, username):
    app.config["WTF_CSRF_ENABLED"] = True
    paths = html_post_paths(app)
    assert len(paths) >= 20 and "/login" in paths and "/logout" in paths
    if username:
        sign_in_without_csrf(client, username)
        assert client.get("/incidents").status_code == 200  # signed in
    before = counts()
    for path in paths:
        response = client.post(path, data={"title": "x", "username": "politi", "password": "demo", "lang": "en"})
        assert response.status_code == 400, (path, response.status_code)
        assert counts() == before, path
    # With a token from the page, the same sign-in goes through (the test can fail).
    if username is None:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token
        response = client.post("/login", data={"username": "politi", "password": "demo", "csrf_token": token[1]})
        assert response.status_code == 302


# ---------------------------------------------------------------- sessions, passwords, tokens


def test_sessions_expire(fresh_database_url):
    # Its own app and database, with no app context held across requests (that would cache the signed-in user).
    prepare_database(fresh_database_url)
    app = make_app(fresh_database_url, PERMANENT_SESSION_LIFETIME=timedelta(seconds=1))
    client = app.test_client()
    assert client.post("/login", data={"username": "politi", "password": "demo"}).status_code == 302
    assert client.get("/incidents").status_code == 200
    time.sleep(2.1)
    response = client.get("/incidents")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _sets_session(response: Response) -> bool:
    return any(c.startswith("session=") for c in _cookies(response))


def test_only_a_request_that_changes_the_session_sets_its_cookie(app, login):
    # The decision form's panel posts in the background. Had its answer carried the session cookie, a panel
    # request sent before a save and answered after it put back the session from before the save (and so
    # wiped the save's "Decision N is registered" message).
    incident = factories.incident(municipalities=("657",))
    client = login("politi")
    assert not _sets_session(client.get("/incidents"))
    panel = client.post(f"/consultation/required/{incident.id}", data={"staff": "LBS-S", "type": "evacuation"})
    assert panel.status_code == 200 and "required-party" in panel.get_data(as_text=True)
    assert not _sets_session(panel)
    # A change to the session is still sent: the language chosen, and signing out.
    assert _sets_session(client.post("/language", data={"lang": "en", "next": "/"}))
    assert _sets_session(client.post("/logout"))


def test_passwords_are_hashed_with_scrypt(app):
    hashes = db.session.scalars(select(User.password_hash)).all()
    assert len(hashes) >= 5
    for value in hashes:
        assert value.startswith("scrypt:"), value[:20]
        assert "demo" not in value


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(app, runner, client):
    result = runner.invoke(args=["lbs", "token", "herning"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert "\n" not in token and len(token) > 30
    stored = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    # The plain token is in no column of any table.
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.type.python_type is str:
                assert not db.session.scalar(select(func.count()).select_from(table).where(
                    column.contains(token))), f"{table.name}.{column.name}"
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/incidents", headers=headers).status_code == 200
    assert runner.invoke(args=["lbs", "revoke-token", "herning"]).exit_code == 0
    response = client.get("/api/v1/incidents", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["message"]


# ---------------------------------------------------------------- Secure cookies behind a TLS proxy


def _cookies(response: Response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";"))


def test_cookies_are_secure_when_the_request_is_https(fresh_database_url):
    # Own database and no app context held across requests (that would cache the signed-in user).
    prepare_database(fresh_database_url)
    for proxy_fix in (True, False):
        _check_cookies(make_app(fresh_database_url, LBS_PROXY_FIX=proxy_fix), proxy_fix)


def _check_cookies(app: Flask, proxy_fix: bool) -> None:
    @app.get("/_remember")
    def _remember() -> Response:
        response = Response("ok")
        response.set_cookie("remember_token", "x", httponly=True)
        return response

    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for headers, expect_secure in ((https, proxy_fix), ({}, False)):
        client = app.test_client()
        response = client.post("/login", data={"username": "politi", "password": "demo"}, headers=headers)
        assert response.status_code == 302
        session_cookies = [c for c in _cookies(response) if c.startswith("session=")]
        assert session_cookies and all(_is_secure(c) == expect_secure for c in session_cookies), session_cookies
        remember = _cookies(client.get("/_remember", headers=headers))
        assert remember and all(_is_secure(c) == expect_secure for c in remember), remember
    # A request made directly over HTTPS (no proxy) always gets Secure cookies.
    response = app.test_client().post("/login", data={"username": "politi", "password": "demo"},
                                      base_url="https://localhost")
    assert all(_is_secure(c) for c in _cookies(response))
