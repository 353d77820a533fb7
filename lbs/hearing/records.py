"""Proposals and consultation requests in the API's shape."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from lbs.consultation.facts import Requirement
from lbs.consultation.hearings import ConsultationRequest, Proposal, RequestStatus
from lbs.consultation.judging import judge_requirements
from lbs.decisions.scope import EVERYTHING, ReadScope


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def request_record(r: ConsultationRequest) -> dict[str, Any]:
    return {
        "id": r.id, "proposal_id": r.proposal_id, "decision_id": r.decision_id, "party": r.party.key,
        "party_name": r.party.name, "organisation_id": r.party.organisation_id, "mode": r.mode.value,
        "status": r.status.value, "requested_at": _iso(r.requested_at), "respond_by": _iso(r.respond_by),
        "outcome": r.outcome.value if r.outcome else None, "comment": r.comment, "answered_at": _iso(r.answered_at),
        "answered_by": r.answered_by_id, "incident_id": r.incident_id,
    }


def judged_requirements(proposal: Proposal, requests: Sequence[ConsultationRequest]) -> list[dict[str, Any]]:
    """What the proposal requires, each judged over the answers so far and the consultations typed into it."""
    required = [Requirement.from_record(record) for record in proposal.required_consultations]
    consulted = [(r.party.key, r.mode, r.outcome) for r in requests if r.status is RequestStatus.ANSWERED]
    consulted += [(c["party"], c["mode"], c["outcome"]) for c in proposal.body.get("consultations") or ()]
    return [j.as_json() for j in judge_requirements(required, consulted)]


def shown_body(p: Proposal, scope: ReadScope = EVERYTHING) -> dict[str, Any]:
    """The proposal's fields as ``scope`` may read them: of the proposed costs, only the lines of the bearers in
    scope (a municipality user sees what would fall on their municipality). For display only: deciding and
    judging read the whole body."""
    body = dict(p.body)
    if not scope.everything and "costs" in body:
        body["costs"] = [c for c in body["costs"] or () if scope.sees_bearer(int(c["bearer"]))]
    return body


def proposal_record(p: Proposal, requests: Sequence[ConsultationRequest],
                    scope: ReadScope = EVERYTHING) -> dict[str, Any]:
    return {
        "id": p.id, "incident_id": p.incident_id, "status": p.status.value, **shown_body(p, scope), "title": p.title,
        "respond_by": _iso(p.respond_by), "created_at": _iso(p.created_at), "created_by": p.created_by_id,
        "decision_id": p.decision_id, "closed_at": _iso(p.closed_at), "withdraw_reason": p.withdraw_reason,
        "required_consultations": judged_requirements(p, requests),
        "requests": [request_record(r) for r in requests],
    }
