"""Incidents, their affected municipalities and staff activations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.organisations.models import Municipality
from lbs.staffs.models import Staff
from lbs.timeutil import utcnow


class IncidentKind(enum.StrEnum):
    SEVERE_WEATHER = "severe_weather"
    FLOOD = "flood"
    STORM_SURGE = "storm_surge"
    FIRE = "fire"
    CBRNE = "cbrne"
    TERROR = "terror"
    UTILITY_FAILURE = "utility_failure"
    HEALTH = "health"
    MIGRATION = "migration"
    PLANNED_EVENT = "planned_event"
    OTHER = "other"


class IncidentStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Readiness(enum.StrEnum):
    STANDBY = "standby"
    ACTIVATED = "activated"
    STOOD_DOWN = "stood_down"


incident_municipalities = Table(
    "incident_municipalities",
    Base.metadata,
    Column("incident_id", ForeignKey("incidents.id"), primary_key=True),
    Column("municipality_code", ForeignKey("municipalities.code"), primary_key=True, index=True),
)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_started", "status", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[IncidentKind] = mapped_column(text_enum(IncidentKind))
    exercise: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status: Mapped[IncidentStatus] = mapped_column(text_enum(IncidentStatus), default=IncidentStatus.ACTIVE)
    description: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The last decision number handed out; incremented under a row lock (gapless numbering).
    last_decision_number: Mapped[int] = mapped_column(default=0)
    # Bumped (in SQL) with every change to one of the incident's cost lines; new lines and superseded ones come
    # with a new decision number. Together they version the incident's costs for caches in any worker.
    costs_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The chain of consultations appended to the incident's decisions after they were logged: how many and the
    # hash of the newest, kept here so that deleting the newest row is detected (``lbs.decisions.verification``).
    appended_consultations: Mapped[int] = mapped_column(default=0, server_default="0")
    consultation_head: Mapped[str | None] = mapped_column(String(64))
    # The attachments' chain (lbs.decisions.attachment_chain): how many, and the newest hash.
    attachment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    attachment_head: Mapped[str | None] = mapped_column(String(64))

    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=incident_municipalities, order_by=Municipality.code
    )


class IncidentEventKind(enum.StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


class IncidentEvent(Base):
    """A closing or a reopening of an incident, kept as its history (never changed)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[IncidentEventKind] = mapped_column(text_enum(IncidentEventKind))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]  # closing: the end time given
    reason: Mapped[str | None]  # reopening: why


class Activation(Base):
    """A staff activated for an incident at a readiness level, from/until."""

    __tablename__ = "activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staffs.id"))
    readiness: Mapped[Readiness] = mapped_column(text_enum(Readiness))
    active_from: Mapped[datetime]
    active_until: Mapped[datetime | None]
    note: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    staff: Mapped[Staff] = relationship()
