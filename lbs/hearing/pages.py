"""What the proposal pages show: a request's state in words, the people's names, the incident's proposals with
their open requests. Reads only; the views stay thin and the templates free of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest, Proposal, RequestStatus
from lbs.decisions import reads as decision_reads
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.hearing import reads
from lbs.hearing.records import judged_requirements, shown_body
from lbs.organisations import services as organisations

PROPOSAL_STATUS = {"open": _l("Open"), "decided": _l("Decided"), "withdrawn": _l("Withdrawn")}
# A request's state as the proposal page shows it: an open request past its answer-by time is overdue.
REQUEST_STATE = {"open": _l("Waiting for an answer"), "answered": _l("Answered"), "overdue": _l("Overdue"),
                 "withdrawn": _l("Withdrawn")}


@dataclass(frozen=True)
class RequestRow:
    request: ConsultationRequest
    state: str  # a key of REQUEST_STATE
    answered_by: str | None  # the answering user's name


def state_of(request: ConsultationRequest, now: datetime) -> str:
    if request.status is RequestStatus.OPEN and request.respond_by is not None and request.respond_by < now:
        return "overdue"
    return request.status.value


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Each user's display name (their user name when they have none)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: u.display_name or u.username for u in users}


def request_rows(requests: Sequence[ConsultationRequest], now: datetime) -> list[RequestRow]:
    names = user_names(r.answered_by_id for r in requests)
    return [RequestRow(r, state_of(r, now), names.get(r.answered_by_id) if r.answered_by_id else None)
            for r in requests]


def proposal_page(proposal: Proposal, now: datetime, scope: ReadScope = EVERYTHING) -> dict[str, Any]:
    """The template's values for one proposal: its fields as ``scope`` reads them (only the proposed costs of
    the bearers in scope), its requests, what it requires (judged over the answers so far, on the whole
    proposal), the organisations' names, who proposed and closed it, and its decision."""
    requests = reads.requests_of_proposal(proposal.id)
    names = user_names((proposal.created_by_id, proposal.closed_by_id))
    decision = decision_reads.get_decision(proposal.decision_id) if proposal.decision_id else None
    return {
        "proposal": proposal, "body": shown_body(proposal, scope), "rows": request_rows(requests, now),
        "required": judged_requirements(proposal, requests),
        "org_names": {o.id: o.name for o in organisations.list_organisations()},
        "created_by": names.get(proposal.created_by_id or 0), "closed_by": names.get(proposal.closed_by_id or 0),
        "decision": decision, "own_costs_only": not scope.everything, "status_labels": PROPOSAL_STATUS,
        "state_labels": REQUEST_STATE,
    }


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    open_requests: int


def proposal_rows(incident_id: int) -> list[ProposalRow]:
    """The incident's proposals, oldest first, each with how many of its requests are still open."""
    found = reads.proposals_of(incident_id)
    counts: dict[int | None, int] = {proposal_id: count for proposal_id, count in db.session.execute(
        select(ConsultationRequest.proposal_id, func.count())
        .where(ConsultationRequest.incident_id == incident_id, ConsultationRequest.status == RequestStatus.OPEN,
               ConsultationRequest.proposal_id.is_not(None))
        .group_by(ConsultationRequest.proposal_id))}
    return [ProposalRow(p, counts.get(p.id, 0)) for p in found]
