"""Rosters: positions, people, assignments and the roster as of a time."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import WRITERS, ApiError, api_user, endpoint, json_body
from lbs.api.schemas import NULLABLE_TIME, TIME, array_of, component, enum_of, list_component, nullable, obj
from lbs.extensions import db
from lbs.staffs import services
from lbs.staffs.corrections import MAX_REASON
from lbs.staffs.models import Assignment, Person, Position, Staff
from lbs.timeutil import TimeError, parse_iso_aware, utcnow
from lbs.validation import Fields

TAG = "rosters"
_SPACED_OFFSET = re.compile(r"T[0-9:.]+ [0-9]{2}:[0-9]{2}$")
MAX_RANK = 1000
MAX_MIN_DEPUTIES = 100
PHONE_MAX = 40

POSITION = component("Position", obj({
    "id": {"type": "integer"}, "staff": {"type": "string"}, "title": {"type": "string"},
    "organisation_id": {"type": "integer"}, "mandatory": {"type": "boolean"}, "min_deputies": {"type": "integer"},
}))
POSITION_IN = component("PositionInput", obj({
    "title": {"type": "string", "maxLength": 200}, "organisation_id": {"type": "integer"},
    "mandatory": {"type": "boolean"}, "min_deputies": {"type": "integer", "minimum": 0},
}, ["title", "organisation_id"]))
PERSON_SUMMARY_PROPS = {
    "id": {"type": "integer"}, "name": {"type": "string"}, "job_title": {"type": "string"},
    "organisation_id": {"type": "integer"},
}
# A person as the roster shows them; ``Person`` adds the work contact.
PERSON_SUMMARY = component("PersonSummary", obj(PERSON_SUMMARY_PROPS))
PERSON = component("Person", obj({
    **PERSON_SUMMARY_PROPS, "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
}))
PERSON_IN = component("PersonInput", obj({
    "name": {"type": "string", "maxLength": 200}, "job_title": {"type": "string", "maxLength": 200},
    "organisation_id": {"type": "integer"}, "email": {"type": ["string", "null"], "maxLength": 200},
    "phone": {"type": ["string", "null"], "maxLength": PHONE_MAX},
}, ["name", "job_title", "organisation_id"]))
ASSIGNMENT = component("Assignment", obj({
    "id": {"type": "integer"}, "position_id": {"type": "integer"}, "person_id": {"type": "integer"},
    "rank": {"type": "integer"}, "valid_from": TIME, "valid_to": NULLABLE_TIME,
}))
# Needed when the change reaches back over a logged decision of the staff (lbs.staffs.corrections).
CORRECTION_REASON = {"type": ["string", "null"], "maxLength": MAX_REASON,
                     "description": "why the roster is corrected; required (422 without) when the change starts or "
                                    "ends the assignment before now and a decision of the staff was logged in the "
                                    "changed period"}
ASSIGNMENT_IN = component("AssignmentInput", obj({
    "position_id": {"type": "integer"}, "person_id": {"type": "integer"},
    "rank": {"type": "integer", "minimum": 0}, "valid_from": TIME, "valid_to": NULLABLE_TIME,
    "reason": CORRECTION_REASON,
}, ["position_id", "person_id", "rank", "valid_from"]))
END_IN = component("AssignmentEndInput", obj({"valid_to": TIME, "reason": CORRECTION_REASON}, ["valid_to"]))
ROSTER = component("Roster", obj({
    "staff": {"type": "string"},
    "at": TIME,
    "positions": array_of(component("RosterPosition", obj({
        "id": {"type": "integer"}, "title": {"type": "string"}, "mandatory": {"type": "boolean"},
        "primary": nullable(PERSON_SUMMARY), "deputies": array_of(PERSON_SUMMARY),
    }))),
    "gaps": array_of(component("RosterGap", obj({
        "position_id": {"type": "integer"},
        "problem": enum_of("RosterProblem", ["no_primary", "too_few_deputies"]),
    }))),
}))


def position_json(position: Position) -> dict[str, Any]:
    return {"id": position.id, "staff": position.staff.code, "title": position.title,
            "organisation_id": position.organisation_id, "mandatory": position.mandatory,
            "min_deputies": position.min_deputies}


def person_json(person: Person) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "job_title": person.job_title,
            "organisation_id": person.organisation_id}


def person_full_json(person: Person) -> dict[str, Any]:
    return {**person_json(person), "email": person.email, "phone": person.phone}


def assignment_json(assignment: Assignment) -> dict[str, Any]:
    return {"id": assignment.id, "position_id": assignment.position_id, "person_id": assignment.person_id,
            "rank": assignment.rank, "valid_from": assignment.valid_from.isoformat(),
            "valid_to": assignment.valid_to.isoformat() if assignment.valid_to else None}


def _staff(code: str) -> Staff:
    staff = services.get_staff_by_code(code)
    if staff is None:
        raise ApiError(404, "unknown staff")
    return staff


@endpoint(api_bp, "/staffs/<code>/positions", "GET", operation_id="listPositions",
          summary="List a staff's positions", tag=TAG, responses={200: list_component("PositionList", POSITION)})
def list_positions(code: str) -> ResponseReturnValue:
    staff = _staff(code)
    return jsonify([position_json(p) for p in services.list_positions(staff_id=staff.id)])


@endpoint(api_bp, "/staffs/<code>/positions", "POST", operation_id="createPosition",
          summary="Create a position in a staff", tag=TAG, roles=WRITERS,
          request_schema=POSITION_IN, responses={201: POSITION})
def create_position(code: str) -> ResponseReturnValue:
    staff = _staff(code)
    fields = Fields(json_body())
    title = fields.name("title")
    organisation_id = fields.ref("organisation_id")
    mandatory = fields.boolean("mandatory")
    min_deputies = fields.integer("min_deputies", required=False, maximum=MAX_MIN_DEPUTIES)
    fields.check()
    assert title is not None and organisation_id is not None
    position = services.create_position(by=api_user(), staff=staff, title=title, organisation_id=organisation_id,
                                        mandatory=mandatory, min_deputies=min_deputies or 0)
    db.session.commit()
    return jsonify(position_json(position)), 201


@endpoint(api_bp, "/people", "GET", operation_id="listPeople",
          summary="List people (office title and work contact)", tag=TAG,
          responses={200: list_component("PersonList", PERSON)})
def list_people() -> ResponseReturnValue:
    return jsonify([person_full_json(p) for p in services.list_people()])


@endpoint(api_bp, "/people", "POST", operation_id="createPerson", summary="Create a person", tag=TAG,
          roles=WRITERS, request_schema=PERSON_IN, responses={201: PERSON})
def create_person() -> ResponseReturnValue:
    fields = Fields(json_body())
    name = fields.name("name")
    job_title = fields.name("job_title")
    organisation_id = fields.ref("organisation_id")
    email = fields.name("email", required=False)
    phone = fields.text("phone", required=False, max_len=PHONE_MAX)
    fields.check()
    assert name is not None and job_title is not None and organisation_id is not None
    person = services.create_person(by=api_user(), name=name, job_title=job_title,
                                    organisation_id=organisation_id, email=email, phone=phone)
    db.session.commit()
    return jsonify(person_full_json(person)), 201


PERSON_PATCH = component("PersonUpdate", obj({
    "name": {"type": "string", "maxLength": 200}, "job_title": {"type": "string", "maxLength": 200},
    "organisation_id": {"type": "integer"}, "email": {"type": ["string", "null"], "maxLength": 200},
    "phone": {"type": ["string", "null"], "maxLength": PHONE_MAX},
}))


@endpoint(api_bp, "/people/<id:person_id>", "PATCH", operation_id="updatePerson",
          summary="Change a person (what a logged decision recorded about its decision maker never changes)",
          tag=TAG, roles=WRITERS, request_schema=PERSON_PATCH, responses={200: PERSON, 404: None, 422: None})
def update_person(person_id: int) -> ResponseReturnValue:
    person = services.get_person(person_id)
    if person is None:
        raise ApiError(404, "unknown person")
    fields = Fields(json_body())
    name = fields.name("name", required=False) if fields.has("name") else person.name
    job_title = fields.name("job_title", required=False) if fields.has("job_title") else person.job_title
    organisation_id = fields.ref("organisation_id") if fields.has("organisation_id") else person.organisation_id
    email = fields.name("email", required=False) if fields.has("email") else person.email
    phone = fields.text("phone", required=False, max_len=PHONE_MAX) if fields.has("phone") else person.phone
    for key, value in (("name", name), ("job_title", job_title)):
        if value is None:
            fields.error(key, "is required")
    fields.check()
    assert name is not None and job_title is not None and organisation_id is not None
    # Decisions keep the name, job title and seat recorded when they were logged (lbs.decisions.log).
    services.update_person(by=api_user(), person=person, name=name, job_title=job_title,
                           organisation_id=organisation_id, email=email, phone=phone)
    db.session.commit()
    return jsonify(person_full_json(person))


@endpoint(api_bp, "/assignments", "POST", operation_id="createAssignment",
          summary="Assign a person to a position (rank 0 = primary)", tag=TAG,
          roles=WRITERS, request_schema=ASSIGNMENT_IN, responses={201: ASSIGNMENT})
def create_assignment() -> ResponseReturnValue:
    fields = Fields(json_body())
    position_id = fields.ref("position_id")
    person_id = fields.ref("person_id")
    rank = fields.integer("rank", maximum=MAX_RANK)
    valid_from = fields.time("valid_from")
    valid_to = fields.time("valid_to", required=False)
    reason = fields.text("reason", required=False, max_len=MAX_REASON)
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        fields.error("valid_to", "valid_to must be after valid_from")
    fields.check()
    assert position_id is not None and person_id is not None and rank is not None and valid_from is not None
    assignment = services.assign(by=api_user(), position_id=position_id, person_id=person_id, rank=rank,
                                 valid_from=valid_from, valid_to=valid_to, reason=reason)
    db.session.commit()
    return jsonify(assignment_json(assignment)), 201


def _assignment(assignment_id: int) -> Assignment:
    assignment = services.get_assignment(assignment_id)
    if assignment is None:
        raise ApiError(404, "unknown assignment")
    return assignment


@endpoint(api_bp, "/assignments/<id:assignment_id>", "GET", operation_id="getAssignment",
          summary="One assignment", tag=TAG, responses={200: ASSIGNMENT})
def get_assignment(assignment_id: int) -> ResponseReturnValue:
    return jsonify(assignment_json(_assignment(assignment_id)))


@endpoint(api_bp, "/assignments/<id:assignment_id>/end", "POST", operation_id="endAssignment",
          summary="End an assignment (nothing is deleted)", tag=TAG, roles=WRITERS,
          request_schema=END_IN, responses={200: ASSIGNMENT})
def end_assignment(assignment_id: int) -> ResponseReturnValue:
    assignment = _assignment(assignment_id)
    fields = Fields(json_body())
    valid_to = fields.time("valid_to")
    reason = fields.text("reason", required=False, max_len=MAX_REASON)
    fields.check()
    assert valid_to is not None
    services.end_assignment(by=api_user(), assignment=assignment, valid_to=valid_to, reason=reason)
    db.session.commit()
    return jsonify(assignment_json(assignment))


@endpoint(api_bp, "/staffs/<code>/roster", "GET", operation_id="getRoster",
          summary="The roster of a staff as of a time, with its gaps", tag=TAG, responses={200: ROSTER},
          query=[{"name": "at", "in": "query", "required": False, "schema": TIME,
                  "description": "ISO 8601 time with offset (default: now)"}])
def get_roster(code: str) -> ResponseReturnValue:
    staff = _staff(code)
    raw = request.args.get("at")
    if raw is None:
        at = utcnow()
    else:
        # An unencoded "+01:00" in a query string arrives as " 01:00": take it as the offset it was.
        if _SPACED_OFFSET.search(raw):
            raw = raw[:-6] + "+" + raw[-5:]
        try:
            at = parse_iso_aware(raw)
        except TimeError as exc:
            raise ApiError(422, "invalid time", {"at": [str(exc)]}) from exc
    result = services.roster_at(staff=staff, at=at)
    return jsonify({
        "staff": staff.code,
        "at": at.isoformat(),
        "positions": [
            {"id": seat.position.id, "title": seat.position.title, "mandatory": seat.position.mandatory,
             "primary": person_json(seat.primary.person) if seat.primary else None,
             "deputies": [person_json(d.person) for d in seat.deputies]}
            for seat in result.seats
        ],
        "gaps": [{"position_id": g.position_id, "problem": g.problem.value} for g in result.gaps],
    })
