"""Proposing a decision, asking parties, withdrawing a proposal.

A proposal is read as a decision body less ``decided_at`` and ``decided_by`` (every field checked as a decision's
is), plus an optional ``respond_by``. The consultation rules are applied to it as to a decision taken now, and a
consultation request goes to every required party in the required form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation.facts import CostFact, Requirement
from lbs.consultation.hearings import ConsultationRequest, Proposal, ProposalStatus, RequestStatus
from lbs.consultation.judging import RANK
from lbs.consultation.models import Mode, Party
from lbs.consultation.parties import parties_by_key
from lbs.decisions import compliance, log, reads
from lbs.decisions.draft import DecisionDraft, check_encodable, read_draft
from lbs.decisions.models import Decision
from lbs.errors import Conflict, ValidationError
from lbs.extensions import db
from lbs.hearing.telling import tell_request
from lbs.incidents.models import Incident, IncidentStatus
from lbs.money import money_str
from lbs.timeutil import utcnow
from lbs.validation import TEXT_MAX, Fields

# The fields of a decision body a proposal carries (a decision's less its time, decision maker and delay).
PROPOSED = (
    "staff", "owner", "type", "title", "decision", "rationale", "information", "options", "legal_basis",
    "expected_outcome", "urgent", "conditions", "missing_reason", "costs", "consultations",
)
_PLACEHOLDER_MAKER = 1  # stands in for ``decided_by`` while a proposal's fields are read


@dataclass(frozen=True)
class ProposalInput:
    body: dict[str, Any]  # the proposed fields, normalised (the shape of a decision body)
    draft: DecisionDraft  # read as a decision taken now
    respond_by: datetime | None


def draft_body(draft: DecisionDraft) -> dict[str, Any]:
    """The proposed fields of a read draft in the API's input shape (amounts as strings, times with offsets)."""
    return {
        "staff": draft.staff, "owner": draft.owner_id, "type": draft.type.value, "title": draft.title,
        "decision": draft.decision, "rationale": draft.rationale, "information": draft.information,
        "options": list(draft.options), "legal_basis": draft.legal_basis, "expected_outcome": draft.expected_outcome,
        "urgent": draft.urgent, "conditions": dict(draft.conditions), "missing_reason": draft.missing_reason,
        "costs": [{"bearer": c.bearer_id, "category": c.category.value, "estimate_dkk": money_str(c.estimate_dkk),
                   "provisional": c.provisional, "description": c.description} for c in draft.costs],
        "consultations": [{"party": c.party, "consulted_at": c.consulted_at.isoformat(), "mode": c.mode.value,
                           "outcome": c.outcome.value, "channel": c.channel, "note": c.note}
                          for c in draft.consultations],
    }


def _respond_by(f: Fields, now: datetime) -> datetime | None:
    respond_by = f.time("respond_by", required=False)
    if respond_by is not None and respond_by <= now:
        f.error("respond_by", "may not be in the past")
    return respond_by


def read_proposal(data: dict[str, Any], now: datetime) -> ProposalInput:
    """Read a proposal's body (422 with every field error); ``decided_at``/``decided_by`` are not part of it."""
    check_encodable(data)
    body = {key: data[key] for key in PROPOSED if key in data}
    f = Fields(data)
    respond_by = _respond_by(f, now)
    draft: DecisionDraft | None = None
    try:
        draft = read_draft({**body, "decided_at": now.isoformat(), "decided_by": _PLACEHOLDER_MAKER})
    except ValidationError as exc:
        for name, messages in exc.fields.items():
            f.errors.setdefault(name, []).extend(messages)
    f.check("invalid proposal")
    assert draft is not None
    return ProposalInput(draft_body(draft), draft, respond_by)


def _check_references(draft: DecisionDraft) -> None:
    """The staff, owner, cost bearers and consultation parties must exist (422); the decision maker is not
    part of a proposal."""
    try:
        log.resolve(draft)
    except ValidationError as exc:
        errors = {name: messages for name, messages in exc.fields.items() if name != "decided_by"}
        if errors:
            raise ValidationError("invalid proposal", errors) from None


def required_for(incident: Incident, draft: DecisionDraft, at: datetime) -> list[Requirement]:
    """What the consultation rules require of the proposed decision, were it taken at ``at``."""
    costs = [CostFact(c.bearer_id, c.category.value, c.estimate_dkk, c.provisional) for c in draft.costs]
    facts = log.facts_for(incident=incident, staff_code=draft.staff, draft_type=draft.type.value,
                          owner_id=draft.owner_id, costs=costs, urgent=draft.urgent, conditions=draft.conditions,
                          at=at)
    return compliance.required_consultations(facts=facts)


def strongest_per_party(required: Sequence[Requirement]) -> dict[str, str]:
    """Each required party's key with the strongest form any requirement asks of it, in requirement order."""
    modes: dict[str, str] = {}
    for item in required:
        if item.party_key not in modes or RANK[item.mode] > RANK[modes[item.party_key]]:
            modes[item.party_key] = item.mode
    return modes


def _request(*, incident_id: int, party: Party, mode: Mode, now: datetime, by: User | None,
             respond_by: datetime | None, proposal_id: int | None = None,
             decision_id: int | None = None) -> ConsultationRequest:
    request = ConsultationRequest(
        incident_id=incident_id, proposal_id=proposal_id, decision_id=decision_id, party_id=party.id, party=party,
        mode=mode, status=RequestStatus.OPEN, requested_at=now, requested_by_id=by.id if by else None,
        respond_by=respond_by)
    db.session.add(request)
    db.session.flush()
    tell_request(request, now)
    return request


def propose(*, incident: Incident, data: dict[str, Any], by: User | None,
            now: datetime | None = None) -> Proposal:
    """Store a proposal and ask every required party in the required form; nothing is written on any error
    (422 for the body, 409 for a closed incident)."""
    now = now or utcnow()
    proposed = read_proposal(data, now)
    _check_references(proposed.draft)
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict("the incident is closed: no more decisions can be proposed")
    required = required_for(incident, proposed.draft, now)
    proposal = Proposal(
        incident_id=incident.id, status=ProposalStatus.OPEN, title=proposed.draft.title, body=proposed.body,
        required_consultations=[r.record() for r in required], respond_by=proposed.respond_by, created_at=now,
        created_by_id=by.id if by else None)
    db.session.add(proposal)
    db.session.flush()
    modes = strongest_per_party(required)
    parties = parties_by_key(modes)
    for key, mode in modes.items():
        _request(incident_id=incident.id, party=parties[key], mode=Mode(mode), now=now, by=by,
                 respond_by=proposed.respond_by, proposal_id=proposal.id)
    db.session.flush()
    audit.record(by=by, action="proposal.create", object_type="proposal", object_id=proposal.id,
                 summary=f"proposal {proposal.id} in incident {incident.id}: {proposal.title}",
                 data={"incident_id": incident.id, "requests": [{"party": k, "mode": m} for k, m in modes.items()],
                       "respond_by": proposed.respond_by})
    return proposal


def lock_proposal(proposal: Proposal) -> ProposalStatus:
    """Lock the proposal's row until commit and read its status afresh: deciding, withdrawing, asking and
    answering one of its requests queue on it (a row lock on PostgreSQL; on SQLite the write already holds the
    database's write lock)."""
    table = cast(Table, Proposal.__table__)
    status = db.session.execute(update(table).where(table.c.id == proposal.id).values(status=table.c.status)
                                .returning(table.c.status)).scalar_one()
    db.session.refresh(proposal)
    return ProposalStatus(status)


def not_open(status: ProposalStatus) -> Conflict:
    return Conflict(f"the proposal is {status.value}: it can no longer be changed")


@dataclass(frozen=True)
class AskInput:
    party: Party
    mode: Mode
    respond_by: datetime | None


def read_ask(data: dict[str, Any], now: datetime) -> AskInput:
    """``{party, mode, respond_by?}``: 422 for an unknown party, a bad form or an answer-by time in the past."""
    check_encodable(data)
    f = Fields(data)
    key = f.name("party")
    mode = f.choice("mode", Mode)
    respond_by = _respond_by(f, now)
    party = parties_by_key({key}).get(key) if key else None
    if key and party is None:
        f.error("party", "unknown consultation party")
    f.check("invalid consultation request")
    assert party is not None and mode is not None
    return AskInput(party, mode, respond_by)


def _already_asked(asked: AskInput, *, proposal_id: int | None = None, decision_id: int | None = None) -> bool:
    """Whether the party has an open request on the proposal (or decision) in at least the form asked."""
    query = select(ConsultationRequest.mode).where(ConsultationRequest.party_id == asked.party.id,
                                                   ConsultationRequest.status == RequestStatus.OPEN)
    if proposal_id is not None:
        query = query.where(ConsultationRequest.proposal_id == proposal_id)
    else:
        query = query.where(ConsultationRequest.decision_id == decision_id)
    return any(RANK[mode.value] >= RANK[asked.mode.value] for mode in db.session.scalars(query))


def ask_on_proposal(*, proposal: Proposal, data: dict[str, Any], by: User | None,
                    now: datetime | None = None) -> ConsultationRequest:
    """Ask one more party about an open proposal (409 when it is decided or withdrawn, or the party already has an
    open request on it in at least that form; a stronger form may be asked)."""
    now = now or utcnow()
    asked = read_ask(data, now)
    status = lock_proposal(proposal)
    if status is not ProposalStatus.OPEN:
        raise not_open(status)
    if _already_asked(asked, proposal_id=proposal.id):
        raise Conflict(f"{asked.party.key} already has an open request in that form on this proposal")
    request = _request(incident_id=proposal.incident_id, party=asked.party, mode=asked.mode, now=now, by=by,
                       respond_by=asked.respond_by or proposal.respond_by, proposal_id=proposal.id)
    db.session.flush()
    _audit_ask(request, by, f"proposal {proposal.id}")
    return request


def ask_on_decision(*, decision: Decision, data: dict[str, Any], by: User | None,
                    now: datetime | None = None) -> ConsultationRequest:
    """Ask a party about a logged decision: its answer is appended to the decision as a consultation. 409 when
    the incident is closed, the decision amended (naming the current version) or the party already has an open
    request on it in at least that form."""
    now = now or utcnow()
    asked = read_ask(data, now)
    incident = db.session.get(Incident, decision.incident_id)
    if incident is not None and incident.status is IncidentStatus.CLOSED:
        raise Conflict("the incident is closed: reopen it to ask a party")
    current = reads.current_version(decision)
    if current.id != decision.id:
        raise Conflict(f"decision {decision.number} has been amended: the current version is decision "
                       f"{current.number}; ask about that one")
    if _already_asked(asked, decision_id=decision.id):
        raise Conflict(f"{asked.party.key} already has an open request in that form on this decision")
    request = _request(incident_id=decision.incident_id, party=asked.party, mode=asked.mode, now=now, by=by,
                       respond_by=asked.respond_by, decision_id=decision.id)
    db.session.flush()
    _audit_ask(request, by, f"decision {decision.number} in incident {decision.incident_id}")
    return request


def _audit_ask(request: ConsultationRequest, by: User | None, about: str) -> None:
    audit.record(by=by, action="consultation_request.create", object_type="consultation_request",
                 object_id=request.id, summary=f"{request.party.key} asked ({request.mode.value}) about {about}",
                 data={"incident_id": request.incident_id, "proposal_id": request.proposal_id,
                       "decision_id": request.decision_id, "party": request.party.key, "mode": request.mode.value})


def withdraw(*, proposal: Proposal, data: dict[str, Any], by: User | None, now: datetime | None = None) -> Proposal:
    """Withdraw an open proposal with a reason (422 without); its open requests become withdrawn (409 when the
    proposal is no longer open)."""
    now = now or utcnow()
    check_encodable(data)
    f = Fields(data)
    reason = f.text("reason", max_len=TEXT_MAX)
    f.check("invalid withdrawal")
    status = lock_proposal(proposal)
    if status is not ProposalStatus.OPEN:
        raise not_open(status)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdraw_reason = (reason or "").strip()
    proposal.closed_at, proposal.closed_by_id = now, by.id if by else None
    withdrawn = db.session.execute(
        update(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal.id,
                                          ConsultationRequest.status == RequestStatus.OPEN)
        .values(status=RequestStatus.WITHDRAWN, withdrawn_at=now).returning(ConsultationRequest.id)).scalars().all()
    db.session.flush()
    audit.record(by=by, action="proposal.withdraw", object_type="proposal", object_id=proposal.id,
                 summary=f"proposal {proposal.id} withdrawn: {proposal.withdraw_reason}",
                 data={"incident_id": proposal.incident_id, "requests_withdrawn": list(withdrawn)})
    return proposal
