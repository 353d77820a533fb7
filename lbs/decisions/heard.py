"""How the parties were heard through the application: consultation requests and proposals, read for the
decision page, the incident timeline, the compliance page and the review.

The models live in :mod:`lbs.consultation.hearings` (below the decision log); the services that write them live
in ``lbs.hearing`` above it, which this module never imports. Every read here is one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest, Proposal, ProposalStatus, RequestStatus
from lbs.consultation.models import Party
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.timeutil import minutes_between


@dataclass(frozen=True)
class HeardRequest:
    """One consultation request with the names it is shown with."""

    id: int
    proposal_id: int | None
    proposal_title: str | None
    decision_id: int | None
    decision_number: int | None
    decision_title: str | None
    asked_with_proposal: bool  # asked when the proposal was made (not added later)
    party_key: str
    party_name: str
    mode: str
    status: str  # open | answered | withdrawn
    requested_at: datetime
    requested_by: str | None
    respond_by: datetime | None
    outcome: str | None
    comment: str | None
    answered_at: datetime | None
    answered_by: str | None
    withdrawn_at: datetime | None

    @property
    def minutes_to_answer(self) -> int | None:
        """Whole minutes from the request to its answer (None while unanswered)."""
        if self.answered_at is None:
            return None
        return round(minutes_between(self.answered_at, self.requested_at))

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN.value

    def overdue(self, now: datetime) -> bool:
        """Still open after its answer was due."""
        return self.is_open and self.respond_by is not None and self.respond_by < now


def _name(user: Any) -> ColumnElement[Any]:
    return func.coalesce(user.display_name, user.username)


def requests_where(*conditions: ColumnElement[bool]) -> list[HeardRequest]:
    """The consultation requests matching ``conditions``, oldest first, in one query."""
    asker, answerer = aliased(User), aliased(User)
    rows = db.session.execute(
        select(ConsultationRequest, Party.key, Party.name, Decision.number, Decision.title, Proposal.title,
               Proposal.created_at, _name(asker), _name(answerer))
        .join(Party, Party.id == ConsultationRequest.party_id)
        .outerjoin(Decision, Decision.id == ConsultationRequest.decision_id)
        .outerjoin(Proposal, Proposal.id == ConsultationRequest.proposal_id)
        .outerjoin(asker, asker.id == ConsultationRequest.requested_by_id)
        .outerjoin(answerer, answerer.id == ConsultationRequest.answered_by_id)
        .where(*conditions).order_by(ConsultationRequest.requested_at, ConsultationRequest.id)
    ).all()
    return [HeardRequest(
        id=r.id, proposal_id=r.proposal_id, proposal_title=title, decision_id=r.decision_id, decision_number=number,
        decision_title=decision_title, asked_with_proposal=proposed_at is not None and proposed_at == r.requested_at,
        party_key=key, party_name=name, mode=r.mode.value, status=r.status.value, requested_at=r.requested_at,
        requested_by=asked_by, respond_by=r.respond_by, outcome=r.outcome.value if r.outcome else None,
        comment=r.comment, answered_at=r.answered_at, answered_by=answered_by, withdrawn_at=r.withdrawn_at,
    ) for r, key, name, number, decision_title, title, proposed_at, asked_by, answered_by in rows]


def of_decision(decision_id: int) -> list[HeardRequest]:
    return requests_where(ConsultationRequest.decision_id == decision_id)


def of_incident(incident_id: int) -> list[HeardRequest]:
    return requests_where(ConsultationRequest.incident_id == incident_id)


def proposal_of(decision_id: int) -> Proposal | None:
    """The proposal a decision was decided from, if any."""
    return db.session.scalars(select(Proposal).where(Proposal.decision_id == decision_id).limit(1)).first()


def request_counts(decision_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Decision id → (requests asked via the application, of them still unanswered), in one query."""
    if not decision_ids:
        return {}
    unanswered = func.sum(case((ConsultationRequest.status == RequestStatus.OPEN, 1), else_=0))
    rows = db.session.execute(
        select(ConsultationRequest.decision_id, func.count(ConsultationRequest.id), unanswered)
        .where(ConsultationRequest.decision_id.in_(list(decision_ids)))
        .group_by(ConsultationRequest.decision_id)
    ).all()
    return {decision_id: (int(asked), int(still or 0)) for decision_id, asked, still in rows}


# --- events for the incident timeline --------------------------------------------------------------------


@dataclass(frozen=True)
class HearingEvent:
    """A proposal made, decided or withdrawn, a party asked, or an answer given."""

    at: datetime
    kind: str  # proposed | proposal_decided | proposal_withdrawn | asked | answered
    title: str  # the proposal's title, or the decision's for a request on a logged decision
    proposal_id: int | None = None
    decision_id: int | None = None
    decision_number: int | None = None
    parties: int = 0  # proposed: how many parties were asked with it
    party_name: str | None = None
    mode: str | None = None
    outcome: str | None = None
    text: str | None = None  # an answer's comment, a withdrawal's reason


def _window(column: Any, low: datetime | None, high: datetime | None) -> ColumnElement[bool]:
    """``low`` < column <= ``high``; an open bound has no limit (NULL never inside)."""
    return and_(column.is_not(None), *([column > low] if low is not None else []),
                *([column <= high] if high is not None else []))


def _inside(at: datetime | None, low: datetime | None, high: datetime | None) -> bool:
    return at is not None and (low is None or at > low) and (high is None or at <= high)


def _proposal_events(incident_id: int, low: datetime | None, high: datetime | None,
                     asked_with: dict[int, int]) -> list[HearingEvent]:
    events = []
    for proposal, number in db.session.execute(
        select(Proposal, Decision.number).outerjoin(Decision, Decision.id == Proposal.decision_id)
        .where(Proposal.incident_id == incident_id,
               or_(_window(Proposal.created_at, low, high), _window(Proposal.closed_at, low, high)))
        .order_by(Proposal.created_at, Proposal.id)
    ).all():
        if _inside(proposal.created_at, low, high):
            events.append(HearingEvent(proposal.created_at, "proposed", proposal.title, proposal.id,
                                       parties=asked_with.get(proposal.id, 0)))
        if proposal.closed_at is not None and _inside(proposal.closed_at, low, high):
            decided = proposal.status is ProposalStatus.DECIDED
            events.append(HearingEvent(proposal.closed_at, "proposal_decided" if decided else "proposal_withdrawn",
                                       proposal.title, proposal.id, proposal.decision_id, number,
                                       text=None if decided else proposal.withdraw_reason))
    return events


def timeline_events(incident_id: int, *, low: datetime | None, high: datetime | None) -> list[HearingEvent]:
    """The incident's proposals (made, decided, withdrawn), requests asked and answers given at times ``low`` < t
    <= ``high`` (an open bound: no limit), in two queries. The requests asked together with their proposal are
    counted on the proposal's entry rather than listed one by one."""
    requests = requests_where(ConsultationRequest.incident_id == incident_id,
                              or_(_window(ConsultationRequest.requested_at, low, high),
                                  _window(ConsultationRequest.answered_at, low, high)))
    asked_with: dict[int, int] = {}
    events: list[HearingEvent] = []
    for r in requests:
        title = r.proposal_title or r.decision_title or ""
        if r.asked_with_proposal:
            if r.proposal_id is not None and _inside(r.requested_at, low, high):
                asked_with[r.proposal_id] = asked_with.get(r.proposal_id, 0) + 1
        elif _inside(r.requested_at, low, high):
            events.append(HearingEvent(r.requested_at, "asked", title, r.proposal_id, r.decision_id, r.decision_number,
                                       party_name=r.party_name, mode=r.mode))
        if _inside(r.answered_at, low, high):
            assert r.answered_at is not None
            events.append(HearingEvent(r.answered_at, "answered", title, r.proposal_id, r.decision_id,
                                       r.decision_number, party_name=r.party_name, mode=r.mode,
                                       outcome=r.outcome, text=r.comment))
    return _proposal_events(incident_id, low, high, asked_with) + events
