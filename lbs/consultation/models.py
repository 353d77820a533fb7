"""Consultation parties, versioned rules and the consultations actually made."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.organisations.models import Organisation
from lbs.timeutil import utcnow


class Mode(enum.StrEnum):
    INFORM = "inform"
    CONSULT = "consult"
    APPROVE = "approve"


class Timing(enum.StrEnum):
    BEFORE = "before"
    AFTER = "after"
    AT_ONCE = "at_once"
    NEXT_MEETING = "next_meeting"


class Outcome(enum.StrEnum):
    AGREED = "agreed"
    AGREED_WITH_RESERVATION = "agreed_with_reservation"
    OBJECTED = "objected"
    NO_ANSWER = "no_answer"


class Party(Base):
    """A role to consult ("Kommunaldirektør, Herning Kommune"), not a person: the roster says who held it."""

    __tablename__ = "consultation_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # What kind of role this is (e.g. "kommunaldirektoer", "borgmester"); rules target roles per municipality.
    role: Mapped[str] = mapped_column(String(60), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))

    organisation: Mapped[Organisation] = relationship()


class Rule(Base):
    """An edge of the consultation graph: from a decision condition (or a party) to a target party role.

    Rules are versioned: a change is a new row with the same ``code`` and a higher ``version``; the
    old row gets ``valid_to``. A decision is judged by the rules in force at its ``decided_at``.
    """

    __tablename__ = "consultation_rules"
    __table_args__ = (Index("ix_consultation_rules_code_version", "code", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None]
    # The condition on the decision (or, for party-to-party rules, the source party role).
    condition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_role: Mapped[str | None] = mapped_column(String(60))
    # The party role to consult, resolved per municipality/organisation at evaluation time, or a fixed key.
    target_role: Mapped[str | None] = mapped_column(String(60))
    target_party_key: Mapped[str | None] = mapped_column(String(80))
    mode: Mapped[Mode] = mapped_column(text_enum(Mode))
    timing: Mapped[Timing] = mapped_column(text_enum(Timing))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Consultation(Base):
    """A party that was actually consulted/informed for a decision.

    Logged with the decision (``appended_seq`` NULL): part of the decision's hash. Appended later: numbered
    per incident (``appended_seq`` 1, 2, …) and chained on its own (``prev_hash``/``hash``), the chain's head
    kept on the incident (``Incident.consultation_head``), so that a change or a deletion is detected.
    """

    __tablename__ = "consultations"
    __table_args__ = (UniqueConstraint("incident_id", "appended_seq", name="uq_consultations_incident_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("consultation_parties.id"), index=True)
    consulted_at: Mapped[datetime]
    mode: Mapped[Mode] = mapped_column(text_enum(Mode))
    outcome: Mapped[Outcome] = mapped_column(text_enum(Outcome, 40))
    channel: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None]
    # When and by whom it was recorded (for those logged with a decision: the decision's recording).
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Appended consultations only (NULL for those logged with the decision):
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    appended_seq: Mapped[int | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    party: Mapped[Party] = relationship()
