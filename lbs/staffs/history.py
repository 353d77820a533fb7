"""A position's history: who held it when, the audit trail of it and its assignments (told as sentences by
:func:`position_story`), and its corrections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import joinedload

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs.models import Assignment, Person, RosterCorrection
from lbs.timeutil import TimeError, parse_iso_aware


def position_history(*, position_id: int) -> Sequence[Assignment]:
    """Every assignment of the position, newest first (who held it when)."""
    query = (
        select(Assignment)
        .where(Assignment.position_id == position_id)
        .options(joinedload(Assignment.person).joinedload(Person.organisation))
        .order_by(Assignment.valid_from.desc(), Assignment.rank, Assignment.id)
    )
    return db.session.scalars(query).all()


def position_audit(*, position_id: int) -> Sequence[AuditEvent]:
    """Audit trail of the position and of its assignments, oldest first."""
    assignment_ids = select(cast(Assignment.id, String)).where(Assignment.position_id == position_id)
    query = (
        select(AuditEvent)
        .where(
            or_(
                and_(AuditEvent.object_type == "position", AuditEvent.object_id == str(position_id)),
                and_(AuditEvent.object_type == "assignment", AuditEvent.object_id.in_(assignment_ids)),
            )
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return db.session.scalars(query).all()


def position_corrections(*, position_id: int) -> Sequence[RosterCorrection]:
    """The roster corrections (with their reasons) of the position's assignments, oldest first."""
    assignment_ids = select(Assignment.id).where(Assignment.position_id == position_id)
    query = (select(RosterCorrection).where(RosterCorrection.assignment_id.in_(assignment_ids))
             .order_by(RosterCorrection.at, RosterCorrection.id))
    return db.session.scalars(query).all()


@dataclass(frozen=True)
class Change:
    """One changed field of a position, values as a person reads them (names, not ids)."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    """An audit event of the position told as a sentence: ``kind`` says which (``assigned``, ``ended``,
    ``created``, ``changed``, or ``other`` with the stored ``summary``); names instead of ids, times as datetimes
    (the page shows them in local time)."""

    at: datetime
    actor: str
    kind: str
    summary: str
    person: str | None = None
    rank: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    old_end: datetime | None = None
    changes: tuple[Change, ...] = ()
    reason: str | None = None


_KINDS = {"assignment.create": "assigned", "assignment.end": "ended", "position.create": "created",
          "position.update": "changed"}


def position_story(*, position_id: int) -> list[HistoryEntry]:
    """The position's audit trail, oldest first, as entries a page tells as sentences (names looked up once)."""
    events = position_audit(position_id=position_id)
    assignment_ids = {int(e.object_id) for e in events if e.object_type == "assignment" and e.object_id}
    assignments = {a.id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.id.in_(assignment_ids)).options(joinedload(Assignment.person)))}
    organisation_ids = {v for e in events for v in _values(e, "organisation_id") if isinstance(v, int)}
    organisations = {row.id: row.name for row in db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(organisation_ids)))}
    return [_entry(e, assignments, organisations) for e in events]


def _values(event: AuditEvent, name: str) -> tuple[object, object]:
    change = (event.data or {}).get("changes", {}).get(name) or {}
    return change.get("old"), change.get("new")


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso_aware(value)
    except TimeError:
        return None


def _entry(event: AuditEvent, assignments: dict[int, Assignment], organisations: dict[int, str]) -> HistoryEntry:
    kind = _KINDS.get(event.action, "other")
    reason = _values(event, "reason")[1]
    base = HistoryEntry(at=event.at, actor=event.actor, kind=kind, summary=event.summary,
                        reason=reason if isinstance(reason, str) and reason else None)
    if kind in ("assigned", "ended"):
        assignment = assignments.get(int(event.object_id)) if event.object_id else None
        if assignment is None:
            return replace(base, kind="other")
        old_end, new_end = _values(event, "valid_to")
        start = _time(_values(event, "valid_from")[1]) if kind == "assigned" else None
        return replace(base, person=assignment.person.name, rank=assignment.rank, start=start, end=_time(new_end),
                       old_end=_time(old_end))
    if kind == "changed":
        changes = tuple(Change(name, *_readable(name, change.get("old"), change.get("new"), organisations))
                        for name, change in (event.data or {}).get("changes", {}).items())
        return replace(base, changes=changes)
    return base


def _readable(name: str, old: object, new: object, organisations: dict[int, str]) -> tuple[object, object]:
    if name == "organisation_id":
        return (organisations.get(old, old) if isinstance(old, int) else old,
                organisations.get(new, new) if isinstance(new, int) else new)
    return old, new
