"""Closing and reopening an incident, and the history both leave (``incident_events``, never changed).

The status moves only by a guarded ``UPDATE … WHERE status = <expected>`` on the incident row, taken after
the row is locked (:func:`lock_status`), so concurrent closings and reopenings cannot double up: the second
finds the status already moved and is a 409. Closing judges the end time against the incident's decisions,
which sit above this package, so :func:`lbs.decisions.closing.close_incident` is the closing's entry point;
it ends in :func:`mark_closed` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.errors import N_, Conflict, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentEvent, IncidentEventKind, IncidentStatus
from lbs.timeutil import utcnow
from lbs.validation import TEXT_MAX

REASON_MAX = TEXT_MAX


class ReasonMissing(ValidationError):
    """A reopening without a reason."""


class ReasonTooLong(ValidationError):
    """A reason longer than :data:`REASON_MAX`, or with a NUL byte."""


def lock_status(incident_id: int) -> tuple[IncidentStatus, datetime | None]:
    """Lock the incident row until commit (PostgreSQL ``FOR UPDATE``; SQLite writes already run under
    ``BEGIN IMMEDIATE``) and return its status and end time as committed, whatever the loaded object says."""
    row = db.session.execute(select(Incident.status, Incident.ended_at).where(Incident.id == incident_id)
                             .with_for_update()).one()
    return row.status, row.ended_at


def _move(incident: Incident, *, expected: IncidentStatus, status: IncidentStatus, ended_at: datetime | None) -> None:
    """The guarded status change: a Core ``UPDATE`` that matches only while the status is ``expected``."""
    table = cast(Table, Incident.__table__)
    result = db.session.execute(
        update(table).where(table.c.id == incident.id, table.c.status == expected)
        .values(status=status, ended_at=ended_at).returning(table.c.id))
    if result.first() is None:
        raise Conflict(N_("the incident is already closed") if status is IncidentStatus.CLOSED
                       else N_("the incident is not closed"))
    set_committed_value(incident, "status", status)
    set_committed_value(incident, "ended_at", ended_at)


def mark_closed(*, incident: Incident, at: datetime, by: User | None) -> IncidentEvent:
    """Close the incident at ``at`` (already validated by the caller under :func:`lock_status`); 409 when
    it is closed."""
    _move(incident, expected=IncidentStatus.ACTIVE, status=IncidentStatus.CLOSED, ended_at=at)
    event = IncidentEvent(incident_id=incident.id, kind=IncidentEventKind.CLOSED, recorded_at=utcnow(),
                          by_id=by.id if by else None, ended_at=at)
    db.session.add(event)
    db.session.flush()
    audit.record(by=by, action="incident.close", object_type="incident", object_id=incident.id,
                 summary=f"incident closed: {incident.title}",
                 changes={"status": ("active", "closed"), "ended_at": (None, at)})
    return event


def clean_reason(reason: str | None) -> str:
    """The reopening's reason, stripped: 422 when it is missing or blank, too long or has a NUL byte."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ReasonMissing("a reason is required", {"reason": ["is required"]})
    if "\x00" in text or len(text) > REASON_MAX:
        raise ReasonTooLong("invalid reason", {"reason": [
            f"may have at most {REASON_MAX} characters and no NUL byte"]})
    return text


def reopen_incident(*, incident: Incident, reason: str | None, by: User | None) -> IncidentEvent:
    """Reopen a closed incident: active again, no end time; the reason is kept in its history.
    422 without a reason (checked first), 409 when the incident is not closed."""
    text = clean_reason(reason)
    status, ended_at = lock_status(incident.id)
    if status is not IncidentStatus.CLOSED:
        raise Conflict(N_("the incident is not closed"))
    _move(incident, expected=IncidentStatus.CLOSED, status=IncidentStatus.ACTIVE, ended_at=None)
    event = IncidentEvent(incident_id=incident.id, kind=IncidentEventKind.REOPENED, recorded_at=utcnow(),
                          by_id=by.id if by else None, reason=text)
    db.session.add(event)
    db.session.flush()
    audit.record(by=by, action="incident.reopen", object_type="incident", object_id=incident.id,
                 summary=f"incident reopened: {incident.title}",
                 changes={"status": ("closed", "active"), "ended_at": (ended_at, None)}, data={"reason": text})
    return event


@dataclass(frozen=True)
class HistoryEntry:
    """One closing or reopening as shown: who (``None`` when not recorded, e.g. closed before history was
    kept), when it was recorded, the end time given (closing) or the reason (reopening)."""

    kind: IncidentEventKind
    recorded_at: datetime
    by_name: str | None
    ended_at: datetime | None
    reason: str | None

    @property
    def closed(self) -> bool:
        return self.kind is IncidentEventKind.CLOSED


def history(incident_id: int) -> list[HistoryEntry]:
    """The incident's closings and reopenings, oldest first (one query)."""
    rows = db.session.execute(
        select(IncidentEvent, User.display_name, User.username)
        .outerjoin(User, User.id == IncidentEvent.by_id)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.recorded_at, IncidentEvent.id))
    return [HistoryEntry(kind=event.kind, recorded_at=event.recorded_at, by_name=display or username,
                         ended_at=event.ended_at, reason=event.reason) for event, display, username in rows]
