"""Telling a bearer municipality's users of the cost lines a decision puts on it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.notifications.models import Kind
from lbs.notifications.recipients import users_of_municipalities
from lbs.notifications.services import tell
from lbs.organisations.models import Municipality, Organisation


def tell_cost_lines(decision: Decision, incident: Incident, lines: Sequence[CostLine]) -> None:
    """One notification per new line whose bearer is a municipality, to that municipality's users (the reads do
    not grow with the number of lines: one for the bearers, one for their users)."""
    if not lines:
        return
    bearers = {line.bearer_id for line in lines}
    municipal = {org_id: (code, name) for org_id, code, name in db.session.execute(
        select(Municipality.organisation_id, Municipality.code, Organisation.name)
        .join(Organisation, Organisation.id == Municipality.organisation_id)
        .where(Municipality.organisation_id.in_(bearers)))}
    users = users_of_municipalities({code for code, _name in municipal.values()}) if municipal else {}
    for line in lines:
        if line.bearer_id not in municipal or not users.get(municipal[line.bearer_id][0]):
            continue
        code, name = municipal[line.bearer_id]
        tell(kind=Kind.COST_LINE, url=f"/costs/lines/{line.id}", users=users[code], incident_id=incident.id,
             now=decision.recorded_at,
             params={"bearer": name, "amount": str(line.estimate_dkk), "category": line.category.value,
                     "number": decision.number, "title": decision.title, "incident": incident.title})
