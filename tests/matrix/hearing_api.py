"""Proposals and consultation requests in the API × role.

Proposing, asking, deciding and withdrawing are for police and admin; every role reads. Answering is for the
party's own people: the demo proposal's request to Herning's kommunaldirektør only for the municipality user of
Herning (police and admin get 403 on a municipal party, see ``note``), a request to a party outside any
municipality only for police and admin (the municipality user gets 403 on it).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from tests.matrix import ALL, WRITERS, Case
from tests.matrix.decisions import API, _decision_id, inc

REQUESTS = f"{API}/consultation-requests"


def _demo_proposal_id() -> int:
    from lbs.consultation.hearings import Proposal, ProposalStatus
    from lbs.demo.incidents import DEMO_TITLE
    from lbs.extensions import db
    from lbs.incidents.models import Incident

    demo = select(Incident.id).where(Incident.title == DEMO_TITLE).scalar_subquery()
    return db.session.scalars(select(Proposal.id).where(Proposal.incident_id == demo,
                                                        Proposal.status == ProposalStatus.OPEN)
                              .order_by(Proposal.id).limit(1)).one()


def _herning_request_id() -> int:
    """The demo proposal's open request to Herning's kommunaldirektør."""
    from lbs.consultation.hearings import ConsultationRequest, RequestStatus
    from lbs.consultation.models import Party
    from lbs.extensions import db

    return db.session.scalars(
        select(ConsultationRequest.id).join(Party, Party.id == ConsultationRequest.party_id)
        .where(ConsultationRequest.proposal_id == _demo_proposal_id(), Party.key == "657:kommunaldirektoer",
               ConsultationRequest.status == RequestStatus.OPEN)).one()


def _agency_request_id() -> int:
    """An open request to Beredskabsstyrelsen Midtjylland (outside any municipality) on the demo proposal,
    asked here when the demo has none."""
    from lbs.consultation.hearings import ConsultationRequest, RequestStatus
    from lbs.consultation.models import Party
    from lbs.extensions import db
    from lbs.hearing import proposals, reads

    found = db.session.scalars(
        select(ConsultationRequest.id).join(Party, Party.id == ConsultationRequest.party_id)
        .where(ConsultationRequest.proposal_id == _demo_proposal_id(), Party.key == "brs:midt",
               ConsultationRequest.status == RequestStatus.OPEN)).first()
    if found is None:
        asked = proposals.ask_on_proposal(proposal=reads.get_proposal(_demo_proposal_id()),
                                          data={"party": "brs:midt", "mode": "consult"}, by=None)
        db.session.commit()
        found = asked.id
    return found


def proposal(suffix: str = "") -> Callable[[], str]:
    return lambda: f"{API}/proposals/{_demo_proposal_id()}{suffix}"


CASES = [
    Case("POST", inc("/proposals", API), WRITERS, rule=f"{API}/incidents/<id>/proposals"),
    Case("GET", inc("/proposals", API), ALL, rule=f"{API}/incidents/<id>/proposals"),
    Case("GET", proposal(), ALL, rule=f"{API}/proposals/<id>"),
    Case("POST", proposal("/requests"), WRITERS, rule=f"{API}/proposals/<id>/requests"),
    Case("POST", lambda: f"{API}/decisions/{_decision_id()}/requests", WRITERS,
         rule=f"{API}/decisions/<id>/requests"),
    Case("POST", proposal("/decide"), WRITERS, rule=f"{API}/proposals/<id>/decide"),
    Case("POST", proposal("/withdraw"), WRITERS, rule=f"{API}/proposals/<id>/withdraw"),
    Case("GET", REQUESTS, ALL),
    Case("GET", f"{REQUESTS}?status=open", ALL, rule=REQUESTS),
    Case("POST", lambda: f"{REQUESTS}/{_herning_request_id()}/answer", ("municipality",),
         rule=f"{REQUESTS}/<id>/answer",
         note="police and admin may answer in general, but not for a municipality's party: 403 here"),
    Case("POST", lambda: f"{REQUESTS}/{_agency_request_id()}/answer", WRITERS, rule=f"{REQUESTS}/<id>/answer",
         note="a party outside any municipality: police and admin answer, the municipality user gets 403"),
]
