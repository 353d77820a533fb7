"""Staffs (LBS-S, LBS-O), their positions, people and the assignments that fill the seats."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.organisations.models import Organisation
from lbs.timeutil import utcnow


class StaffLevel(enum.StrEnum):
    STRATEGIC = "strategic"
    OPERATIVE = "operative"


class Staff(Base):
    __tablename__ = "staffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[StaffLevel] = mapped_column(text_enum(StaffLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("staffs.id"))

    parent: Mapped[Staff | None] = relationship(remote_side=[id])


class Position(Base):
    """A seat in a staff, held by an organisation's representative."""

    __tablename__ = "positions"
    __table_args__ = (CheckConstraint("min_deputies >= 0", name="min_deputies_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staffs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    mandatory: Mapped[bool] = mapped_column(default=False)
    min_deputies: Mapped[int] = mapped_column(default=0)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff: Mapped[Staff] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Person(Base):
    """Someone who can hold a seat. Office title and work contact only: never private data."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    job_title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Assignment(Base):
    """``person`` holds ``position`` at ``rank`` (0 primary, 1.. deputies) from ``valid_from``
    (inclusive) to ``valid_to`` (exclusive, ``None`` = open-ended). Never deleted."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("rank >= 0", name="rank_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
        Index("ix_assignments_position_rank_from", "position_id", "rank", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    rank: Mapped[int]
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    position: Mapped[Position] = relationship()
    person: Mapped[Person] = relationship()


class RosterCorrection(Base):
    """A roster change that reached back over a logged decision of the staff, with the reason given for it:
    ``assignment`` started or was ended so that ``[period_from, period_to)`` in the past changed."""

    __tablename__ = "roster_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staffs.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # "assign" or "end"
    reason: Mapped[str] = mapped_column(String(2000))
    period_from: Mapped[datetime]
    period_to: Mapped[datetime]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str | None] = mapped_column(String(200))
