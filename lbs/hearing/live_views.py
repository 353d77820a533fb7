"""JSON: the versions that pages poll to update themselves (``docs/live-updates.md``), and ``live()``, the
template function that marks a region of a page as one that updates itself.

``GET /live/incidents/<id>``, ``/live/proposals/<id>``, ``/live/requests``, ``/live/waiting`` and
``/live/notifications`` answer
``{"version": "…"}`` with the version as a strong ETag, or 304 with no body when the request's
``If-None-Match`` holds it: the page is not rendered, the answer costs the user's row and one statement.
Anyone who may read the page may read its version; signed out: 401 (never a redirect: the poller stops).
An unchanged poll of an incident, a proposal or the notifications is usually answered before Flask, by
:class:`lbs.hearing.live_fastpath.LivePolls`, with the same 304; every other answer is this module's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request, url_for
from flask_login import current_user
from markupsafe import Markup

from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.decisions.scope import current_scope, guard
from lbs.errors import NotFound
from lbs.hearing import versions

bp = Blueprint("live", __name__)

# source name → (endpoint, how the version is read from the id, or from the signed-in user when there is no id)
SOURCES: dict[str, tuple[str, Callable[[Any], str | None]]] = {
    "incident": ("live.incident", versions.incident_version),
    "proposal": ("live.proposal", versions.proposal_version),
    "requests": ("live.requests", versions.requests_version),
    "waiting": ("live.waiting", versions.waiting_version),
    "notifications": ("live.notifications", versions.notifications_version),
}
ID_ARGUMENT = {"incident": "incident_id", "proposal": "proposal_id"}


def _json(status: int, body: str, version: str | None = None) -> Response:
    response = Response(body, status=status, mimetype="application/json")
    # Always asked afresh; a shared cache keeps nothing (the answer is per user).
    response.headers["Cache-Control"] = "no-cache, private"
    response.headers["Vary"] = "Cookie"
    if version is not None:
        response.set_etag(version)
    return response


def _answer(source: str, key: Any) -> Response:
    if not current_user.is_authenticated:
        return _json(401, '{"error": {"message": "sign in"}}')
    user: User = current_user._get_current_object()
    if not can(user, Action.READ):
        return _json(403, '{"error": {"message": "forbidden"}}')
    if key is not None and not _in_scope(source, key):
        return _json(404, '{"error": {"message": "not found"}}')
    version = SOURCES[source][1](user if key is None else key)
    if version is None:
        return _json(404, '{"error": {"message": "not found"}}')
    if version in request.if_none_match:
        return _json(304, "", version)
    return _json(200, f'{{"version": "{version}"}}', version)


def _in_scope(source: str, key: int) -> bool:
    """An incident or proposal the user may read (a municipality user: one affecting their municipality)."""
    try:
        guard(current_scope(), {ID_ARGUMENT[source]: key})
    except NotFound:
        return False
    return True


@bp.get("/live/incidents/<id:incident_id>")
def incident(incident_id: int) -> Response:
    return _answer("incident", incident_id)


@bp.get("/live/proposals/<id:proposal_id>")
def proposal(proposal_id: int) -> Response:
    return _answer("proposal", proposal_id)


@bp.get("/live/requests")
def requests() -> Response:
    return _answer("requests", None)


@bp.get("/live/waiting")
def waiting() -> Response:
    return _answer("waiting", None)


@bp.get("/live/notifications")
def notifications() -> Response:
    return _answer("notifications", None)


@bp.app_template_global()
def live_waiting_version(user: User, count: int) -> str:
    """The navigation's count as the version of the ``waiting`` source: no query of its own."""
    return versions.waiting_version(user, count)


@bp.app_template_global()
def live(region: str, source: str, key: int | None = None, version: str | None = None) -> Markup:
    """The attributes that make an element a region that updates itself: ``<section {{ live("timeline",
    "incident", incident.id) }}>``. ``region`` names it on every page it is on (unique within a page); the
    version is read once per request and source, unless the page knows it already (``version``)."""
    endpoint, read = SOURCES[source]
    cache: dict[tuple[str, Any], str | None] = g.setdefault("live_versions", {})
    if version is not None:
        cache[source, key] = version
    elif (source, key) not in cache:
        cache[source, key] = read(current_user._get_current_object() if key is None else key)
    arguments: dict[str, Any] = {ID_ARGUMENT[source]: key} if key is not None else {}
    src = url_for(endpoint, **arguments)
    return Markup('data-live="{}" data-live-src="{}" data-live-version="{}"').format(
        region, src, cache[source, key] or "")
