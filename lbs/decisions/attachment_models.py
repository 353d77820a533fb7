"""Attachments: the documents a decision rested on, kept in the database and never changed or deleted.

An attachment's bytes are stored in chunks (:class:`AttachmentChunk`, 1 MiB each) so that an upload or a download
never holds more than a chunk or two of a 25 MB file in a worker's memory. Its metadata row records the SHA-256
and size of the bytes and is chained per incident like the appended consultations
(:mod:`lbs.decisions.attachment_chain`): the incident keeps the count and the newest hash, so that a changed or
deleted file, or a changed or deleted row, is found by ``lbs verify``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lbs.extensions import Base
from lbs.timeutil import utcnow


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_attachments_incident_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    seq: Mapped[int]  # 1, 2, … per incident
    filename: Mapped[str] = mapped_column(String(200))  # as given, for display
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AttachmentChunk(Base):
    __tablename__ = "attachment_chunks"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), primary_key=True)
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
