"""Sign-in and sign-out."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from lbs.audit import services as audit
from lbs.auth import services, signin_limit
from lbs.auth.forms import LoginForm
from lbs.auth.models import User
from lbs.extensions import db
from lbs.formatting import dt
from lbs.forms import EmptyForm
from lbs.timeutil import to_local

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
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
            login_user(user)
            audit.record(by=user, action="user.login", object_type="user", object_id=user.id,
                         summary=f"{user.username} signed in")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
