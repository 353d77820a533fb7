"""The fast path of polls (``lbs/hearing/live_fastpath.py``): an unchanged poll of a signed-in, active user is
answered 304 before Flask runs, in one statement, with the Flask route's headers; everything else is Flask's."""

from __future__ import annotations

from typing import Any

import pytest
from flask import g
from flask_login.utils import _create_identifier

from lbs.auth.models import User
from lbs.extensions import db
from lbs.hearing import live_fastpath, live_views
from tests.hearing.conftest import proposal_body

FAST = ["incident", "proposal", "notifications"]


@pytest.fixture
def flask_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources the Flask route answered (the fast path never reaches it)."""
    calls: list[str] = []
    answer = live_views._answer

    def spy(source: str, key: Any) -> Any:
        calls.append(source)
        return answer(source, key)

    monkeypatch.setattr(live_views, "_answer", spy)
    return calls


@pytest.fixture
def paths(incident: Any, proposal: dict[str, Any]) -> dict[str, str]:
    return {"incident": f"/live/incidents/{incident.id}", "proposal": f"/live/proposals/{proposal['id']}",
            "notifications": "/live/notifications", "requests": "/live/requests", "waiting": "/live/waiting"}


def _version(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["version"])


def _forget_user() -> None:
    """The tests' requests share the app context, where Flask-Login keeps the user it loaded: as in a new
    request, it loads the user again."""
    g.pop("_login_user", None)


def _poll(client: Any, path: str, version: str, **headers: str) -> Any:
    return client.get(path, headers={"If-None-Match": f'"{version}"', **headers})


@pytest.mark.parametrize("source", FAST)
def test_an_unchanged_poll_is_304_without_flask_in_one_statement(client, login, paths, flask_calls,
                                                                  count_queries, source):
    login("politi")
    version = _version(client, paths[source])
    flask_calls.clear()
    with count_queries() as counter:
        response = _poll(client, paths[source], version)
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == f'"{version}"'
    assert flask_calls == []
    assert [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")] == counter.statements[-1:]
    assert len([s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]) == 1


@pytest.mark.parametrize("source", FAST)
def test_the_fast_304_has_the_flask_routes_headers(client, login, paths, monkeypatch, source):
    login("politi")
    version = _version(client, paths[source])
    fast = _poll(client, paths[source], version)
    monkeypatch.setattr(live_fastpath.LivePolls, "_unchanged", lambda self, environ: None)
    slow = _poll(client, paths[source], version)
    assert fast.status_code == slow.status_code == 304
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())
    assert fast.headers["Cache-Control"] == "no-cache, private" and fast.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("source", ["incident", "proposal"])
def test_a_municipality_users_poll_of_an_incident_goes_to_flask(client, login, paths, flask_calls, source):
    """Its reads are scoped (lbs/decisions/scope.py): Flask checks the incident is one affecting Herning."""
    login("herning")
    version = _version(client, paths[source])
    assert _poll(client, paths[source], version).status_code == 304
    assert flask_calls[-1] == source


def test_a_poll_outside_the_users_scope_is_404_whatever_its_etag(client, login, paths, flask_calls):
    """Holstebro cannot learn from a 304 that a Herning incident exists and has not changed."""
    login("politi")
    version = _version(client, paths["incident"])
    client.post("/logout")
    _forget_user()
    login("holstebro")
    response = _poll(client, paths["incident"], version)
    assert response.status_code == 404
    assert flask_calls[-1] == "incident"


@pytest.mark.parametrize("source", ["requests", "waiting"])
def test_the_role_scoped_sources_go_to_flask(client, login, paths, flask_calls, source):
    login("herning")
    version = _version(client, paths[source])
    assert _poll(client, paths[source], version).status_code == 304
    assert flask_calls[-1] == source


def test_a_changed_version_is_answered_by_flask_with_the_new_one(client, login, paths, flask_calls, api_as,
                                                                  incident):
    login("politi")
    path = paths["incident"]
    before = _version(client, path)
    assert api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals",
                                 json=proposal_body()).status_code == 201
    flask_calls.clear()
    response = _poll(client, path, before)
    assert response.status_code == 200 and flask_calls == ["incident"]
    assert response.get_json()["version"] != before
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'


@pytest.mark.parametrize("source", FAST)
def test_signed_out_is_still_401(client, paths, flask_calls, source):
    response = _poll(client, paths[source], "d0")
    assert response.status_code == 401 and flask_calls == [source]


def test_a_tampered_cookie_goes_to_flask_and_is_signed_out(client, login, paths, flask_calls):
    login("politi")
    version = _version(client, paths["incident"])
    cookie = client.get_cookie("session")
    assert cookie is not None
    value = cookie.value
    client.set_cookie("session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    _forget_user()
    flask_calls.clear()
    assert _poll(client, paths["incident"], version).status_code == 401
    assert flask_calls == ["incident"]


def test_an_inactive_user_goes_to_flask_and_is_signed_out(client, login, paths, flask_calls):
    login("politi")
    version = _version(client, paths["incident"])
    db.session.scalars(db.select(User).where(User.username == "politi")).one().active = False
    db.session.commit()
    flask_calls.clear()
    _forget_user()
    assert _poll(client, paths["incident"], version).status_code == 401
    assert flask_calls == ["incident"]


def test_another_address_or_browser_goes_to_flask(client, login, paths, flask_calls):
    """Flask-Login's session protection would mark that session non-fresh (a cookie): Flask answers."""
    login("politi")
    version = _version(client, paths["incident"])
    flask_calls.clear()
    assert _poll(client, paths["incident"], version, **{"User-Agent": "another"}).status_code == 304
    assert flask_calls == ["incident"]


def test_a_session_with_a_remember_change_or_no_user_goes_to_flask(app, client, login, paths, flask_calls):
    login("politi")
    version = _version(client, paths["incident"])
    serializer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context(headers={"User-Agent": "Werkzeug/test"}):
        identifier = _create_identifier()
    politi = db.session.scalars(db.select(User).where(User.username == "politi")).one()
    for session in ({"_user_id": str(politi.id), "_id": identifier, "_remember": "set"}, {"_id": identifier}):
        client.set_cookie("session", serializer.dumps(session))
        flask_calls.clear()
        _poll(client, paths["incident"], version)
        assert flask_calls == ["incident"], session


@pytest.mark.parametrize("path", ["/live/incidents/0", "/live/incidents/99999999999", "/live/incidents/x",
                                  "/live/incidents/99999", "/live/notifications/"])
def test_odd_paths_are_flasks(client, login, flask_calls, path):
    login("politi")
    response = _poll(client, path, "d0")
    assert response.status_code in (404, 308)
    assert flask_calls == (["incident"] if path == "/live/incidents/99999" else [])


def test_the_identifier_is_flask_logins(app):
    headers = {"User-Agent": "Firefox/1", "X-Forwarded-For": "10.0.0.1, 10.0.0.2"}
    for given in ({}, headers, {"User-Agent": "Ærø"}):
        with app.test_request_context(headers=given, environ_base={"REMOTE_ADDR": "192.0.2.1"}) as context:
            assert live_fastpath.session_identifier(context.request.environ) == _create_identifier()


def test_other_methods_and_unconditional_polls_are_flasks(client, login, paths, flask_calls):
    login("politi")
    _version(client, paths["incident"])
    assert flask_calls == ["incident"]
    assert client.head(paths["incident"], headers={"If-None-Match": '"x"'}).status_code == 200
    assert flask_calls == ["incident", "incident"]


def test_an_error_in_the_fast_path_goes_to_flask(client, login, paths, flask_calls, monkeypatch):
    login("politi")
    version = _version(client, paths["incident"])

    def broken(*_args: Any) -> str:
        raise RuntimeError("no database")

    monkeypatch.setattr(live_fastpath.versions, "version_for_active_user", broken)
    flask_calls.clear()
    assert _poll(client, paths["incident"], version).status_code == 304
    assert flask_calls == ["incident"]
