"""Sign-in and sign-out."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from lbs.audit import services as audit
from lbs.auth import services, signin_limit
from lbs.auth.forms import LoginForm
from lbs.auth.models import SESSION_VERSION_KEY, User
from lbs.extensions import db
from lbs.formatting import dt
from lbs.forms import EmptyForm
from lbs.timeutil import to_local

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    """The session's user, when active and the session is of the user's current session version (signing out, a
    new password or a new role raise it: every older session, on every host, is then a signed-out visitor)."""
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or session.get(SESSION_VERSION_KEY, 0) != user.session_version:
        return None
    return user


# Removed before judging ``next``: browsers drop tab, CR and LF from URLs (``/\t/evil.example`` is
# ``//evil.example``), and no path of this application has a control character.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str:
    """``target`` when it is a path of this application (no scheme, no host, no ``//`` or ``/\\`` start once
    control characters are removed), else the start page."""
    if target:
        cleaned = _CONTROL.sub("", target).strip()
        parts = urlsplit(cleaned.replace("\\", "/"))
        if (cleaned.startswith("/") and not cleaned.startswith(("//", "/\\")) and "\\" not in cleaned
                and not parts.scheme and not parts.netloc):
            return cleaned
    return url_for("main.index")


def _locked(form: LoginForm, until: datetime, now: datetime) -> Response:
    """429: the sign-in page saying when this user name may try again from here (local time, rounded up to the
    minute so that the time shown is never too early)."""
    shown = until if until == until.replace(second=0, microsecond=0) else (
        until.replace(second=0, microsecond=0) + timedelta(minutes=1))
    when = to_local(shown).strftime("%H:%M") if to_local(shown).date() == to_local(now).date() else dt(shown)
    error = _("Too many failed attempts for this user name. Try again at %(time)s.", time=when)
    response = Response(render_template("auth/login.html", form=form, error=error), status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(max(1, math.ceil((until - now).total_seconds())))
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username, address = form.username.data or "", request.remote_addr
        limit = signin_limit.for_app()
        # Refused whatever the password while the limit holds; the same for every name, known or not.
        until = limit.check(username, address)
        if until is not None:
            return _locked(form, until, limit.clock())
        user = services.authenticate(username=username, password=form.password.data or "")
        limit.record(username, address, succeeded=user is not None)
        if user is None:
            db.session.commit()
            # Same message whether or not the user exists.
            error = _("Wrong username or password.")
        else:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session.permanent = True
            session[SESSION_VERSION_KEY] = user.session_version
            login_user(user)
            audit.record(by=user, action="user.login", object_type="user", object_id=user.id,
                         summary=f"{user.username} signed in")
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        # Every session of the user ends, this cookie's copies on other hosts included.
        user: User = current_user._get_current_object()
        services.end_sessions(user)
        audit.record(by=user, action="user.logout", object_type="user", object_id=user.id,
                     summary=f"{user.username} signed out")
        db.session.commit()
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
