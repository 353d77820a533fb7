"""Who is told: a municipality's users, a bearer's users, the person in a party's seat now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lbs.auth.models import Role, User
from lbs.extensions import db
from lbs.staffs.models import Assignment, Person


def users_of_municipalities(codes: set[str]) -> dict[str, list[User]]:
    """The active users of each of these municipalities, in one statement."""
    found: dict[str, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.role == Role.MUNICIPALITY,
                                                      User.municipality_code.in_(codes), User.active.is_(True))
                                   .order_by(User.id)):
        found.setdefault(user.municipality_code or "", []).append(user)
    return found


def municipality_users(code: str) -> list[User]:
    """The active users of one municipality."""
    return users_of_municipalities({code}).get(code, [])


def seat_holder(position_id: int, at: datetime) -> Person | None:
    """Who holds the seat at ``at``: the primary holder, or the first deputy where the seat has no primary."""
    holding = (Assignment.valid_from <= at) & (Assignment.valid_to.is_(None) | (Assignment.valid_to > at))
    return db.session.scalars(select(Person).join(Assignment, Assignment.person_id == Person.id)
                              .where(Assignment.position_id == position_id, holding)
                              .order_by(Assignment.rank, Assignment.id).limit(1)).first()
