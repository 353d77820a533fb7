"""Staffs, positions, people and assignments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.elements import BindParameter

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.errors import N_, Conflict, ValidationError
from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs import corrections, roster
from lbs.staffs.history import position_audit as position_audit
from lbs.staffs.history import position_history as position_history
from lbs.staffs.models import Assignment, Person, Position, Staff
from lbs.timeutil import utcnow


def list_staffs() -> Sequence[Staff]:
    return db.session.scalars(select(Staff).order_by(Staff.id)).all()


def possible_staff_code(code: str) -> bool:
    """False for a code no staff can have (and that PostgreSQL would refuse: NUL)."""
    return bool(code) and len(code) <= 20 and "\x00" not in code


def get_staff_by_code(code: str) -> Staff | None:
    if not possible_staff_code(code):
        return None
    return db.session.scalar(select(Staff).where(Staff.code == code))


def held_at(at: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """SQL condition: the assignment holds at ``at`` (from inclusive, to exclusive)."""
    return and_(Assignment.valid_from <= at, or_(Assignment.valid_to.is_(None), Assignment.valid_to > at))


def on_roster(person_id: Any, staff_id: Any, at: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """SQL condition: the person held any seat (primary or deputy) in the staff at ``at`` (the ids may be
    columns of a larger statement)."""
    return exists(
        select(Assignment.id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Assignment.person_id == person_id, Position.staff_id == staff_id, held_at(at))
    )


def seat_held(person_id: Any, staff_id: Any, at: datetime | BindParameter[datetime]) -> ColumnElement[str | None]:
    """SQL scalar: the title of the seat the person held in the staff at ``at`` (as primary holder before a
    deputyship; NULL when none)."""
    return (
        select(Position.title)
        .join(Assignment, Assignment.position_id == Position.id)
        .where(Assignment.person_id == person_id, Position.staff_id == staff_id, held_at(at))
        .order_by(Assignment.rank, Position.id).limit(1).scalar_subquery()
    )


def is_on_roster(*, person_id: int, staff_id: int, at: datetime) -> bool:
    """Did ``person_id`` hold any seat (primary or deputy) in the staff at ``at``?"""
    return bool(db.session.scalar(select(on_roster(person_id, staff_id, at))))


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


# ---------------------------------------------------------------- reads


def list_positions(*, staff_id: int) -> Sequence[Position]:
    query = (
        select(Position)
        .where(Position.staff_id == staff_id)
        .options(joinedload(Position.organisation))
        .order_by(Position.sort_order, Position.id)
    )
    return db.session.scalars(query).all()


def get_position(position_id: int) -> Position | None:
    return db.session.get(Position, position_id)


def get_person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def get_assignment(assignment_id: int) -> Assignment | None:
    return db.session.get(Assignment, assignment_id)


def list_people() -> Sequence[Person]:
    query = select(Person).options(joinedload(Person.organisation)).order_by(Person.name, Person.id)
    return db.session.scalars(query).all()


@dataclass
class Roster:
    staff: Staff
    at: datetime
    seats: list[roster.SeatRoster[Position, Assignment]]

    @property
    def gaps(self) -> list[roster.Gap]:
        return roster.contract_gaps(self.seats)


def roster_at(*, staff: Staff, at: datetime, warnings: bool = False) -> Roster:
    """The staff's roster at ``at`` in a constant number of queries (positions, held assignments)."""
    positions = list_positions(staff_id=staff.id)
    query = (
        select(Assignment)
        .join(Position, Position.id == Assignment.position_id)
        .where(held_at(at))
        .options(contains_eager(Assignment.position), joinedload(Assignment.person).joinedload(Person.organisation))
    )
    if not warnings:
        query = query.where(Position.staff_id == staff.id)
    held = db.session.scalars(query).all()
    own = [a for a in held if a.position.staff_id == staff.id] if warnings else list(held)
    seats = roster.roster_at(positions, own, at)
    if warnings:
        later = db.session.scalars(
            select(Assignment)
            .join(Position, Position.id == Assignment.position_id)
            .where(Position.staff_id == staff.id, Assignment.valid_from > at)
            .options(joinedload(Assignment.person))
        ).all()
        roster.add_successors(seats, later)
        roster.add_warnings(seats, at, other_holdings=[a for a in held if a.position.staff_id != staff.id])
    return Roster(staff=staff, at=at, seats=seats)


# ---------------------------------------------------------------- writes


def _organisation(organisation_id: int | None, field_name: str = "organisation_id") -> Organisation:
    organisation = db.session.get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation is None:
        raise ValidationError(N_("unknown organisation"), {field_name: [N_("unknown organisation")]})
    return organisation


def _diff(obj: object, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (getattr(obj, k), v) for k, v in values.items() if getattr(obj, k) != v}


def create_position(
    *,
    by: User | None,
    staff: Staff,
    title: str,
    organisation_id: int,
    mandatory: bool = False,
    min_deputies: int = 0,
) -> Position:
    _organisation(organisation_id)
    last = db.session.scalar(select(func.max(Position.sort_order)).where(Position.staff_id == staff.id))
    position = Position(staff_id=staff.id, title=title, organisation_id=organisation_id, mandatory=mandatory,
                        min_deputies=min_deputies, sort_order=(last or 0) + 1)
    db.session.add(position)
    db.session.flush()
    audit.record(by=by, action="position.create", object_type="position", object_id=position.id,
                 summary=f"position {title!r} created in {staff.code}",
                 changes={"title": (None, title), "organisation_id": (None, organisation_id),
                          "mandatory": (None, mandatory), "min_deputies": (None, min_deputies)})
    return position


def update_position(
    *, by: User | None, position: Position, title: str, organisation_id: int, mandatory: bool, min_deputies: int
) -> Position:
    _organisation(organisation_id)
    changes = _diff(position, {"title": title, "organisation_id": organisation_id, "mandatory": mandatory,
                               "min_deputies": min_deputies})
    for name, (_old, new) in changes.items():
        setattr(position, name, new)
    db.session.flush()
    if changes:
        audit.record(by=by, action="position.update", object_type="position", object_id=position.id,
                     summary=f"position {position.title!r} changed", changes=changes)
    return position


def create_person(
    *,
    by: User | None,
    name: str,
    job_title: str,
    organisation_id: int,
    email: str | None = None,
    phone: str | None = None,
) -> Person:
    _organisation(organisation_id)
    person = Person(name=name, job_title=job_title, organisation_id=organisation_id, email=email or None,
                    phone=phone or None)
    db.session.add(person)
    db.session.flush()
    audit.record(by=by, action="person.create", object_type="person", object_id=person.id,
                 summary=f"person {name!r} created",
                 changes={"name": (None, name), "job_title": (None, job_title),
                          "organisation_id": (None, organisation_id), "email": (None, person.email),
                          "phone": (None, person.phone)})
    return person


def update_person(
    *,
    by: User | None,
    person: Person,
    name: str,
    job_title: str,
    organisation_id: int,
    email: str | None,
    phone: str | None,
) -> Person:
    _organisation(organisation_id)
    changes = _diff(person, {"name": name, "job_title": job_title, "organisation_id": organisation_id,
                             "email": email or None, "phone": phone or None})
    for name_, (_old, new) in changes.items():
        setattr(person, name_, new)
    db.session.flush()
    if changes:
        audit.record(by=by, action="person.update", object_type="person", object_id=person.id,
                     summary=f"person {person.name!r} changed", changes=changes)
    return person


def _lock_position(position_id: int) -> Position | None:
    """Load the position with a row lock so that concurrent assignments to it are checked one at a time."""
    return db.session.scalar(select(Position).where(Position.id == position_id).with_for_update())


class OverlapError(ValidationError):
    """Two assignments of the same position and rank would overlap; ``clash`` is the existing one."""

    def __init__(self, message: str, fields: dict[str, list[str]], clash: Assignment) -> None:
        super().__init__(message, fields)
        self.clash = clash


class OtherRankError(OverlapError):
    """The person already holds another rank of the same position in an overlapping period; ``clash`` is
    that assignment (one person holds at most one rank of a seat at a time)."""


def _check_overlap(
    *,
    position_id: int,
    person_id: int,
    rank: int,
    valid_from: datetime,
    valid_to: datetime | None,
    ignore_id: int | None = None,
    person_field: str = "person_id",
) -> None:
    """Refuse (422) an overlap with an assignment of the same position and rank, or with another rank of the
    same position held by the same person. Call it with the position locked (:func:`_lock_position`)."""
    same_seat = db.session.scalars(
        select(Assignment).where(Assignment.position_id == position_id,
                                 or_(Assignment.rank == rank, Assignment.person_id == person_id))
    ).all()
    clash = roster.find_overlap(same_seat, position_id=position_id, rank=rank, valid_from=valid_from,
                                valid_to=valid_to, ignore_id=ignore_id)
    if clash is not None:
        message = f"overlaps assignment {clash.id} of the same position and rank ({roster.period_text(clash)})"
        raise OverlapError(message, {"valid_from": [message]}, clash)
    clash = roster.find_other_rank(same_seat, position_id=position_id, person_id=person_id, rank=rank,
                                   valid_from=valid_from, valid_to=valid_to, ignore_id=ignore_id)
    if clash is not None:
        message = (f"the person already holds rank {clash.rank} of this position in an overlapping period "
                   f"(assignment {clash.id}, {roster.period_text(clash)}); one person holds at most one rank of a "
                   f"position at a time")
        raise OtherRankError(message, {person_field: [message]}, clash)


def assign(
    *,
    by: User | None,
    position_id: int,
    person_id: int,
    rank: int,
    valid_from: datetime,
    valid_to: datetime | None = None,
    reason: str | None = None,
) -> Assignment:
    """Put ``person`` on ``position`` at ``rank`` for ``[valid_from, valid_to)``; refuses (422) an overlap with
    the same rank, or with another rank of the position the person holds meanwhile, and a start in the past over
    a logged decision of the staff without a ``reason`` (see :mod:`lbs.staffs.corrections`)."""
    errors: dict[str, list[str]] = {}
    position = _lock_position(position_id)
    if position is None:
        errors["position_id"] = [N_("unknown position")]
    if db.session.get(Person, person_id) is None:
        errors["person_id"] = [N_("unknown person")]
    problem = roster.period_error(valid_from, valid_to)
    if problem:
        errors["valid_to"] = [problem]
    if rank < 0:
        errors["rank"] = [N_("must be 0 or more")]
    if errors:
        raise ValidationError("invalid assignment", errors)
    _check_overlap(position_id=position_id, person_id=person_id, rank=rank, valid_from=valid_from,
                   valid_to=valid_to)
    assert position is not None
    correction = corrections.needed(staff_id=position.staff_id, start=valid_from, end=valid_to, reason=reason)
    assignment = Assignment(position_id=position_id, person_id=person_id, rank=rank, valid_from=valid_from,
                            valid_to=valid_to, created_by_id=by.id if by else None)
    db.session.add(assignment)
    db.session.flush()
    audit.record(by=by, action="assignment.create", object_type="assignment", object_id=assignment.id,
                 summary=f"person {person_id} assigned to position {position_id} at rank {rank}",
                 changes={"position_id": (None, position_id), "person_id": (None, person_id),
                          "rank": (None, rank), "valid_from": (None, valid_from), "valid_to": (None, valid_to),
                          **corrections.audit_changes(correction)})
    corrections.record(by=by, assignment=assignment, staff_id=position.staff_id, action="assign",
                       correction=correction)
    return assignment


def end_assignment(*, by: User | None, assignment: Assignment, valid_to: datetime,
                   reason: str | None = None) -> Assignment:
    """End ``assignment`` at ``valid_to`` (exclusive). 422 when not after its start, or when ending it in the
    past over a logged decision of the staff without a ``reason``; 409 when it is over."""
    problem = roster.end_error(assignment, valid_to)
    if problem:
        raise ValidationError(problem, {"valid_to": [problem]})
    _lock_position(assignment.position_id)
    if assignment.valid_to is not None and assignment.valid_to <= utcnow():
        raise Conflict(N_("the assignment has already ended"))
    if assignment.valid_to is None or valid_to > assignment.valid_to:
        _check_overlap(position_id=assignment.position_id, person_id=assignment.person_id, rank=assignment.rank,
                       valid_from=assignment.valid_from, valid_to=valid_to, ignore_id=assignment.id,
                       person_field="valid_to")
    staff_id = assignment.position.staff_id
    correction = corrections.needed(staff_id=staff_id, start=valid_to, end=assignment.valid_to, reason=reason)
    old = assignment.valid_to
    assignment.valid_to = valid_to
    db.session.flush()
    audit.record(by=by, action="assignment.end", object_type="assignment", object_id=assignment.id,
                 summary=f"assignment {assignment.id} ended",
                 changes={"valid_to": (old, valid_to), **corrections.audit_changes(correction)})
    corrections.record(by=by, assignment=assignment, staff_id=staff_id, action="end", correction=correction)
    return assignment


def replace_holder(*, by: User | None, assignment: Assignment, person_id: int, at: datetime,
                   reason: str | None = None) -> Assignment:
    """End ``assignment`` at ``at`` and start ``person`` in the same seat and rank at the same instant.

    The new assignment runs until the old one would have ended.
    """
    if db.session.get(Person, person_id) is None:
        raise ValidationError(N_("unknown person"), {"person_id": [N_("unknown person")]})
    if person_id == assignment.person_id:
        raise ValidationError(N_("the new holder is the current holder"), {"person_id": [N_("already holds the seat")]})
    planned_end = assignment.valid_to
    if planned_end is not None and at >= planned_end:
        message = N_("the replacement must start before the assignment ends")
        raise ValidationError(message, {"at": [message]})
    problem = roster.end_error(assignment, at)
    if problem:
        raise ValidationError(problem, {"at": [problem]})
    end_assignment(by=by, assignment=assignment, valid_to=at, reason=reason)
    return assign(by=by, position_id=assignment.position_id, person_id=person_id, rank=assignment.rank,
                  valid_from=at, valid_to=planned_end, reason=reason)
