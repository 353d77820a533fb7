"""Telling users (in the application) and people (by mail, when ``LBS_SMTP_URL`` is set) what waits for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import make_msgid
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import BindParameter, Select, bindparam, func, select, update

from lbs.auth.models import User
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.notifications.mails import render_mail
from lbs.notifications.models import Kind, Notification, OutboxMail
from lbs.staffs.models import Person
from lbs.timeutil import utcnow


def mail_enabled() -> bool:
    return bool(current_app.config.get("LBS_SMTP_URL"))


def _domain() -> str:
    sender = str(current_app.config.get("LBS_MAIL_FROM") or "lbs@localhost")
    return sender.rpartition("@")[2] or "localhost"


def tell(*, kind: Kind, params: dict[str, Any], url: str, users: Iterable[User], people: Iterable[Person] = (),
         incident_id: int | None = None, now: datetime | None = None) -> list[Notification]:
    """One notification per user (in the application), and with mail enabled one outbox mail per address of those
    users and people (each address once), all in the caller's transaction."""
    now = now or utcnow()
    unique = {u.id: u for u in users}
    notes = [Notification(user_id=u.id, kind=kind, params=params, url=url, incident_id=incident_id, created_at=now)
             for u in unique.values()]
    db.session.add_all(notes)
    db.session.flush()
    if not mail_enabled():
        return notes
    addresses: dict[str, int | None] = {}
    for user, note in zip(unique.values(), notes, strict=True):
        if user.email:
            addresses.setdefault(user.email.strip().lower(), note.id)
    for person in people:
        if person.email:
            addresses.setdefault(person.email.strip().lower(), None)
    if addresses:
        subject, text, html = render_mail(kind, params, url)
        db.session.add_all(
            OutboxMail(notification_id=note_id, kind=kind, to_address=address, subject=subject, body_text=text,
                       body_html=html, message_id=make_msgid("lbs", domain=_domain()), next_attempt_at=now,
                       created_at=now)
            for address, note_id in addresses.items())
        db.session.flush()
    return notes


def notifications_of(user: User, *, unread_only: bool = False, limit: int = 200) -> Sequence[Notification]:
    """The user's own notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)).all()


@cache
def counts_statement() -> Select[Any]:
    """(how many notifications, how many unread) of the user bound as ``user_id``, in one statement on the
    user's indexes; built once (the pages' polls ask it many times a second)."""
    key: BindParameter[int] = bindparam("user_id")
    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == key, Notification.read_at.is_(None)).scalar_subquery())
    return select(func.count(Notification.id), unread).where(Notification.user_id == key)


def counts(user: User) -> tuple[int, int]:
    """(how many notifications the user has, how many of them are unread), in one statement on the user's
    indexes."""
    total, unread_count_ = db.session.execute(counts_statement(), {"user_id": user.id}).one()
    return int(total or 0), int(unread_count_ or 0)


def unread_count(user: User) -> int:
    return counts(user)[1]


def mark_read(user: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Mark one of the user's notifications read (404 for another user's: it is not theirs to see)."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("no such notification")
    if note.read_at is None:
        note.read_at = now or utcnow()
        db.session.flush()
    return note


def mark_all_read(user: User, now: datetime | None = None) -> int:
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))
                                .values(read_at=now or utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
