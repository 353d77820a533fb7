"""Rosters: everyone reads; only police and admin edit (HTML and API)."""

from sqlalchemy import select

from lbs.extensions import db
from lbs.staffs.models import Assignment, Person, Position
from tests.matrix import ALL, WRITERS, Case


def _position_id() -> int:
    return db.session.scalars(select(Position.id).where(Position.title == "Logfører")).one()


def _assignment_id() -> int:
    return db.session.scalars(select(Assignment.id).where(Assignment.position_id == _position_id())
                              .order_by(Assignment.id)).first() or 0


def _person_id() -> int:
    return db.session.scalars(select(Person.id).order_by(Person.id)).first() or 0


CASES = [
    # HTML
    Case("GET", "/staffs", ALL),
    Case("GET", "/staffs/LBS-O", ALL, rule="/staffs/<code>"),
    Case("GET", "/staffs/LBS-S/print", ALL, rule="/staffs/<code>/print"),
    Case("GET", "/staffs/people", ALL),
    Case("GET", lambda: f"/staffs/positions/{_position_id()}", ALL, rule="/staffs/positions/<id:position_id>"),
    Case("GET", "/staffs/LBS-O/positions/new", WRITERS, rule="/staffs/<code>/positions/new"),
    Case("POST", "/staffs/LBS-O/positions/new", WRITERS, rule="/staffs/<code>/positions/new"),
    Case("GET", lambda: f"/staffs/positions/{_position_id()}/edit", WRITERS,
         rule="/staffs/positions/<id:position_id>/edit"),
    Case("POST", lambda: f"/staffs/positions/{_position_id()}/edit", WRITERS,
         rule="/staffs/positions/<id:position_id>/edit"),
    Case("GET", "/staffs/people/new", WRITERS),
    Case("POST", "/staffs/people/new", WRITERS),
    Case("GET", lambda: f"/staffs/people/{_person_id()}/edit", WRITERS, rule="/staffs/people/<id:person_id>/edit"),
    Case("POST", lambda: f"/staffs/people/{_person_id()}/edit", WRITERS, rule="/staffs/people/<id:person_id>/edit"),
    Case("GET", lambda: f"/staffs/positions/{_position_id()}/assign", WRITERS,
         rule="/staffs/positions/<id:position_id>/assign"),
    Case("POST", lambda: f"/staffs/positions/{_position_id()}/assign", WRITERS,
         rule="/staffs/positions/<id:position_id>/assign"),
    Case("GET", lambda: f"/staffs/assignments/{_assignment_id()}/end", WRITERS,
         rule="/staffs/assignments/<id:assignment_id>/end"),
    Case("POST", lambda: f"/staffs/assignments/{_assignment_id()}/end", WRITERS,
         rule="/staffs/assignments/<id:assignment_id>/end"),
    Case("GET", lambda: f"/staffs/assignments/{_assignment_id()}/replace", WRITERS,
         rule="/staffs/assignments/<id:assignment_id>/replace"),
    Case("POST", lambda: f"/staffs/assignments/{_assignment_id()}/replace", WRITERS,
         rule="/staffs/assignments/<id:assignment_id>/replace"),
    # API
    Case("GET", "/api/v1/staffs/LBS-O/positions", ALL, rule="/api/v1/staffs/<code>/positions"),
    Case("POST", "/api/v1/staffs/LBS-O/positions", WRITERS, rule="/api/v1/staffs/<code>/positions"),
    Case("GET", "/api/v1/people", ALL),
    Case("POST", "/api/v1/people", WRITERS),
    Case("PATCH", lambda: f"/api/v1/people/{_person_id()}", WRITERS, rule="/api/v1/people/<id:person_id>"),
    Case("POST", "/api/v1/assignments", WRITERS),
    Case("GET", lambda: f"/api/v1/assignments/{_assignment_id()}", ALL, rule="/api/v1/assignments/<id:assignment_id>"),
    Case("POST", lambda: f"/api/v1/assignments/{_assignment_id()}/end", WRITERS,
         rule="/api/v1/assignments/<id:assignment_id>/end"),
    Case("GET", "/api/v1/staffs/LBS-O/roster", ALL, rule="/api/v1/staffs/<code>/roster"),
]
