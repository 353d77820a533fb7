"""Incidents, staff activations and the incident timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.errors import Conflict, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Activation, Incident, IncidentKind, IncidentStatus, Readiness
from lbs.organisations.models import Municipality
from lbs.staffs import services as staffs
from lbs.timeutil import utcnow


@cache
def _incident_query() -> Select[Incident]:
    """Built once per process (nearly every request runs it); parameter ``id``."""
    return select(Incident).where(Incident.id == bindparam("id")).options(joinedload(Incident.municipalities))


def get_incident(incident_id: int) -> Incident:
    """The incident with its municipalities (one statement: every use of an incident needs them)."""
    incident = db.session.scalars(_incident_query(), {"id": incident_id}).unique().one_or_none()
    if incident is None:
        raise NotFound("no such incident")
    return incident


_CLOSED_LAST = case((Incident.status == IncidentStatus.ACTIVE, 0), else_=1)
INCIDENT_PAGE = 50


def list_incidents() -> Sequence[Incident]:
    """Active incidents first, then closed ones; each group by start (earliest first)."""
    return db.session.scalars(select(Incident).order_by(_CLOSED_LAST, Incident.started_at, Incident.id)
                              .options(selectinload(Incident.municipalities))).all()


@dataclass(frozen=True)
class IncidentPage:
    incidents: Sequence[Incident]
    page: int
    pages: int
    total: int


def incident_page(page: int = 1, *, size: int = INCIDENT_PAGE) -> IncidentPage:
    """One page of :func:`list_incidents` (a page past the end shows the last one)."""
    total = int(db.session.scalar(select(func.count()).select_from(Incident)) or 0)
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    incidents = db.session.scalars(
        select(Incident).order_by(_CLOSED_LAST, Incident.started_at, Incident.id).offset((page - 1) * size)
        .limit(size).options(selectinload(Incident.municipalities))).all()
    return IncidentPage(incidents, page, pages, total)


def create_incident(
    *,
    title: str,
    kind: IncidentKind,
    started_at: datetime,
    municipality_codes: Sequence[str],
    exercise: bool = False,
    description: str | None = None,
    by: User | None,
) -> Incident:
    municipalities: list[Municipality] = []
    unknown = []
    for code in dict.fromkeys(municipality_codes):
        found = db.session.get(Municipality, code) if isinstance(code, str) and len(code) <= 10 else None
        if found is None:
            unknown.append(str(code)[:20])
        else:
            municipalities.append(found)
    if unknown:
        raise ValidationError("unknown municipality", {"municipalities": [f"unknown code: {', '.join(unknown)}"]})
    incident = Incident(title=title, kind=kind, started_at=started_at, exercise=exercise, description=description,
                        created_by_id=by.id if by else None, status=IncidentStatus.ACTIVE)
    incident.municipalities = municipalities
    db.session.add(incident)
    db.session.flush()
    audit.record(by=by, action="incident.create", object_type="incident", object_id=incident.id,
                 summary=f"incident created: {title}",
                 data={"kind": kind.value, "municipalities": [m.code for m in municipalities], "exercise": exercise})
    return incident


def close_incident(*, incident: Incident, by: User | None, at: datetime | None = None) -> Incident:
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict("the incident is already closed")
    at = at or utcnow()
    if at < incident.started_at:
        raise ValidationError("the end is before the start", {"ended_at": ["must not be before the start"]})
    incident.status = IncidentStatus.CLOSED
    incident.ended_at = at
    db.session.flush()
    audit.record(by=by, action="incident.close", object_type="incident", object_id=incident.id,
                 summary=f"incident closed: {incident.title}",
                 changes={"status": ("active", "closed"), "ended_at": (None, at)})
    return incident


def list_activations(incident: Incident) -> Sequence[Activation]:
    return db.session.scalars(
        select(Activation).where(Activation.incident_id == incident.id).order_by(Activation.active_from, Activation.id)
    ).all()


def add_activation(
    *,
    incident: Incident,
    staff_code: str,
    readiness: Readiness,
    active_from: datetime,
    active_until: datetime | None = None,
    note: str | None = None,
    by: User | None,
) -> Activation:
    staff = staffs.get_staff_by_code(staff_code)
    errors: dict[str, list[str]] = {}
    if staff is None:
        errors["staff"] = ["unknown staff"]
    if active_until is not None and active_until <= active_from:
        errors["active_until"] = ["must be after the start"]
    if errors:
        raise ValidationError("invalid activation", errors)
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict("the incident is closed")
    assert staff is not None
    activation = Activation(incident_id=incident.id, staff_id=staff.id, readiness=readiness, active_from=active_from,
                            active_until=active_until, note=note, created_by_id=by.id if by else None)
    db.session.add(activation)
    db.session.flush()
    audit.record(by=by, action="activation.create", object_type="activation", object_id=activation.id,
                 summary=f"{staff.code} {readiness.value} for incident {incident.id}",
                 data={"incident_id": incident.id, "staff": staff.code, "readiness": readiness.value})
    return activation


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "activation" | "decision"
    item: Any


def timeline(incident: Incident) -> list[TimelineEntry]:
    """Activations and decisions in time order (decisions by decided time, then number)."""
    from lbs.decisions import services as decisions

    entries = [TimelineEntry(a.active_from, "activation", a) for a in list_activations(incident)]
    entries += [TimelineEntry(d.decided_at, "decision", d) for d in decisions.list_decisions(incident=incident)]
    return sorted(entries, key=lambda e: (e.at, 0 if e.kind == "activation" else 1,
                                          getattr(e.item, "number", 0)))


TIMELINE_PAGE = 100


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    after: int  # the page shows decisions numbered after this …
    last: int  # … up to and including this one
    total: int  # decisions in the incident
    previous_after: int | None  # ``after`` of the previous page (None on the first)
    next_after: int | None  # ``after`` of the next page (None on the last)
    amended_ids: set[int]  # ids of decisions on this page that a later decision amends


def timeline_page(incident: Incident, *, after: int = 0, limit: int = TIMELINE_PAGE) -> TimelinePage:
    """One page of the timeline: decisions numbered ``after`` < n <= ``after + limit`` (keyset by number) and
    the activations between the decided times of decision ``after`` and of the page's last decision (all of
    them before the first page and after the last), in time order. A constant number of queries."""
    from lbs.decisions.models import Decision

    total = incident.last_decision_number
    if after >= total:
        after = max(0, total - limit)
    page = db.session.scalars(
        select(Decision).where(Decision.incident_id == incident.id, Decision.number > after)
        .order_by(Decision.number).limit(limit).options(selectinload(Decision.staff))
    ).all()
    last = page[-1].number if page else after
    has_next = last < total
    low = None
    if after > 0:
        low = db.session.scalar(select(Decision.decided_at).where(Decision.incident_id == incident.id,
                                                                  Decision.number == after))
    high = page[-1].decided_at if page and has_next else None
    query = select(Activation).where(Activation.incident_id == incident.id).options(selectinload(Activation.staff))
    if low is not None:
        query = query.where(Activation.active_from > low)
    if high is not None:
        query = query.where(Activation.active_from <= high)
    activations = db.session.scalars(query.order_by(Activation.active_from, Activation.id)).all()
    ids = [d.id for d in page]
    amended_ids = set(db.session.scalars(
        select(Decision.amends_id).where(Decision.amends_id.in_(ids)).distinct())) if ids else set()
    entries = [TimelineEntry(a.active_from, "activation", a) for a in activations]
    entries += [TimelineEntry(d.decided_at, "decision", d) for d in page]
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "activation" else 1, getattr(e.item, "number", 0)))
    return TimelinePage(
        entries=entries, after=after, last=last, total=total,
        previous_after=max(0, after - limit) if after > 0 else None, next_after=last if has_next else None,
        amended_ids={i for i in amended_ids if i is not None},
    )
