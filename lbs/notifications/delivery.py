"""Delivering the outbox (``flask lbs worker``): take due mails, send them, mark them; retry with growing pauses.

A mail is *taken* by setting it ``sending`` with a lease (on PostgreSQL the due rows are picked with ``FOR UPDATE
SKIP LOCKED``, so several workers never take the same row; on SQLite the write lock serialises the take), the
take is committed, then the mail is sent and marked ``sent``. A worker that dies between sending and marking
leaves the row ``sending``; when its lease has run out another worker takes it again and the mail goes out once
more with the same ``Message-ID`` (at least once, never lost). A server that is down or refuses is retried after
2, 4, 8, … seconds (at most 5 minutes); after ``MAX_ATTEMPTS`` the mail is ``failed``, shown to admin, who may
retry it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lbs.audit.models import AppState
from lbs.extensions import db
from lbs.notifications.models import MailStatus, OutboxMail
from lbs.notifications.smtp import SmtpServer
from lbs.timeutil import utcnow

MAX_ATTEMPTS = 8
FIRST_PAUSE = timedelta(seconds=2)
LONGEST_PAUSE = timedelta(minutes=5)
LEASE = timedelta(minutes=2)
BATCH = 20
LAST_RUN_KEY = "worker_last_run"


def pause_after(attempts: int) -> timedelta:
    """The pause before the next try after ``attempts`` failed ones: 2 s, 4 s, 8 s, … at most 5 minutes."""
    pause: timedelta = FIRST_PAUSE * (2 ** max(0, attempts - 1))
    return min(pause, LONGEST_PAUSE)


def _due(now: datetime) -> ColumnElement[bool]:
    return or_((OutboxMail.status == MailStatus.PENDING) & (OutboxMail.next_attempt_at <= now),
               (OutboxMail.status == MailStatus.SENDING) & (OutboxMail.lease_until < now))


def _take(now: datetime, limit: int) -> list[OutboxMail]:
    query = select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        return []
    db.session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids))
                       .values(status=MailStatus.SENDING, lease_until=now + LEASE, attempts=OutboxMail.attempts + 1))
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id)
                                   .execution_options(populate_existing=True)))


def anything_due(now: datetime | None = None) -> bool:
    """Whether a mail is due (a plain read: an idle worker asks this without taking the write lock)."""
    return db.session.scalar(select(OutboxMail.id).where(_due(now or utcnow())).limit(1)) is not None


def take(now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due mails for this worker (committed): their ids."""
    ids = [mail.id for mail in _take(now or utcnow(), limit)]
    db.session.commit()
    return ids


def message_of(mail: OutboxMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.to_address
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.created_at)
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message


@dataclass
class Round:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def taken(self) -> int:
        return self.sent + self.retried + self.failed


def record_run(now: datetime) -> None:
    """Keep the time of this round (an upsert: workers starting together on a fresh database do not collide)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(AppState).values(key=LAST_RUN_KEY, value=int(now.timestamp()))
    db.session.execute(statement.on_conflict_do_update(index_elements=[AppState.key],
                                                       set_={"value": statement.excluded.value}))
    db.session.commit()


@dataclass(frozen=True)
class _Taken:
    id: int
    attempts: int
    message: EmailMessage


def deliver_due(send: Callable[[EmailMessage], None] | None = None, now: Callable[[], datetime] = utcnow) -> Round:
    """One round: take the due mails (one short transaction), send each with no transaction open, and mark it
    sent, or due again later, or failed (one short write each)."""
    done = Round()
    if send is None and not current_app.config.get("LBS_SMTP_URL"):
        return done  # mail is off: what the outbox holds waits (nothing is taken, nothing is lost)
    started = now()
    sender = str(current_app.config.get("LBS_MAIL_FROM") or "lbs@localhost")
    taken = [_Taken(mail.id, mail.attempts, message_of(mail, sender)) for mail in _take(started, BATCH)]
    db.session.commit()
    if not taken:
        record_run(started)
        return done
    if send is None:
        send = SmtpServer.from_url(str(current_app.config["LBS_SMTP_URL"])).send
    for position, mail in enumerate(taken):
        if now() - started > LEASE / 2:  # a slow server: leave the rest to the next round, before the lease ends
            _release([m.id for m in taken[position:]])
            break
        try:
            send(mail.message)
        except Exception as exc:
            status = _failed(mail, exc, now())
            done.failed += status is MailStatus.FAILED
            done.retried += status is MailStatus.PENDING
        else:
            db.session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(
                status=MailStatus.SENT, sent_at=now(), lease_until=None, last_error=None))
            done.sent += 1
        db.session.commit()
    record_run(now())
    return done


def _release(ids: list[int]) -> None:
    """Give back mails taken but not tried: due again at once, the attempt not counted."""
    db.session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids), OutboxMail.status == MailStatus.SENDING)
                       .values(status=MailStatus.PENDING, lease_until=None, attempts=OutboxMail.attempts - 1))
    db.session.commit()


def _failed(mail: _Taken, exc: Exception, at: datetime) -> MailStatus:
    values: dict[str, object] = {"last_error": f"{type(exc).__name__}: {exc}"[:2000], "lease_until": None}
    if mail.attempts >= MAX_ATTEMPTS:
        values["status"] = MailStatus.FAILED
    else:
        values["status"] = MailStatus.PENDING
        values["next_attempt_at"] = at + pause_after(mail.attempts)
    db.session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(**values))
    return MailStatus(str(values["status"]))


def retry(mail_id: int, now: datetime | None = None) -> OutboxMail | None:
    """An admin's retry of a failed mail: due now, with its tries counted afresh."""
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None or mail.status is not MailStatus.FAILED:
        return None
    mail.status, mail.attempts, mail.next_attempt_at, mail.last_error = MailStatus.PENDING, 0, now or utcnow(), None
    db.session.flush()
    return mail
