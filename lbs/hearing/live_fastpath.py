"""The fast path of polls (``docs/live-updates.md``): :class:`LivePolls`, a WSGI middleware that answers an
unchanged poll with 304 before Flask runs.

It exists because the bench (``bench/live.py``) measured a 304 through Flask at ~3 ms of app CPU (goal: p95
< 2 ms) and 200 polling screens at +45–64 % of the app's CPU (goal: < 10 %): most of it is Flask's request
handling and Flask-Login's load of the user, not the version's statement.

The rules: only ``GET /live/incidents/<id>``, ``/live/proposals/<id>`` and ``/live/notifications`` with an
``If-None-Match`` header; the session cookie is read with the app's own session serializer (same key, same
maximum age); it must name a user (``_user_id``), carry no pending remember-me change, and pass Flask-Login's
session protection as it stands. One statement then checks that the user exists, is active and is of the
session's session version (a signed-out session is not), and reads the version
(:func:`lbs.hearing.versions.version_for_active_user`). Only when the version is among the ``If-None-Match``
tags is the answer a 304, with the headers the Flask route's 304 has. Anything else — another path or method,
no or a bad cookie, a remember-me-only login, a missing or inactive user, a signed-out session, no such
incident, a changed version, any exception — goes to Flask, which answers as always.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from hashlib import sha512
from typing import TYPE_CHECKING, Any

from flask import Flask
from itsdangerous import BadData
from sqlalchemy import Engine
from werkzeug.http import parse_cookie, parse_etags, quote_etag

from lbs.auth.models import SESSION_VERSION_KEY
from lbs.converters import MAX_ID
from lbs.extensions import db, login_manager
from lbs.hearing import versions
from lbs.security import SECURITY_HEADERS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_PATH = re.compile(r"/live/(?:(incidents|proposals)/(\d{1,10})|(notifications))")
_SOURCE = {"incidents": "incident", "proposals": "proposal", "notifications": "notifications"}


def session_identifier(environ: WSGIEnvironment) -> str:
    """Flask-Login's session-protection identifier (``flask_login.utils._create_identifier``), from the WSGI
    environment: the first X-Forwarded-For address (else the remote address) and the User-Agent."""
    address: Any = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent: Any = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode()).hexdigest()


class LivePolls:
    """Answers an unchanged poll of a signed-in, active user with 304; passes everything else to ``wsgi_app``."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        with app.app_context():
            self._engines = db.engines  # the app's own mapping (tests put their connection in it)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") == "GET" and environ.get("HTTP_IF_NONE_MATCH")
                and environ.get("PATH_INFO", "").startswith("/live/")):
            try:
                headers = self._unchanged(environ)
            except Exception:  # any doubt: Flask answers (and the log says why)
                self.app.logger.exception("live poll fast path failed; Flask answers")
                headers = None
            if headers is not None:
                start_response("304 NOT MODIFIED", headers)
                return []
        return self.wsgi_app(environ, start_response)

    def _unchanged(self, environ: WSGIEnvironment) -> list[tuple[str, str]] | None:
        """The 304's headers when the poll's version is unchanged, else None."""
        match = _PATH.fullmatch(environ["PATH_INFO"])
        if match is None:
            return None
        kind, number, notifications = match.groups()
        key = int(number) if number is not None else None
        if key is not None and not 1 <= key <= MAX_ID:
            return None
        signed_in = self._user_id(environ)
        if signed_in is None:
            return None
        user_id, session_version = signed_in
        source = _SOURCE[kind or notifications]
        bind = self._engines[None]
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                version = versions.version_for_active_user(connection, source, key, user_id, session_version)
        else:  # a test's connection, inside its transaction
            version = versions.version_for_active_user(bind, source, key, user_id, session_version)
        if version is None or version not in parse_etags(environ["HTTP_IF_NONE_MATCH"]):
            return None
        return self._headers(version)

    def _user_id(self, environ: WSGIEnvironment) -> tuple[int, int] | None:
        """The signed-in user's id and the session's version (``lbs.auth.views.load_user``) from the session
        cookie, when Flask-Login would take it as it is (without changing the session or reading the remember-me
        cookie)."""
        app = self.app
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(app.config["SESSION_COOKIE_NAME"])
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        if not cookie or serializer is None:
            return None
        try:
            session = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except BadData:
            return None
        user_id = session.get("_user_id") if isinstance(session, dict) else None
        if not isinstance(user_id, str) or not (user_id.isascii() and user_id.isdigit()) or "_remember" in session:
            return None
        if login_manager.session_protection in ("basic", "strong") \
                and session.get("_id") != session_identifier(environ):
            return None  # Flask-Login would mark the session non-fresh (or drop it): its answer sets a cookie
        session_version = session.get(SESSION_VERSION_KEY, 0)
        if type(session_version) is not int:
            return None
        return int(user_id), session_version

    @staticmethod
    def _headers(version: str) -> list[tuple[str, str]]:
        """As the Flask route's 304 (``live_views._json``, then the app's security headers)."""
        return [("Cache-Control", "no-cache, private"), ("Vary", "Cookie"), ("ETag", quote_etag(version)),
                *SECURITY_HEADERS.items()]
