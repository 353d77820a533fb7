"""A party's own answer to a consultation request: signed with its author and time, never changed.

An answer to a request that has moved to a decision (its proposal was decided while it was open, or it was asked
about a logged decision) is appended to the current version of that decision as a consultation (channel ``lbs``),
so the decision's statuses take it into account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, update

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation.hearings import Answer, ConsultationRequest, Proposal, RequestStatus
from lbs.consultation.models import Outcome
from lbs.decisions import appended, reads
from lbs.decisions.draft import ConsultationDraft, check_encodable
from lbs.errors import Conflict, Forbidden
from lbs.extensions import db
from lbs.hearing import proposals
from lbs.hearing.reads import may_answer
from lbs.hearing.telling import tell_answer
from lbs.timeutil import utcnow
from lbs.validation import TEXT_MAX, Fields

CHANNEL = "lbs"
NEEDS_COMMENT = (Answer.AGREED_WITH_RESERVATION, Answer.OBJECTED)


@dataclass(frozen=True)
class AnswerInput:
    outcome: Answer
    comment: str | None


def read_answer(data: dict[str, Any]) -> AnswerInput:
    """``{outcome, comment?}``: the comment is required with a reservation or an objection (422)."""
    check_encodable(data)
    f = Fields(data)
    outcome = f.choice("outcome", Answer)
    comment = (f.text("comment", required=False, max_len=TEXT_MAX) or "").strip() or None
    if outcome in NEEDS_COMMENT and comment is None and "comment" not in f.errors:
        f.error("comment", "is required with a reservation or an objection")
    f.check("invalid answer")
    assert outcome is not None
    return AnswerInput(outcome, comment)


def consultation_of(request: ConsultationRequest) -> ConsultationDraft:
    """The consultation an answered request becomes: the request's form, the answer's outcome and comment, the
    answer's time, channel ``lbs``."""
    assert request.answered_at is not None and request.outcome is not None
    return ConsultationDraft(request.party.key, request.answered_at, request.mode, Outcome(request.outcome.value),
                             CHANNEL, request.comment)


def check_may_answer(user: User, request: ConsultationRequest) -> None:
    """403 unless the user may answer for the request's party (:func:`lbs.hearing.reads.may_answer`)."""
    if not may_answer(user, request.party):
        raise Forbidden("you may not answer for this party")


def _lock(request: ConsultationRequest) -> None:
    """Queue on the request's proposal (deciding it reads its answers under the same lock), then read the
    request afresh."""
    if request.proposal_id is not None:
        proposal = db.session.get(Proposal, request.proposal_id)
        assert proposal is not None
        proposals.lock_proposal(proposal)
    table = cast(Table, ConsultationRequest.__table__)
    db.session.execute(update(table).where(table.c.id == request.id).values(status=table.c.status))
    db.session.refresh(request)


def answer(*, request: ConsultationRequest, data: dict[str, Any], by: User,
           now: datetime | None = None) -> ConsultationRequest:
    """Record the party's answer (403 when the user may not answer for it, 422 for the body, 409 when it is
    already answered or withdrawn, or its decision's incident is closed); nothing is written on any error."""
    now = now or utcnow()
    check_may_answer(by, request)
    given = read_answer(data)
    _lock(request)
    if request.status is not RequestStatus.OPEN:
        raise Conflict(f"the request is {request.status.value}: an answer is given once and never changed")
    request.status = RequestStatus.ANSWERED
    request.outcome, request.comment = given.outcome, given.comment
    request.answered_at, request.answered_by_id = now, by.id
    db.session.flush()
    if request.decision_id is not None:
        decision = reads.current_version(reads.get_decision(request.decision_id))
        done = appended.append_consultation(
            decision=decision, by=by, now=now,
            item=consultation_of(request))
        request.consultation_id = done.consultation.id
        db.session.flush()
    tell_answer(request, now)
    audit.record(by=by, action="consultation_request.answer", object_type="consultation_request",
                 object_id=request.id,
                 summary=f"{request.party.key} answered {given.outcome.value}"
                         + (f" on proposal {request.proposal_id}" if request.proposal_id else ""),
                 data={"incident_id": request.incident_id, "proposal_id": request.proposal_id,
                       "decision_id": request.decision_id, "outcome": given.outcome.value,
                       "comment": given.comment, "consultation_id": request.consultation_id})
    return request
