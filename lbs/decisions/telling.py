"""Telling a bearer municipality's users of the cost lines a decision puts on it, and of the lines an amendment
supersedes (they drop out of the municipality's totals)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lbs.auth.models import User
from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.notifications.models import Kind
from lbs.notifications.recipients import users_of_municipalities
from lbs.notifications.services import tell
from lbs.organisations.models import Municipality, Organisation


def _bearers(lines: Sequence[CostLine]) -> tuple[dict[int, tuple[str, str]], dict[str, list[User]]]:
    """The lines' municipal bearers (organisation id → (code, name)) and those municipalities' users: two reads."""
    bearers = {line.bearer_id for line in lines}
    municipal = {org_id: (code, name) for org_id, code, name in db.session.execute(
        select(Municipality.organisation_id, Municipality.code, Organisation.name)
        .join(Organisation, Organisation.id == Municipality.organisation_id)
        .where(Municipality.organisation_id.in_(bearers)))}
    users = users_of_municipalities({code for code, _name in municipal.values()}) if municipal else {}
    return municipal, users


def tell_superseded(amendment: Decision, incident: Incident, lines: Sequence[CostLine]) -> None:
    """One notification per line the amendment supersedes whose bearer is a municipality, to its users: the
    line no longer counts in its totals, and the amendment's own lines (if any) replace it."""
    if not lines:
        return
    municipal, users = _bearers(lines)
    numbers = {decision_id: number for decision_id, number in db.session.execute(
        select(Decision.id, Decision.number).where(Decision.id.in_({line.decision_id for line in lines})))}
    for line in lines:
        if line.bearer_id not in municipal or not users.get(municipal[line.bearer_id][0]):
            continue
        code, name = municipal[line.bearer_id]
        tell(kind=Kind.COST_LINE_SUPERSEDED, url=f"/costs/lines/{line.id}", users=users[code],
             incident_id=incident.id, now=amendment.recorded_at,
             params={"bearer": name, "amount": str(line.estimate_dkk), "category": line.category.value,
                     "old": numbers.get(line.decision_id, ""), "number": amendment.number,
                     "title": amendment.title, "incident": incident.title})


def tell_cost_lines(decision: Decision, incident: Incident, lines: Sequence[CostLine]) -> None:
    """One notification per new line whose bearer is a municipality, to that municipality's users (the reads do
    not grow with the number of lines: one for the bearers, one for their users)."""
    if not lines:
        return
    municipal, users = _bearers(lines)
    for line in lines:
        if line.bearer_id not in municipal or not users.get(municipal[line.bearer_id][0]):
            continue
        code, name = municipal[line.bearer_id]
        tell(kind=Kind.COST_LINE, url=f"/costs/lines/{line.id}", users=users[code], incident_id=incident.id,
             now=decision.recorded_at,
             params={"bearer": name, "amount": str(line.estimate_dkk), "category": line.category.value,
                     "number": decision.number, "title": decision.title, "incident": incident.title})
