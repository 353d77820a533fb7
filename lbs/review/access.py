"""Who may read an incident's review: every reader of the incident, by the one definition of what a user may
read (:class:`lbs.decisions.scope.ReadScope`): police, admin and reviewer every incident, a municipality user
the incidents that affect its municipality (named on it, bearing one of its lines, or asked in it)."""

from __future__ import annotations

from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.decisions.scope import ReadScope
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident


def may_read_incident(user: User, incident_id: int) -> bool:
    """True when ``user`` may read and the incident is in ``user``'s read scope."""
    return can(user, Action.READ) and ReadScope.of(user).sees_incident(incident_id)


def get_incident_for(user: User, incident_id: int) -> Incident:
    """The incident, if ``user`` may read its review; ``NotFound`` otherwise (an incident out of the user's
    scope looks exactly like one that does not exist, as everywhere else)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or not may_read_incident(user, incident_id):
        raise NotFound("incident not found")
    return incident
