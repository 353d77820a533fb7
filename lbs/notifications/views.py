"""HTML: the signed-in user's notifications — the list (newest first, unread marked in words), following one
(marks it read, then goes to what it is about), and marking one or all read. Every role has its own."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs.auth.permissions import Action, permission_required
from lbs.errors import NotFound
from lbs.forms import EmptyForm
from lbs.notifications import services
from lbs.notifications.models import Notification
from lbs.notifications.titles import title
from lbs.web import FormWrite, acting_user

bp = Blueprint("notifications", __name__)


@dataclass(frozen=True)
class Row:
    note: Notification
    title: str


def local_path(url: str) -> str | None:
    """``url`` when it is a path of this application (``/…``, no scheme, host or backslash), else None."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    return url


@bp.get("/notifications")
@permission_required(Action.READ)
def index() -> str:
    notes = services.notifications_of(acting_user())
    rows = [Row(note, title(note.kind, note.params)) for note in notes]
    return render_template("notifications/index.html", rows=rows, unread=sum(1 for r in rows if not r.note.read_at),
                           form=EmptyForm())


def _mark(notification_id: int) -> Notification:
    """Mark the user's notification read (committed); 404 when it is not theirs."""
    note: Notification | None = None
    with FormWrite(leave=(NotFound,)) as write:
        note = services.mark_read(acting_user(), notification_id)
    if not write.ok or note is None:
        abort(404)
    return note


@bp.post("/notifications/<id:notification_id>/open")
@permission_required(Action.READ)
def open_one(notification_id: int) -> WerkzeugResponse:
    note = _mark(notification_id)
    return redirect(local_path(note.url) or url_for("notifications.index"))


@bp.post("/notifications/<id:notification_id>/read")
@permission_required(Action.READ)
def read_one(notification_id: int) -> WerkzeugResponse:
    _mark(notification_id)
    flash(_("The notification is marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@permission_required(Action.READ)
def read_all() -> WerkzeugResponse:
    with FormWrite():
        services.mark_all_read(acting_user())
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))
