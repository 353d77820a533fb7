"""Cost lines that decisions put on a bearer, and the history of every change to them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.organisations.models import Organisation
from lbs.timeutil import utcnow


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


class CostChange(Base):
    """One field change of a cost line: who, when, old → new."""

    __tablename__ = "cost_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cost_line_id: Mapped[int] = mapped_column(ForeignKey("cost_lines.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None]
    new: Mapped[str | None]
