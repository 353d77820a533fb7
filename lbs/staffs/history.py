"""A position's history: who held it when, the audit trail of it and its assignments, and its corrections."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import joinedload

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs.models import Assignment, Person, RosterCorrection


def position_history(*, position_id: int) -> Sequence[Assignment]:
    """Every assignment of the position, newest first (who held it when)."""
    query = (
        select(Assignment)
        .where(Assignment.position_id == position_id)
        .options(joinedload(Assignment.person).joinedload(Person.organisation))
        .order_by(Assignment.valid_from.desc(), Assignment.rank, Assignment.id)
    )
    return db.session.scalars(query).all()


def position_audit(*, position_id: int) -> Sequence[AuditEvent]:
    """Audit trail of the position and of its assignments, oldest first."""
    assignment_ids = select(cast(Assignment.id, String)).where(Assignment.position_id == position_id)
    query = (
        select(AuditEvent)
        .where(
            or_(
                and_(AuditEvent.object_type == "position", AuditEvent.object_id == str(position_id)),
                and_(AuditEvent.object_type == "assignment", AuditEvent.object_id.in_(assignment_ids)),
            )
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return db.session.scalars(query).all()


def position_corrections(*, position_id: int) -> Sequence[RosterCorrection]:
    """The roster corrections (with their reasons) of the position's assignments, oldest first."""
    assignment_ids = select(Assignment.id).where(Assignment.position_id == position_id)
    query = (select(RosterCorrection).where(RosterCorrection.assignment_id.in_(assignment_ids))
             .order_by(RosterCorrection.at, RosterCorrection.id))
    return db.session.scalars(query).all()
