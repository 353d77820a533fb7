"""Home, language switch, health and readiness, and the HTML error pages."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs.api.frame import is_api_request
from lbs.auth.models import Role
from lbs.auth.permissions import Action, can
from lbs.consultation.hearings import RequestStatus
from lbs.decisions.scope import current_scope as scope_of_request
from lbs.decisions.scope import guard
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.forms import LanguageForm
from lbs.hearing import reads, request_page
from lbs.web import acting_user

bp = Blueprint("main", __name__)

# When the accessibility statement was last reviewed against the application (update with each review).
ACCESSIBILITY_REVIEWED_ON = date(2026, 12, 7)


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
    """The accessibility statement (tilgængelighedserklæring, after Digitaliseringsstyrelsen's template); public."""
    return render_template("main/accessibility.html", reviewed_on=ACCESSIBILITY_REVIEWED_ON,
                           contact=current_app.config["LBS_ACCESSIBILITY_CONTACT"],
                           phone=current_app.config["LBS_ACCESSIBILITY_PHONE"])


@bp.post("/language")
def set_language() -> WerkzeugResponse:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//") or not _gettable(target):
        target = url_for("main.index")
    return redirect(target)


def _gettable(target: str) -> bool:
    """Whether ``target`` (a path of this app) answers a GET: the switch never sends anyone to a POST-only URL."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(urlsplit(target).path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


@bp.app_context_processor
def language_helpers() -> dict[str, Any]:
    return {"language_next": language_next}


def language_next() -> str:
    """Where the language switch returns to: this page; for a page answering a POST (a form with its errors), the
    page the form was sent from (the form's own page when it has one)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if _gettable(request.path):
        return request.path
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path:
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return url_for("main.index")


@bp.before_app_request
def switch_language_in_form() -> None:
    """A form posted back by the header's language switch (``?switch_lang=``, see templates/base.html) changes the
    language first; the form's view then shows it again in that language with what was typed. (The POST has
    passed the CSRF check by now.)"""
    lang = request.args.get("switch_lang")
    if request.method == "POST" and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        refresh()


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


def register_read_scope(app: Flask) -> None:
    """Before every read view a municipality user may reach, refuse (404) an incident, decision, proposal,
    consultation request or cost line named in its URL that is outside the user's scope
    (:mod:`lbs.decisions.scope`). It runs only where the user's role passes the view's own check, so that a
    refused role still gets its 403 first, and only for reads: writes check their object themselves (a cost
    line of another bearer or a request to another municipality's party is a 403)."""

    @app.before_request
    def _scope_reads() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if view is None or not request.view_args:
            return
        scope = scope_of_request()
        if scope.everything or not _reads_here(view):
            return
        try:
            guard(scope, request.view_args)
        except NotFound as exc:
            if is_api_request():
                raise
            abort(exc.status)


def _reads_here(view: Any) -> bool:
    """True when the request reads through ``view`` and the user's role may use it."""
    if is_api_request():
        user = g.get("api_user")
        return user is not None and request.method in ("GET", "HEAD") and user.role in getattr(view, "lbs_roles", ())
    action = getattr(view, "lbs_action", None)
    if action is None or not current_user.is_authenticated or not can(acting_user(), action):
        return False
    return request.method in ("GET", "HEAD") or action is Action.READ


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
            409: _("The page has changed meanwhile"),
            410: _("Page no longer available"),
            415: _("Unsupported file type"),
            422: _("The request could not be processed"),
            500: _("Something went wrong on our side"),
            503: _("The service is unavailable right now. Try again in a moment."),
        }
        # Never werkzeug's English name: a status without a title of its own gets a general Danish one.
        title = titles.get(error.code or 500, _("Something went wrong"))
        if isinstance(error, CSRFError):
            title = _("The form has expired: go back, reload the page and try again.")
        body = render_template("errors/error.html", title=title, code=error.code)
        return Response(body, status=error.code or 500, mimetype="text/html")
