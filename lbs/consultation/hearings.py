"""Hearing the parties before (and after) a decision: proposals and consultation requests.

A *proposal* (beslutningsforslag) is a decision the staff means to take, stored with its proposed fields until it
is decided (and becomes a logged decision) or withdrawn. A *consultation request* asks one party, in one form
(inform < consult < approve), for its answer; the party answers in the application itself, signed with its author
and time, and the answer never changes. The services that propose, answer and decide live in ``lbs.hearing``
(above the decision log); the models live here, beside the consultations the answers become, so that the
decision log's pages can show how a consultation was asked for without importing upwards.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.consultation.models import Mode, Party
from lbs.enum_type import text_enum
from lbs.extensions import Base
from lbs.timeutil import utcnow


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class Answer(enum.StrEnum):
    AGREED = "agreed"
    AGREED_WITH_RESERVATION = "agreed_with_reservation"
    OBJECTED = "objected"


class Proposal(Base):
    """A decision proposed to the parties before it is taken. ``body`` holds the proposed fields in the shape of
    a decision body (less ``decided_at`` and ``decided_by``), as they were validated."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(text_enum(ProposalStatus), default=ProposalStatus.OPEN)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the consultation rules required when it was proposed (``Requirement.record()`` each).
    required_consultations: Mapped[list[Any]] = mapped_column(JSON)
    respond_by: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when decided: the decision it became.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    closed_at: Mapped[datetime | None]  # decided or withdrawn
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None]


class ConsultationRequest(Base):
    """One party asked, in one form, about a proposal or a logged decision.

    ``decision_id`` is set from the start for a request on a logged decision and when its proposal is decided
    (an open request moves to the decision: a later answer is appended to it as a consultation)."""

    __tablename__ = "consultation_requests"
    __table_args__ = (
        Index("ix_consultation_requests_open_party", "party_id", "requested_at",
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("consultation_parties.id"), index=True)
    mode: Mapped[Mode] = mapped_column(text_enum(Mode))
    status: Mapped[RequestStatus] = mapped_column(text_enum(RequestStatus), default=RequestStatus.OPEN)
    requested_at: Mapped[datetime]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    respond_by: Mapped[datetime | None]
    outcome: Mapped[Answer | None] = mapped_column(text_enum(Answer, 40))
    comment: Mapped[str | None]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The consultation the answer became (logged with the decision, or appended to it).
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    withdrawn_at: Mapped[datetime | None]

    party: Mapped[Party] = relationship()
