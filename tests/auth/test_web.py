"""Sign-in, sign-out, CSRF, session cookie flags, security headers, language switch."""

from __future__ import annotations

from sqlalchemy import select

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from tests.conftest import make_app


def test_front_page_redirects_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_wrong_password_shows_error_and_no_session(client):
    response = client.post("/login", data={"username": "politi", "password": "wrong"})
    assert response.status_code == 200
    assert "Forkert brugernavn eller adgangskode" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    unknown = client.post("/login", data={"username": "nobody", "password": "wrong"})
    # Same answer for an unknown user: sign-in does not reveal who exists.
    assert unknown.get_data(as_text=True).count("Forkert brugernavn") == 1


def test_sign_in_and_out(client, login):
    login("politi")
    home = client.get("/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "Politi (demo)" in text and 'lang="da"' in text
    assert "Log ud" in text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).all()
    assert any(e.actor == "politi" for e in events)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.post("/login", data={"username": "politi", "password": "demo"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_is_enforced_on_forms(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "politi", "password": "demo"})
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302, "a POST without CSRF token must not sign in"
    with app.app_context():
        db.engine.dispose()


def test_security_headers_on_html(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


def test_language_switch(client, login):
    login("politi")
    assert "Log ud" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "Sign out" in page and 'lang="en"' in page
    client.post("/language", data={"lang": "xx", "next": "//evil.example"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_sign_in_is_rate_limited(database_url):
    app = make_app(database_url, RATELIMIT_ENABLED=True, LBS_LOGIN_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.post("/login", data={"username": "politi", "password": "wrong"}).status_code
                for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    # Even the right password is refused while the limit holds.
    assert client.post("/login", data={"username": "politi", "password": "demo"}).status_code == 429
    assert client.get("/").status_code == 302
    assert client.get("/login").status_code == 200, "only POST is limited"
