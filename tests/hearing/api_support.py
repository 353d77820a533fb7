"""Helpers of the hearing API contract tests: row counts, audit entries, calls made as one demo user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.consultation.hearings import ConsultationRequest, Proposal
from lbs.consultation.models import Consultation
from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.timeutil import utcnow
from tests.hearing.conftest import decision_maker

WATCHED = {"proposals": Proposal, "consultation_requests": ConsultationRequest, "consultations": Consultation,
           "decisions": Decision, "cost_lines": CostLine, "audit_events": AuditEvent}
REQUEST_KEYS = {"id", "proposal_id", "decision_id", "party", "organisation_id", "mode", "status", "requested_at",
                "respond_by", "outcome", "comment", "answered_at", "answered_by"}


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {name: db.session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in WATCHED.items()}


@contextmanager
def writes_nothing() -> Iterator[None]:
    """Assert that the block leaves every watched table as it was (make API clients before: a token is
    audited)."""
    before = counts()
    yield
    after = counts()
    assert after == before, {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def refused(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """Assert an error response with the status (and, for 422, the named fields) and return its error."""
    assert response.status_code == status, (response.status_code, response.get_json())
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    for name in fields:
        assert name in (error.get("fields") or {}), error
    return dict(error)


def audited(action: str, object_id: int | str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                            AuditEvent.object_id == str(object_id))))


def when(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def decide_body(**changes: Any) -> dict[str, Any]:
    return {"decided_at": (utcnow() - timedelta(minutes=1)).isoformat(), "decided_by": decision_maker(), **changes}


def answer(api: Any, request_id: int, outcome: str = "agreed", comment: str | None = None) -> Any:
    body: dict[str, Any] = {"outcome": outcome}
    if comment is not None:
        body["comment"] = comment
    return api.post(f"/api/v1/consultation-requests/{request_id}/answer", json=body)


def ask(api: Any, proposal_id: int, party: str, mode: str = "consult", **extra: Any) -> Any:
    return api.post(f"/api/v1/proposals/{proposal_id}/requests", json={"party": party, "mode": mode, **extra})
