"""Incidents and staff activations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, case, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.errors import N_, Conflict, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Activation, Incident, IncidentKind, IncidentStatus, Readiness
from lbs.organisations.models import Municipality
from lbs.staffs import services as staffs


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


def list_incidents(where: ColumnElement[bool] | None = None) -> Sequence[Incident]:
    """Active incidents first, then closed ones; each group by start (earliest first). ``where``: only those
    (a reader's scope, :mod:`lbs.decisions.scope`)."""
    query = select(Incident).where(where if where is not None else true())
    return db.session.scalars(query.order_by(_CLOSED_LAST, Incident.started_at, Incident.id)
                              .options(selectinload(Incident.municipalities))).all()


@dataclass(frozen=True)
class IncidentPage:
    incidents: Sequence[Incident]
    page: int
    pages: int
    total: int


def incident_page(page: int = 1, *, size: int = INCIDENT_PAGE,
                  where: ColumnElement[bool] | None = None) -> IncidentPage:
    """One page of :func:`list_incidents` (a page past the end shows the last one)."""
    where = where if where is not None else true()
    total = int(db.session.scalar(select(func.count()).select_from(Incident).where(where)) or 0)
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    incidents = db.session.scalars(
        select(Incident).where(where).order_by(_CLOSED_LAST, Incident.started_at, Incident.id).offset((page - 1) * size)
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
        raise ValidationError(N_("unknown municipality"),
                              {"municipalities": [N_("unknown code: %(codes)s", codes=", ".join(unknown))]})
    incident = Incident(title=title, kind=kind, started_at=started_at, exercise=exercise, description=description,
                        created_by_id=by.id if by else None, status=IncidentStatus.ACTIVE)
    incident.municipalities = municipalities
    db.session.add(incident)
    db.session.flush()
    audit.record(by=by, action="incident.create", object_type="incident", object_id=incident.id,
                 summary=f"incident created: {title}",
                 data={"kind": kind.value, "municipalities": [m.code for m in municipalities], "exercise": exercise})
    return incident


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
        errors["staff"] = [N_("unknown staff")]
    if active_until is not None and active_until <= active_from:
        errors["active_until"] = [N_("must be after the start")]
    if errors:
        raise ValidationError("invalid activation", errors)
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict(N_("the incident is closed"))
    assert staff is not None
    activation = Activation(incident_id=incident.id, staff_id=staff.id, readiness=readiness, active_from=active_from,
                            active_until=active_until, note=note, created_by_id=by.id if by else None)
    db.session.add(activation)
    db.session.flush()
    audit.record(by=by, action="activation.create", object_type="activation", object_id=activation.id,
                 summary=f"{staff.code} {readiness.value} for incident {incident.id}",
                 data={"incident_id": incident.id, "staff": staff.code, "readiness": readiness.value})
    return activation

