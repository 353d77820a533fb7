"""The signed-in user's own notifications: list them (newest first) and mark one read.

Every role reads its own; another user's notification is 404 (it is not theirs to see). A title is rendered when
read, in the request's language: the chosen language of the session, else the best of ``Accept-Language``, else
Danish."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, session
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from lbs.api.blueprint import api_bp
from lbs.api.frame import api_user, endpoint
from lbs.api.schemas import ERROR, NULLABLE_TIME, TIME, component, enum_of, list_component, obj
from lbs.errors import ValidationError
from lbs.extensions import db
from lbs.notifications import services
from lbs.notifications.models import Kind, Notification
from lbs.notifications.titles import title

NOTIFICATION = component("Notification", obj({
    "id": {"type": "integer"},
    "kind": enum_of("NotificationKind", [k.value for k in Kind]),
    "title": {"type": "string", "description": "in the request's language (Danish unless Accept-Language asks "
                                               "for English)"},
    "url": {"type": "string", "description": "the path of this application the notification is about"},
    "created_at": TIME,
    "read_at": NULLABLE_TIME,
}))
UNREAD_QUERY = [{"name": "unread", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["true", "false"]},
                 "description": "true: only the unread ones (default false)"}]


def language() -> str:
    """The session's chosen language, else the best of the request's ``Accept-Language``, else Danish."""
    languages: list[str] = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return str(request.accept_languages.best_match(languages, default="da") or "da")


def notification_record(note: Notification) -> dict[str, Any]:
    return {"id": note.id, "kind": note.kind.value, "title": title(note.kind, note.params), "url": note.url,
            "created_at": note.created_at.isoformat(),
            "read_at": note.read_at.isoformat() if note.read_at else None}


def _unread_only() -> bool:
    raw = request.args.get("unread")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise ValidationError("invalid query parameter", {"unread": ["must be true or false"]})


@endpoint(api_bp, "/notifications", "GET", operation_id="listNotifications",
          summary="The user's own notifications, newest first", tag="notifications", query=UNREAD_QUERY,
          responses={200: list_component("NotificationList", NOTIFICATION), 422: ERROR})
def list_notifications() -> ResponseReturnValue:
    notes = services.notifications_of(api_user(), unread_only=_unread_only())
    with force_locale(language()):
        return jsonify([notification_record(n) for n in notes])


@endpoint(api_bp, "/notifications/<id:notification_id>/read", "POST", operation_id="markNotificationRead",
          summary="Mark one of the user's own notifications read", tag="notifications",
          responses={200: NOTIFICATION, 404: ERROR})
def mark_read(notification_id: int) -> ResponseReturnValue:
    note = services.mark_read(api_user(), notification_id)
    with force_locale(language()):
        body = notification_record(note)
    db.session.commit()
    return jsonify(body)
