"""Reads of proposals and consultation requests, and who may answer a request."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import joinedload

from lbs.auth.models import Role, User
from lbs.consultation.hearings import ConsultationRequest, Proposal, RequestStatus
from lbs.consultation.models import Party
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.organisations.models import Municipality


def get_proposal(proposal_id: int) -> Proposal:
    found = db.session.get(Proposal, proposal_id)
    if found is None:
        raise NotFound("no such proposal")
    return found


def get_request(request_id: int) -> ConsultationRequest:
    found = db.session.get(ConsultationRequest, request_id)
    if found is None:
        raise NotFound("no such consultation request")
    return found


def proposals_of(incident_id: int) -> Sequence[Proposal]:
    """The incident's proposals, oldest first."""
    return db.session.scalars(select(Proposal).where(Proposal.incident_id == incident_id)
                              .order_by(Proposal.created_at, Proposal.id)).all()


def requests_of_proposal(proposal_id: int) -> Sequence[ConsultationRequest]:
    return db.session.scalars(select(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal_id)
                              .order_by(ConsultationRequest.id)
                              .options(joinedload(ConsultationRequest.party))).all()


def party_municipality(party: Party) -> str | None:
    """The code of the municipality a party belongs to (its own code, or the municipality whose organisation it
    is), or None for a party outside any municipality (region, agencies, defence)."""
    if party.municipality_code is not None:
        return party.municipality_code
    return db.session.scalar(select(Municipality.code).where(Municipality.organisation_id == party.organisation_id))


def may_answer(user: User, party: Party) -> bool:
    """A municipality user answers for their own municipality's parties; police and admin for parties outside
    any municipality; nobody else."""
    code = party_municipality(party)
    if code is not None:
        return user.role is Role.MUNICIPALITY and user.municipality_code == code
    return user.role in (Role.POLICE, Role.ADMIN)


def _scope(user: User, *, answerable_only: bool) -> Select[ConsultationRequest]:
    """Requests addressed to the user's municipality's parties (a municipality user); for police and admin all of
    them, or with ``answerable_only`` those to parties outside any municipality; for a reviewer none."""
    query = select(ConsultationRequest).join(Party, Party.id == ConsultationRequest.party_id)
    municipal_orgs = select(Municipality.organisation_id)
    if user.role is Role.MUNICIPALITY:
        own_orgs = municipal_orgs.where(Municipality.code == user.municipality_code)
        return query.where((Party.municipality_code == user.municipality_code)
                           | (Party.municipality_code.is_(None) & Party.organisation_id.in_(own_orgs)))
    if user.role in (Role.POLICE, Role.ADMIN):
        if answerable_only:
            return query.where(Party.municipality_code.is_(None), Party.organisation_id.not_in(municipal_orgs))
        return query
    return query.where(false())


def requests_for(user: User, *, status: RequestStatus | None = None, answerable_only: bool = False,
                 limit: int | None = None) -> Sequence[ConsultationRequest]:
    """The requests a user sees as theirs, oldest first: a municipality user's are those addressed to their
    municipality's parties; police and admin see all (``answerable_only``: those they may answer); a reviewer
    none."""
    query = _scope(user, answerable_only=answerable_only)
    if status is not None:
        query = query.where(ConsultationRequest.status == status)
    query = query.order_by(ConsultationRequest.requested_at, ConsultationRequest.id) \
        .options(joinedload(ConsultationRequest.party))
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def waiting_count(user: User) -> int:
    """How many open requests wait for this user's answer (the navigation's count)."""
    query = _scope(user, answerable_only=True).where(ConsultationRequest.status == RequestStatus.OPEN)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
