"""Closing an incident. The end time is judged against the incident's decisions (so this sits in the
decision layer, above :mod:`lbs.incidents.closing`, which moves the status and keeps the history).

``ended_at`` defaults to now. It may not be in the future (the contract has no clock tolerance here, unlike
``decided_at``: a closing "now" is asked for by leaving ``ended_at`` out), nor before the incident started,
nor before its latest decision (by ``decided_at``, amendments included). Errors come in the contract's
order: every 422 before the 409 of an incident that is already closed. The decisions are read after the
incident row is locked, so a decision logged concurrently is either seen here or refused there (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lbs.auth.models import User
from lbs.decisions.models import Decision
from lbs.errors import Conflict, ValidationError
from lbs.extensions import db
from lbs.incidents import closing
from lbs.incidents.models import Incident, IncidentEvent, IncidentStatus
from lbs.timeutil import utcnow


class EndInFuture(ValidationError):
    """The end time is after now."""


class EndBeforeStart(ValidationError):
    """The end time is before the incident started."""


class EndBeforeLastDecision(ValidationError):
    """The end time is before the incident's latest decision (``number`` decided at ``decided_at``)."""

    def __init__(self, number: int, decided_at: datetime) -> None:
        super().__init__("the end is before the incident's last decision", {"ended_at": [
            f"may not be before the incident's last decision (number {number}, decided at {decided_at.isoformat()})"]})
        self.number = number
        self.decided_at = decided_at


@dataclass(frozen=True)
class LastDecision:
    number: int
    decided_at: datetime


def last_decision(incident_id: int) -> LastDecision | None:
    """The incident's decision decided last (the highest number among equal times); ``None`` without any."""
    row = db.session.execute(
        select(Decision.number, Decision.decided_at).where(Decision.incident_id == incident_id)
        .order_by(Decision.decided_at.desc(), Decision.number.desc()).limit(1)).first()
    return LastDecision(row.number, row.decided_at) if row is not None else None


def check_end(incident: Incident, at: datetime, *, now: datetime) -> None:
    """422 when ``at`` is in the future, before the start or before the incident's latest decision."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError("the end time needs an offset", {"ended_at": ["time needs an offset"]})
    if at > now:
        raise EndInFuture("the end is in the future", {"ended_at": ["may not be in the future"]})
    if at < incident.started_at:
        raise EndBeforeStart("the end is before the start", {"ended_at": ["must not be before the start"]})
    last = last_decision(incident.id)
    if last is not None and at < last.decided_at:
        raise EndBeforeLastDecision(last.number, last.decided_at)


def close_incident(*, incident: Incident, by: User | None, at: datetime | None = None,
                   now: datetime | None = None) -> IncidentEvent:
    """Close the incident at ``at`` (default now), kept in its history with who closed it. 422 for an end
    time in the future, before the start or before the latest decision; then 409 when already closed."""
    now = now or utcnow()
    at = at or now
    status, _ended = closing.lock_status(incident.id)
    check_end(incident, at, now=now)
    if status is IncidentStatus.CLOSED:
        raise Conflict("the incident is already closed")
    return closing.mark_closed(incident=incident, at=at, by=by)
