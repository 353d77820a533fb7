"""Home, language switch, health and readiness, and the HTML error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs.auth.models import Role
from lbs.consultation.hearings import RequestStatus
from lbs.extensions import db
from lbs.forms import LanguageForm
from lbs.hearing import reads, request_page
from lbs.web import acting_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str | WerkzeugResponse:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    waiting = waiting_requests()
    if current_user.municipality is not None and not waiting:
        # The first page a municipal user sees is their cost dashboard, unless consultations await their answer.
        return redirect(url_for("costs.index"))
    return render_template("main/index.html", waiting=waiting)


def waiting_requests() -> list[request_page.Row]:
    """The open consultation requests the signed-in user may answer (none for a reviewer)."""
    user = acting_user()
    if user.role is Role.REVIEWER:
        return []
    return request_page.rows(reads.requests_for(user, status=RequestStatus.OPEN, answerable_only=True))


@bp.get("/accessibility")
def accessibility() -> str:
    """The accessibility statement (tilgængelighedserklæring); public."""
    return render_template("main/accessibility.html")


@bp.post("/language")
def set_language() -> WerkzeugResponse:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    return {"status": "ok"}, 200


def schema_is_current() -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    migrate_ext = current_app.extensions["migrate"]
    config = migrate_ext.migrate.get_config(migrate_ext.directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    try:
        current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    finally:
        db.session.rollback()
    return current == heads


@bp.get("/readyz")
def readyz() -> tuple[dict[str, str], int]:
    try:
        ready = schema_is_current()
    except Exception:  # any database failure means "not ready"
        current_app.logger.exception("readiness check failed")
        return {"status": "database unavailable"}, 503
    if not ready:
        return {"status": "schema not at newest migration"}, 503
    return {"status": "ready"}, 200


def register_html_errorhandlers(app: Flask) -> None:
    from lbs.api.frame import is_api_request

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if is_api_request():
            from lbs.api.frame import json_error

            messages = {404: "not found", 405: "method not allowed", 400: "bad request",
                        413: "request body too large", 429: "too many requests"}
            response = json_error(error.code or 500, messages.get(error.code or 500, error.name))
            allow = dict(error.get_headers()).get("Allow")
            if allow:
                response.headers["Allow"] = allow
            return response
        if error.code == 401:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        titles = {
            403: _("You may not do this"),
            404: _("Page not found"),
            405: _("Method not allowed"),
            400: _("Bad request"),
            413: _("Request too large"),
            429: _("Too many attempts. Wait a minute and try again."),
        }
        title = titles.get(error.code or 500, error.name)
        body = render_template("errors/error.html", title=title, code=error.code)
        return Response(body, status=error.code or 500, mimetype="text/html")
