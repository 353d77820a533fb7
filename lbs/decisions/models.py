"""Decisions: append-only, numbered per incident, hash-chained."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person, Staff


class DecisionType(enum.StrEnum):
    EVACUATION = "evacuation"
    SHELTER = "shelter"
    CORDON = "cordon"
    WARNING = "warning"
    RESOURCE_REQUEST = "resource_request"
    ASSISTANCE_REQUEST = "assistance_request"
    CLOSURE = "closure"
    TRAFFIC = "traffic"
    COMMUNICATION = "communication"
    STAND_DOWN = "stand_down"
    OTHER = "other"


class Decision(Base):
    """One entry of the decision log. Rows are never updated or deleted after insert."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("incident_id", "number", name="uq_decisions_incident_number"),
        Index("ix_decisions_decided_at", "decided_at"),
        # An incident's decisions before a moment (the R14 running totals of a decision being logged).
        Index("ix_decisions_incident_decided", "incident_id", "decided_at"),
        # The urgent decisions of an incident, counted from the index (the review search).
        Index("ix_decisions_incident_urgent", "incident_id", "urgent"),
        Index("ix_decisions_incident_gaps", "incident_id", "number", sqlite_where=text("missing_count > 0"),
              postgresql_where=text("missing_count > 0")),
        # Partial: almost every decision has no amends_id, and a full index on a mostly-NULL column looks
        # useless to SQLite's planner once statistics exist (it then scans the table).
        Index("ix_decisions_amends_id", "amends_id", sqlite_where=text("amends_id IS NOT NULL"),
              postgresql_where=text("amends_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    number: Mapped[int]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staffs.id"), index=True)
    decided_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    decided_by_off_roster: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    type: Mapped[DecisionType] = mapped_column(text_enum(DecisionType), index=True)
    title: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str]
    information: Mapped[str | None]
    # [{"text": str, "chosen": bool, "rejection_reason": str | None}]
    options: Mapped[list[Any]] = mapped_column(default=list)
    rationale: Mapped[str]
    legal_basis: Mapped[str | None]
    expected_outcome: Mapped[str | None]
    urgent: Mapped[bool] = mapped_column(default=False)
    # Extra facts the consultation rules look at (e.g. vulnerable citizens, assisting organisations).
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    amendment_reason: Mapped[str | None]
    delay_reason: Mapped[str | None]
    missing_reason: Mapped[str | None]
    # What the consultation rules required when the decision was logged (``Requirement.record()`` each),
    # covered by the hash. NULL only on rows logged before this was stored: those are computed when read.
    required_consultations: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    # How many of those were not consulted (fixed: consultations are part of the logged decision); NULL likewise.
    missing_count: Mapped[int | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    staff: Mapped[Staff] = relationship()
    decided_by: Mapped[Person] = relationship()
    owner: Mapped[Organisation] = relationship()
    amends: Mapped[Decision | None] = relationship(remote_side=[id])
