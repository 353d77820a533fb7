"""Deciding a proposal: the decision is logged like any other, with the parties' answers as its consultations.

Every answered request becomes one of the decision's consultations (the request's form, the answer's outcome and
comment, ``consulted_at`` the answer's time, channel ``lbs``), covered by the decision's hash. Requests still open
move to the decision: an answer that comes later is appended to it (:mod:`lbs.hearing.answers`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest, Proposal, ProposalStatus, RequestStatus
from lbs.decisions import log
from lbs.decisions.draft import check_encodable, read_draft
from lbs.extensions import db
from lbs.hearing import proposals
from lbs.hearing.answers import consultation_of
from lbs.incidents.models import Incident
from lbs.timeutil import utcnow

DECIDING = ("decided_at", "decided_by", "delay_reason")


def decision_input(proposal: Proposal, changes: dict[str, Any]) -> dict[str, Any]:
    """The proposed fields overlaid with the given ones (any proposed field, and the decision's time, decision
    maker and delay reason)."""
    merged = dict(proposal.body)
    for key, value in changes.items():
        if key in proposals.PROPOSED or key in DECIDING:
            merged[key] = value
    return merged


def decide(*, proposal: Proposal, data: dict[str, Any], by: User | None,
           now: datetime | None = None) -> log.Logged:
    """Log the proposal as a decision (422 for the body as for any decision, 409 when the proposal is decided or
    withdrawn or the incident closed); nothing is written on any error."""
    now = now or utcnow()
    check_encodable(data)
    draft = read_draft(decision_input(proposal, data))
    status = proposals.lock_proposal(proposal)
    if status is not ProposalStatus.OPEN:
        raise proposals.not_open(status)
    requests = list(db.session.scalars(
        select(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal.id)
        .order_by(ConsultationRequest.id).execution_options(populate_existing=True)))
    answered = [r for r in requests if r.status is RequestStatus.ANSWERED]
    answers = [consultation_of(r) for r in answered]
    incident = db.session.get(Incident, proposal.incident_id)
    assert incident is not None
    logged = log.log_decision(incident=incident, draft=replace(draft, consultations=[*draft.consultations, *answers]),
                              by=by, now=now)
    decision = logged.decision
    proposal.status, proposal.decision_id = ProposalStatus.DECIDED, decision.id
    proposal.closed_at, proposal.closed_by_id = now, by.id if by else None
    for request, (consultation, _key) in zip(answered, logged.consulted[len(draft.consultations):], strict=True):
        request.consultation_id = consultation.id
    db.session.execute(update(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal.id)
                       .values(decision_id=decision.id))
    db.session.flush()
    audit.record(by=by, action="proposal.decide", object_type="proposal", object_id=proposal.id,
                 summary=f"proposal {proposal.id} decided as decision {decision.number} in incident {incident.id}",
                 data={"incident_id": incident.id, "decision_id": decision.id, "number": decision.number,
                       "answers": len(answers), "open_requests": sum(r.status is RequestStatus.OPEN
                                                                    for r in requests)})
    return logged

