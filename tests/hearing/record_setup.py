"""Set-up shared by the record tests (tests/hearing/test_record_*.py): an incident heard through the application,
built with the hearing services at fixed times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest, Proposal
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.hearing import answers, deciding, proposals
from lbs.timeutil import utcnow
from tests.hearing.conftest import decision_maker, proposal_body

ANSWERED = "657:kommunaldirektoer"


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


@dataclass
class Heard:
    t0: datetime
    proposal: Proposal
    decision: Decision
    answered: ConsultationRequest  # answered before the decision (logged with it)
    open: list[ConsultationRequest]  # still open, moved to the decision
    withdrawn_proposal: Proposal


def heard_incident(incident: Any) -> Heard:
    """A proposal made at t0 (its required parties asked), Herning's kommunaldirektør answering at t0+17 min with a
    reservation, the proposal decided at t0+25 min (decided at t0+20 min); the other requests stay open. A second
    proposal made at t0+30 min is withdrawn at t0+35 min."""
    t0 = utcnow().replace(microsecond=0) - timedelta(hours=2)
    politi, herning = user("politi"), user("herning")
    proposal = proposals.propose(incident=incident, data=proposal_body(), by=politi, now=t0)
    requests = list(db.session.scalars(select(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal.id)
                                       .order_by(ConsultationRequest.id)))
    answered = next(r for r in requests if r.party.key == ANSWERED)
    answers.answer(request=answered, data={"outcome": "agreed_with_reservation", "comment": "Kun busser."},
                   by=herning, now=t0 + timedelta(minutes=17))
    logged = deciding.decide(proposal=proposal, data={"decided_at": (t0 + timedelta(minutes=20)).isoformat(),
                                                      "decided_by": decision_maker()},
                             by=politi, now=t0 + timedelta(minutes=25))
    other = proposals.propose(incident=incident, data=proposal_body(title="Lukning af vej 12"), by=politi,
                              now=t0 + timedelta(minutes=30))
    proposals.withdraw(proposal=other, data={"reason": "Vandet falder igen."}, by=politi,
                       now=t0 + timedelta(minutes=35))
    db.session.commit()
    return Heard(t0=t0, proposal=proposal, decision=logged.decision, answered=answered,
                 open=[r for r in requests if r.id != answered.id], withdrawn_proposal=other)
