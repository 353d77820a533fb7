"""What the answering pages show of consultation requests: list rows and the request page.

A request is about a proposal (its proposed fields, stored in its body) or a logged decision; the page shows
either in full, with only the costs that fall on the reader's municipality when the reader is a municipality
user. Lists are read with one query per kind of related row, never one per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lbs.auth.models import Role, User
from lbs.consultation.hearings import ConsultationRequest, Proposal, RequestStatus
from lbs.decisions import reads as decision_reads
from lbs.decisions.models import Decision
from lbs.decisions.scope import ReadScope
from lbs.errors import Forbidden
from lbs.extensions import db
from lbs.hearing.reads import may_answer, party_municipality
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.staffs.models import Staff
from lbs.timeutil import utcnow

# Open first, then answered, then withdrawn.
STATUS_ORDER = {RequestStatus.OPEN: 0, RequestStatus.ANSWERED: 1, RequestStatus.WITHDRAWN: 2}


def is_overdue(request: ConsultationRequest, now: datetime) -> bool:
    """An open request whose answer was due before ``now``."""
    return request.status is RequestStatus.OPEN and request.respond_by is not None and request.respond_by < now


def may_view(user: User, request: ConsultationRequest) -> bool:
    """Police and admin see every request; a municipality user those to their municipality's parties."""
    if user.role in (Role.POLICE, Role.ADMIN):
        return True
    return user.role is Role.MUNICIPALITY and party_municipality(request.party) == user.municipality_code


def check_may_view(user: User, request: ConsultationRequest) -> None:
    if not may_view(user, request):
        raise Forbidden("you may not see this consultation request")


@dataclass(frozen=True)
class Row:
    """One request in a list."""

    request: ConsultationRequest
    incident_title: str
    title: str
    overdue: bool


def _id_map(key: Any, value: Any, ids: set[int]) -> dict[int, str]:
    """``{id: value}`` for the given ids, in one query (none for no ids)."""
    if not ids:
        return {}
    return {row[0]: row[1] for row in db.session.execute(select(key, value).where(key.in_(ids)))}


def _titles(requests: Sequence[ConsultationRequest]) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    incident_ids = {r.incident_id for r in requests}
    proposal_ids = {r.proposal_id for r in requests if r.proposal_id is not None}
    decision_ids = {r.decision_id for r in requests if r.proposal_id is None and r.decision_id is not None}
    return (_id_map(Incident.id, Incident.title, incident_ids), _id_map(Proposal.id, Proposal.title, proposal_ids),
            _id_map(Decision.id, Decision.title, decision_ids))


def rows(requests: Sequence[ConsultationRequest], now: datetime | None = None) -> list[Row]:
    """The requests as list rows, open first, then answered and withdrawn (each oldest first)."""
    now = now or utcnow()
    incidents, proposals, decisions = _titles(requests)
    ordered = sorted(requests, key=lambda r: STATUS_ORDER[r.status])
    return [Row(r, incidents.get(r.incident_id, ""),
                proposals.get(r.proposal_id, "") if r.proposal_id is not None
                else decisions.get(r.decision_id or 0, ""), is_overdue(r, now)) for r in ordered]


@dataclass(frozen=True)
class CostRow:
    category: str
    description: str | None
    bearer: str
    estimate: Decimal
    provisional: bool


@dataclass(frozen=True)
class Subject:
    """The proposal or decision a request is about, in the fields the page shows."""

    title: str
    type: str
    urgent: bool
    decision: str
    rationale: str
    information: str | None
    legal_basis: str | None
    expected_outcome: str | None
    options: list[dict[str, Any]]
    staff: str
    owner: str
    costs: list[CostRow]
    logged: Decision | None  # the logged decision (a request about a decision, or a decided proposal)


def _names(organisation_ids: set[int]) -> dict[int, str]:
    return _id_map(Organisation.id, Organisation.name, organisation_ids)


def _of_proposal(proposal: Proposal, scope: ReadScope, logged: Decision | None) -> Subject:
    body = proposal.body
    lines = [c for c in body.get("costs") or () if scope.sees_bearer(int(c["bearer"]))]
    names = _names({int(body["owner"]), *(int(c["bearer"]) for c in lines)})
    staff = db.session.scalar(select(Staff.name).where(Staff.code == body["staff"])) or body["staff"]
    costs = [CostRow(c["category"], c.get("description"), names.get(int(c["bearer"]), ""), Decimal(c["estimate_dkk"]),
                     bool(c.get("provisional"))) for c in lines]
    return Subject(proposal.title, body["type"], bool(body.get("urgent")), body["decision"], body["rationale"],
                   body.get("information"), body.get("legal_basis"), body.get("expected_outcome"),
                   list(body.get("options") or ()), staff, names.get(int(body["owner"]), ""), costs, logged)


def _of_decision(decision: Decision, scope: ReadScope) -> Subject:
    lines = [c for c in decision_reads.cost_lines([decision.id]).get(decision.id, [])
             if scope.sees_bearer(c.bearer_id)]
    names = _names({c.bearer_id for c in lines})
    costs = [CostRow(c.category.value, c.description, names.get(c.bearer_id, ""), c.estimate_dkk, c.provisional)
             for c in lines]
    return Subject(decision.title, decision.type.value, decision.urgent, decision.decision, decision.rationale,
                   decision.information, decision.legal_basis, decision.expected_outcome, list(decision.options or ()),
                   decision.staff.name, decision.owner.name, costs, decision)


def subject_of(request: ConsultationRequest, user: User) -> Subject:
    """The proposal (or logged decision) the request is about; a municipality user sees only their
    municipality's cost lines (those in the user's :class:`ReadScope`)."""
    scope = ReadScope.of(user)
    logged = db.session.get(Decision, request.decision_id) if request.decision_id is not None else None
    if request.proposal_id is not None:
        proposal = db.session.get(Proposal, request.proposal_id)
        assert proposal is not None
        return _of_proposal(proposal, scope, logged)
    assert logged is not None
    return _of_decision(logged, scope)


def _user_name(user_id: int | None) -> str | None:
    user = db.session.get(User, user_id) if user_id is not None else None
    return (user.display_name or user.username) if user is not None else None


@dataclass(frozen=True)
class RequestPage:
    request: ConsultationRequest
    incident: Incident
    subject: Subject
    requested_by: str | None
    answered_by: str | None
    overdue: bool
    answerable: bool  # open, and the user may answer for its party
    own_costs_only: bool


def request_page(request: ConsultationRequest, user: User, now: datetime | None = None) -> RequestPage:
    """The request page as ``user`` sees it (check :func:`check_may_view` first)."""
    incident = db.session.get(Incident, request.incident_id)
    assert incident is not None
    answerable = request.status is RequestStatus.OPEN and may_answer(user, request.party)
    return RequestPage(request, incident, subject_of(request, user), _user_name(request.requested_by_id),
                       _user_name(request.answered_by_id), is_overdue(request, now or utcnow()), answerable,
                       user.role is Role.MUNICIPALITY)
