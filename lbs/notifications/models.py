"""Notifications (per user, in the application) and the mail outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.timeutil import utcnow


class Kind(enum.StrEnum):
    CONSULTATION_REQUEST = "consultation_request"
    COST_LINE = "cost_line"
    ANSWER = "answer"
    COST_LINE_SUPERSEDED = "cost_line_superseded"  # an amendment superseded a line the municipality bears


class Notification(Base):
    """One thing told to one user. ``params`` hold what its title says (rendered in the reader's language)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "id"),
                      Index("ix_notifications_user_unread", "user_id", "id",
                            sqlite_where=text("read_at IS NULL"), postgresql_where=text("read_at IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[Kind] = mapped_column(text_enum(Kind, 40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    url: Mapped[str] = mapped_column(String(300))  # a path of this application
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # taken by a worker until lease_until
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; an admin may retry


class OutboxMail(Base):
    """A mail to deliver, written in the transaction that caused it; delivered at least once, never lost."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    kind: Mapped[Kind] = mapped_column(text_enum(Kind, 40))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str]
    body_html: Mapped[str]
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[MailStatus] = mapped_column(text_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
