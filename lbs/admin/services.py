"""What the admin pages read and change: users and their e-mail addresses (audit-logged), and the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lbs.audit import services as audit
from lbs.audit.models import AppState
from lbs.auth.models import User
from lbs.auth.services import email_error
from lbs.errors import Conflict, NotFound, ValidationError
from lbs.extensions import db
from lbs.notifications import delivery
from lbs.notifications.models import MailStatus, OutboxMail

LATEST = 20
FAILED_SHOWN = 200


def list_users() -> Sequence[User]:
    """Every user by username, with their municipality (one query each)."""
    return db.session.scalars(select(User).options(selectinload(User.municipality)).order_by(User.username)).all()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def set_email(*, user_id: int, email: str | None, by: User) -> User:
    """Set (or, when empty, remove) a user's e-mail address; audit-logged with the old and new address."""
    user = get_user(user_id)
    address = (email or "").strip() or None
    if address is not None and (error := email_error(address)):
        raise ValidationError(error, {"email": [error]})
    old = user.email
    if address == old:
        return user
    user.email = address
    db.session.flush()
    audit.record(by=by, action="user.email", object_type="user", object_id=user.id,
                 summary=f"e-mail address of user {user.username} changed", changes={"email": (old, address)})
    return user


@dataclass(frozen=True)
class Outbox:
    counts: dict[MailStatus, int]
    last_run: datetime | None
    failed: Sequence[OutboxMail]
    latest: Sequence[OutboxMail]


def outbox() -> Outbox:
    """The outbox at a glance: mails by status, the worker's last round, the failed mails and the latest ones."""
    counts = dict.fromkeys(MailStatus, 0)
    for status, count in db.session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)):
        counts[MailStatus(status)] = int(count)
    state = db.session.get(AppState, delivery.LAST_RUN_KEY)
    last_run = datetime.fromtimestamp(state.value, UTC) if state is not None and state.value else None
    failed = db.session.scalars(select(OutboxMail).where(OutboxMail.status == MailStatus.FAILED)
                                .order_by(OutboxMail.id.desc()).limit(FAILED_SHOWN)).all()
    latest = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(LATEST)).all()
    return Outbox(counts, last_run, failed, latest)


def retry_mail(*, mail_id: int, by: User) -> OutboxMail:
    """Make a failed mail due again now, its tries counted afresh (audit-logged)."""
    if db.session.get(OutboxMail, mail_id) is None:
        raise NotFound("no such mail")
    mail = delivery.retry(mail_id)
    if mail is None:
        raise Conflict("only a failed mail can be retried")
    audit.record(by=by, action="outbox.retry", object_type="outbox_mail", object_id=mail.id,
                 summary=f"mail {mail.id} to {mail.to_address} retried", data={"to": mail.to_address})
    return mail
