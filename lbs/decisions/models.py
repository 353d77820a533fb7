"""Decisions: append-only, numbered per incident, hash-chained; with the cost lines logged in them.

A cost line is born in a decision entry and its immutable part (bearer, category, description, estimate,
provisional) is covered by the decision's hash, so the model lives here; its workflow (status, actual
amount, history), ledgers and exports live in ``lbs.costs`` above.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.consultation.facts import DecisionType
from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person, Staff
from lbs.timeutil import utcnow


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
        Index("ix_decisions_incident_unmet", "incident_id", "number", sqlite_where=text("unmet_count > 0"),
              postgresql_where=text("unmet_count > 0")),
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
    # How many of those were not met when the decision was logged (covered by the hash); NULL likewise.
    missing_count: Mapped[int | None]
    # How many are not met now, counting consultations appended later (``lbs.consultation.judging``): kept up
    # to date when one is appended, outside the hash. NULL where the requirements are not stored.
    unmet_count: Mapped[int | None]
    # Who decided, as recorded when the decision was logged (covered by the hash; a later change to the
    # person does not alter it): name, job title and the seat held in the staff then (None: no seat).
    # NULL on rows logged before these were stored: those read the person's current name.
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_by_job_title: Mapped[str | None] = mapped_column(String(200))
    decided_by_seat: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    staff: Mapped[Staff] = relationship()
    decided_by: Mapped[Person] = relationship()
    owner: Mapped[Organisation] = relationship()
    amends: Mapped[Decision | None] = relationship(remote_side=[id])


class CostCategory(enum.StrEnum):
    EVACUATION_TRANSPORT = "evacuation_transport"
    EMERGENCY_ACCOMMODATION = "emergency_accommodation"
    CATERING = "catering"
    RESPONDER_CATERING = "responder_catering"
    SUPPLIES = "supplies"
    REHOUSING = "rehousing"
    EXTRA_STAFF = "extra_staff"
    EQUIPMENT = "equipment"
    EXTERNAL_ASSISTANCE = "external_assistance"
    PSYCHOSOCIAL = "psychosocial"
    PUBLIC_INFORMATION = "public_information"
    CLEAN_UP = "clean_up"
    RESTORATION = "restoration"
    PRIVATE_COMPENSATION = "private_compensation"
    ADMINISTRATION = "administration"
    LOST_INCOME = "lost_income"


class CostStatus(enum.StrEnum):
    ESTIMATED = "estimated"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"
    SETTLED = "settled"


class BudgetNote(enum.StrEnum):
    NONE = "none"
    STATUTORY_GRANT_TO_FOLLOW = "statutory_grant_to_follow"
    NEEDS_SUPPLEMENTARY_GRANT = "needs_supplementary_grant"


class CostLine(Base):
    __tablename__ = "cost_lines"
    __table_args__ = (
        CheckConstraint("estimate_dkk >= 0", name="estimate_not_negative"),
        CheckConstraint("actual_dkk IS NULL OR actual_dkk >= 0", name="actual_not_negative"),
        Index("ix_cost_lines_bearer_status", "bearer_id", "status"),
        Index("ix_cost_lines_incident_bearer", "incident_id", "bearer_id"),
        # The disputed lines of an incident, counted from the index (the review search).
        Index("ix_cost_lines_incident_status", "incident_id", "status", "superseded_by_id"),
        # Covering indexes for the ledger and the dashboard: their sums, chart and line pages read these alone,
        # in group order (``superseded_by_id IS NULL`` is an equality here), without visiting the table.
        Index("ix_cost_lines_incident_totals", "incident_id", "superseded_by_id", "bearer_id", "category",
              "estimate_dkk", "actual_dkk", "decision_id"),
        Index("ix_cost_lines_bearer_totals", "bearer_id", "superseded_by_id", "incident_id", "category", "status",
              "estimate_dkk", "actual_dkk", "decision_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    bearer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[CostCategory] = mapped_column(text_enum(CostCategory))
    description: Mapped[str | None]
    estimate_dkk: Mapped[Decimal]
    provisional: Mapped[bool] = mapped_column(default=False)
    # Mutable workflow state (outside the decision hash):
    actual_dkk: Mapped[Decimal | None]
    status: Mapped[CostStatus] = mapped_column(text_enum(CostStatus), default=CostStatus.ESTIMATED)
    invoice_ref: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None]
    budget_note: Mapped[BudgetNote] = mapped_column(text_enum(BudgetNote, 40), default=BudgetNote.NONE)
    council_meeting_on: Mapped[date | None]
    # Set when an amendment with its own cost lines supersedes this line's decision.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    bearer: Mapped[Organisation] = relationship()
