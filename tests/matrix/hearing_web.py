"""The proposal pages (blueprint ``proposals``) × role: everyone reads, police and admin write.

The demo holds no proposal: the paths find (or make, through the service) an open one in the demo incident. A
refused role gets 403 before anything is read from the body; an allowed one gets a 422 for the empty form, so the
proposal stays open for the next role.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.matrix import ALL, WRITERS, Case
from tests.matrix.decisions import _incident_id, dec, inc

TITLE = "Matrix: evakuering af Sunds"


def _proposal_id() -> int:
    from lbs.consultation.hearings import Proposal, ProposalStatus
    from lbs.extensions import db
    from lbs.hearing import proposals
    from lbs.incidents.models import Incident
    from lbs.organisations.models import Organisation

    incident_id = _incident_id()
    found = db.session.scalars(select(Proposal.id).where(Proposal.incident_id == incident_id, Proposal.title == TITLE,
                                                         Proposal.status == ProposalStatus.OPEN)).first()
    if found is not None:
        return found
    owner = db.session.scalars(select(Organisation.id).where(Organisation.name == "Midt- og Vestjyllands Politi")).one()
    incident = db.session.get(Incident, incident_id)
    assert incident is not None
    proposal = proposals.propose(incident=incident, by=None, data={
        "staff": "LBS-S", "owner": owner, "type": "evacuation", "title": TITLE,
        "decision": "Sunds evakueres.", "rationale": "Dæmningen kan bryde."})
    db.session.commit()
    return proposal.id


def prop(suffix: str = "") -> object:
    return lambda: f"/proposals/{_proposal_id()}{suffix}"


CASES = [
    Case("GET", inc("/proposals"), ALL, rule="/incidents/<id>/proposals"),
    Case("GET", inc("/proposals/new"), WRITERS, rule="/incidents/<id>/proposals/new"),
    Case("POST", inc("/proposals/new"), WRITERS, rule="/incidents/<id>/proposals/new"),
    Case("GET", prop(), ALL, rule="/proposals/<id>"),
    Case("POST", prop("/decide"), WRITERS, rule="/proposals/<id>/decide"),
    Case("POST", prop("/withdraw"), WRITERS, rule="/proposals/<id>/withdraw"),
    Case("POST", prop("/requests"), WRITERS, rule="/proposals/<id>/requests"),
    Case("POST", dec("/requests"), WRITERS, rule="/decisions/<id>/requests"),
]
