"""Sessions end for real (contract, *Sessions, passwords, tokens and caching*): after signing out, a copied session
cookie is a signed-out visitor on every host; a new password or a new role ends the user's other sessions; the
live polls' fast path refuses a signed-out cookie too."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lbs.auth.models import SESSION_VERSION_KEY, Role, User
from lbs.extensions import db
from lbs.hearing import versions
from lbs.incidents.models import Incident
from tests.conftest import make_app

PASSPHRASE = "Sort-kaffe-ved-midnat"


def _sign_in(client: FlaskClient, username: str, password: str = "demo") -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], response.status_code


def _copy(client: FlaskClient, into: FlaskClient) -> None:
    """Another browser (or an attacker) with the same session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    into.set_cookie("session", cookie.value)


def _signed_in(client: FlaskClient) -> bool:
    g.pop("_login_user", None)  # as in a new request: Flask-Login loads the user again
    response = client.get("/incidents")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _new_incident(client: FlaskClient) -> Any:
    g.pop("_login_user", None)
    return client.post("/incidents", data={"title": "Stjålen session", "kind": "flood",
                                               "municipalities": ["657"]})


def _incidents() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Incident)) or 0)


def test_a_copied_cookie_is_signed_out_on_another_host_after_sign_out(committed_app: Flask,
                                                                      fresh_database_url: str):
    other_host = make_app(fresh_database_url)
    browser, thief = committed_app.test_client(), other_host.test_client()
    _sign_in(browser, "politi")
    _copy(browser, thief)
    assert thief.get("/incidents").status_code == 200, "the copied cookie works while the session lasts"

    g.pop("_login_user", None)
    assert browser.post("/logout").status_code == 302
    before = _incidents()
    page = thief.get("/incidents")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    write = _new_incident(thief)
    assert write.status_code == 302 and "/login" in write.headers["Location"]
    db.session.expire_all()
    assert _incidents() == before
    assert not _signed_in(browser)


def test_signing_in_again_after_signing_out_works(app: Flask, client: FlaskClient):
    _sign_in(client, "politi")
    g.pop("_login_user", None)
    client.post("/logout")
    assert not _signed_in(client)
    _sign_in(client, "politi")
    assert _signed_in(client)


def test_a_new_password_ends_the_users_other_sessions(app: Flask, client: FlaskClient, runner: Any):
    _sign_in(client, "politi")
    assert _signed_in(client)
    result = runner.invoke(args=["lbs", "set-password", "politi", "--password-stdin"], input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)
    refused = client.post("/login", data={"username": "politi", "password": "demo"})
    assert refused.status_code == 200, "the old password no longer signs in"
    _sign_in(client, "politi", PASSPHRASE)
    assert _signed_in(client)


def test_a_weak_new_password_is_refused_and_changes_nothing(app: Flask, client: FlaskClient, runner: Any):
    _sign_in(client, "politi")
    result = runner.invoke(args=["lbs", "set-password", "politi", "--password-stdin"], input="password1234\n")
    assert result.exit_code != 0 and "too common" in result.output
    assert _signed_in(client)


def test_a_new_role_ends_the_users_other_sessions(app: Flask, client: FlaskClient, runner: Any):
    _sign_in(client, "revisor")
    assert _signed_in(client)
    result = runner.invoke(args=["lbs", "set-role", "revisor", "--role", "police"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(User).where(User.username == "revisor")).one().role is Role.POLICE
    assert not _signed_in(client)
    refused = runner.invoke(args=["lbs", "set-role", "revisor", "--role", "municipality"])
    assert refused.exit_code != 0 and "municipality" in refused.output


def test_a_session_of_an_older_version_is_signed_out(app: Flask, client: FlaskClient):
    politi = db.session.scalars(select(User).where(User.username == "politi")).one()
    with client.session_transaction() as session:
        session["_user_id"] = str(politi.id)
        session[SESSION_VERSION_KEY] = politi.session_version + 7
    assert not _signed_in(client)


def test_the_fast_path_refuses_a_signed_out_cookie(app: Flask, client: FlaskClient):
    thief = app.test_client()
    _sign_in(client, "politi")
    version = client.get("/live/notifications").get_json()["version"]
    _copy(client, thief)
    poll = {"If-None-Match": f'"{version}"'}
    assert thief.get("/live/notifications", headers=poll).status_code == 304
    politi = db.session.scalars(select(User).where(User.username == "politi")).one()
    old = politi.session_version

    g.pop("_login_user", None)
    client.post("/logout")
    g.pop("_login_user", None)
    refused = thief.get("/live/notifications", headers=poll)
    assert refused.status_code == 401
    connection = db.session.connection()
    assert versions.version_for_active_user(connection, "notifications", None, politi.id, old) is None
    assert versions.version_for_active_user(connection, "notifications", None, politi.id, old + 1) is not None
