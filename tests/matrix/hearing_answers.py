"""The answering side of a hearing (HTML): the request list, a request page and its answer × role.

The request used is Herning's kommunaldirektør's on a proposal in the demo incident, made (and committed) the
first time a path is asked for: police and admin may see it but only Herning answers it (the matrix's
municipality user); a reviewer sees the list (which tells them they answer nothing) but no request.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.matrix import ALL, Case

PARTY = "657:kommunaldirektoer"


def _request_id() -> int:
    from lbs.auth.models import User
    from lbs.consultation.hearings import ConsultationRequest, RequestStatus
    from lbs.consultation.models import Party
    from lbs.extensions import db
    from lbs.hearing import proposals
    from lbs.incidents.models import Incident
    from tests.hearing.conftest import proposal_body
    from tests.matrix.decisions import _incident_id

    query = (select(ConsultationRequest.id).join(Party, Party.id == ConsultationRequest.party_id)
             .where(Party.key == PARTY, ConsultationRequest.status == RequestStatus.OPEN,
                    ConsultationRequest.incident_id == _incident_id()))
    found = db.session.scalars(query).first()
    if found is None:
        incident = db.session.get(Incident, _incident_id())
        politi = db.session.scalars(select(User).where(User.username == "politi")).one()
        proposals.propose(incident=incident, data=proposal_body(title="Matrix: høring af Herning"), by=politi)
        db.session.commit()
        found = db.session.scalars(query).one()
    return found


def req(suffix: str = "") -> object:
    return lambda: f"/consultation-requests/{_request_id()}{suffix}"


CASES = [
    Case("GET", "/consultation-requests", ALL),
    Case("GET", req(), ("police", "municipality", "admin"), rule="/consultation-requests/<id>"),
    Case("POST", req("/answer"), ("municipality",), rule="/consultation-requests/<id>/answer",
         note="police and admin answer only for parties outside the municipalities"),
]
