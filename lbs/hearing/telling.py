"""Telling the asked party (its municipality's users and the person in its seat) and the asker of an answer."""

from __future__ import annotations

from datetime import datetime

from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest, Proposal
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.hearing.reads import party_municipality
from lbs.incidents.models import Incident
from lbs.notifications.models import Kind
from lbs.notifications.recipients import municipality_users, seat_holder
from lbs.notifications.services import tell


def _about(request: ConsultationRequest) -> tuple[str, str]:
    """(title of the proposal or decision asked about, title of the incident)."""
    subject = db.session.get(Proposal, request.proposal_id) if request.proposal_id else \
        db.session.get(Decision, request.decision_id)
    incident = db.session.get(Incident, request.incident_id)
    return (subject.title if subject else ""), (incident.title if incident else "")


def tell_request(request: ConsultationRequest, now: datetime) -> None:
    """A new request: the users of the party's municipality in the application (and by mail), and the person
    holding the party's seat now (or its first deputy) by mail."""
    party = request.party
    code = party_municipality(party)
    users = municipality_users(code) if code else []
    holder = seat_holder(party.position_id, now) if party.position_id else None
    title, incident = _about(request)
    tell(kind=Kind.CONSULTATION_REQUEST, url=f"/consultation-requests/{request.id}", users=users,
         people=[holder] if holder else [], incident_id=request.incident_id, now=now,
         params={"party": party.name, "mode": request.mode.value, "title": title, "incident": incident})


def tell_answer(request: ConsultationRequest, now: datetime) -> None:
    """An answer: the user who made the proposal, or who logged the decision asked about."""
    ids: set[int | None] = set()
    if request.proposal_id:
        proposal = db.session.get(Proposal, request.proposal_id)
        ids.add(proposal.created_by_id if proposal else None)
    elif request.decision_id:
        decision = db.session.get(Decision, request.decision_id)
        ids.add(decision.recorded_by_id if decision else None)
    users = [u for i in ids if i is not None and (u := db.session.get(User, i)) is not None]
    if not users:
        return
    title, incident = _about(request)
    url = f"/proposals/{request.proposal_id}" if request.proposal_id else f"/decisions/{request.decision_id}"
    tell(kind=Kind.ANSWER, url=url, users=users, incident_id=request.incident_id, now=now,
         params={"party": request.party.name, "outcome": request.outcome.value if request.outcome else "",
                 "title": title, "incident": incident})
