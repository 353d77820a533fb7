"""Review packs built in the background: one row per pack asked for (an incident, the state of its record and
whose costs it shows), built by ``flask lbs worker`` and kept, the ZIP's bytes in 1 MiB chunks.

A pack is asked for with :func:`lbs.review.pack_jobs.request_pack`; asking again while the incident's record is
unchanged gives the same pack (``state_key`` and ``scope_key`` are unique per incident). The worker takes a queued
pack (or one whose builder died: its lease ran out), builds it outside any web request, and stores its bytes,
SHA-256 and size; ``progress`` (0–100) is what the review page shows meanwhile.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.timeutil import utcnow


class PackStatus(enum.StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class ReviewPack(Base):
    __tablename__ = "review_packs"
    __table_args__ = (
        UniqueConstraint("incident_id", "state_key", "scope_key", name="uq_review_packs_state"),
        Index("ix_review_packs_due", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    # The hash of the incident's last decision when the pack was asked for (None: no decisions yet).
    chain_head: Mapped[str | None] = mapped_column(String(64))
    # Everything the pack shows that can change (decisions, appended consultations, attachments, costs, findings,
    # sign-offs, hearings, closings, roster corrections), as stored version markers: see pack_jobs.state_key.
    state_key: Mapped[str] = mapped_column(String(64))
    # Whose cost lines the pack shows: "" every bearer's, else the municipality's code.
    scope_key: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[PackStatus] = mapped_column(text_enum(PackStatus), default=PackStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    decisions: Mapped[int | None]  # how many decisions the built pack holds
    last_decision_number: Mapped[int | None]
    signing_key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None]  # why the last build failed (for admin; the user sees "failed")
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]  # a building pack's builder holds it until then
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ReviewPackChunk(Base):
    __tablename__ = "review_pack_chunks"

    pack_id: Mapped[int] = mapped_column(ForeignKey("review_packs.id"), primary_key=True)
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
