"""Staffs, positions, people and assignments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from lbs.extensions import db
from lbs.staffs.models import Assignment, Person, Position, Staff


def list_staffs() -> Sequence[Staff]:
    return db.session.scalars(select(Staff).order_by(Staff.id)).all()


def get_staff_by_code(code: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(Staff.code == code))


def held_at(at: datetime) -> ColumnElement[bool]:
    """SQL condition: the assignment holds at ``at`` (from inclusive, to exclusive)."""
    return and_(Assignment.valid_from <= at, or_(Assignment.valid_to.is_(None), Assignment.valid_to > at))


def is_on_roster(*, person_id: int, staff_id: int, at: datetime) -> bool:
    """Did ``person_id`` hold any seat (primary or deputy) in the staff at ``at``?"""
    query = (
        select(Assignment.id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Assignment.person_id == person_id, Position.staff_id == staff_id, held_at(at))
        .limit(1)
    )
    return db.session.scalar(query) is not None


def roster_people(*, staff_id: int, at: datetime) -> Sequence[Person]:
    """Everyone holding a seat in the staff at ``at`` (for picking a decision maker), by name."""
    query = (
        select(Person)
        .join(Assignment, Assignment.person_id == Person.id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Position.staff_id == staff_id, held_at(at))
        .distinct()
        .order_by(Person.name)
    )
    return db.session.scalars(query).all()
