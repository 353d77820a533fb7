"""Who may read an incident's review: every reader, except that municipal users see only incidents affecting
their municipality."""

from __future__ import annotations

from sqlalchemy import select

from lbs.auth.models import Role, User
from lbs.auth.permissions import Action, can
from lbs.errors import Forbidden, NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident, incident_municipalities


def may_read_incident(user: User, incident_id: int) -> bool:
    """Reviewer, police, admin: every incident; municipal users: incidents affecting their municipality."""
    if not can(user, Action.READ):
        return False
    if user.role is not Role.MUNICIPALITY:
        return True
    query = select(incident_municipalities.c.incident_id).where(
        incident_municipalities.c.incident_id == incident_id,
        incident_municipalities.c.municipality_code == user.municipality_code,
    )
    return db.session.scalar(query) is not None


def get_incident_for(user: User, incident_id: int) -> Incident:
    """The incident, if ``user`` may read its review (``NotFound``/``Forbidden`` otherwise)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident not found")
    if not may_read_incident(user, incident_id):
        raise Forbidden("this incident does not affect your municipality")
    return incident
