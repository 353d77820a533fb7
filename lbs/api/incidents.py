"""Incidents: create, list, read, close, reopen."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import WRITERS, api_user, endpoint, json_body
from lbs.api.schemas import ERROR, NULLABLE_TIME, TIME, component, enum_of, list_component, obj
from lbs.decisions import closing as decision_closing
from lbs.decisions.draft import check_encodable
from lbs.decisions.scope import current_scope
from lbs.extensions import db
from lbs.incidents import closing, services
from lbs.incidents.models import IncidentKind, IncidentStatus
from lbs.incidents.read_model import incident_json
from lbs.validation import Fields

KIND = enum_of("IncidentKind", [k.value for k in IncidentKind])
INCIDENT = component("Incident", obj(
    {"id": {"type": "integer"}, "title": {"type": "string"}, "kind": KIND,
     "started_at": TIME, "ended_at": NULLABLE_TIME,
     "municipalities": {"type": "array", "items": {"type": "string"}},
     "status": enum_of("IncidentStatus", [s.value for s in IncidentStatus]),
     "exercise": {"type": "boolean"}},
))
INCIDENT_IN = component("IncidentInput", obj(
    {"title": {"type": "string", "maxLength": 200}, "kind": KIND,
     "started_at": TIME, "municipalities": {"type": "array", "items": {"type": "string"}},
     "exercise": {"type": "boolean"}, "description": {"type": "string"}},
    required=["title", "kind", "started_at", "municipalities"],
))
CLOSE_IN = component("IncidentCloseInput", obj({"ended_at": TIME}, required=[]))
REOPEN_IN = component("IncidentReopenInput", obj({"reason": {"type": "string", "minLength": 1, "maxLength": 10_000}},
                                                 required=["reason"]))


@endpoint(api_bp, "/incidents", "GET", operation_id="listIncidents",
          summary="List incidents (active first, then by start)", tag="incidents",
          responses={200: list_component("IncidentList", INCIDENT)})
def list_incidents() -> ResponseReturnValue:
    return jsonify([incident_json(i) for i in services.list_incidents(where=current_scope().incidents())])


@endpoint(api_bp, "/incidents", "POST", operation_id="createIncident", summary="Create an incident",
          tag="incidents", roles=WRITERS, request_schema=INCIDENT_IN, responses={201: INCIDENT, 400: ERROR, 422: ERROR})
def create_incident() -> ResponseReturnValue:
    body = json_body()
    check_encodable(body)
    f = Fields(body)
    title = f.name("title")
    kind = f.choice("kind", IncidentKind)
    started_at = f.time("started_at")
    codes = f.strings("municipalities", max_items=20, max_len=10)
    if not codes and "municipalities" not in f.errors:
        f.error("municipalities", "name at least one municipality")
    exercise = f.boolean("exercise")
    description = f.text("description", required=False) or None
    f.check()
    assert title is not None and kind is not None and started_at is not None
    incident = services.create_incident(title=title, kind=kind, started_at=started_at, municipality_codes=codes,
                                        exercise=exercise, description=description, by=api_user())
    db.session.commit()
    return jsonify(incident_json(incident)), 201


@endpoint(api_bp, "/incidents/<id:incident_id>", "GET", operation_id="getIncident", summary="One incident",
          tag="incidents", responses={200: INCIDENT, 404: ERROR})
def get_incident(incident_id: int) -> ResponseReturnValue:
    return jsonify(incident_json(services.get_incident(incident_id)))


@endpoint(api_bp, "/incidents/<id:incident_id>/close", "POST", operation_id="closeIncident",
          summary="Close an incident (ended_at defaults to now)", tag="incidents", roles=WRITERS,
          request_schema=CLOSE_IN, responses={200: INCIDENT, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def close_incident(incident_id: int) -> ResponseReturnValue:
    incident = services.get_incident(incident_id)
    ended_at = None
    if request.get_data(cache=True):
        f = Fields(json_body())
        ended_at = f.time("ended_at", required=False)
        f.check()
    decision_closing.close_incident(incident=incident, by=api_user(), at=ended_at)
    db.session.commit()
    return jsonify(incident_json(incident))


@endpoint(api_bp, "/incidents/<id:incident_id>/reopen", "POST", operation_id="reopenIncident",
          summary="Reopen a closed incident, giving the reason", tag="incidents", roles=WRITERS,
          request_schema=REOPEN_IN, responses={200: INCIDENT, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def reopen_incident(incident_id: int) -> ResponseReturnValue:
    incident = services.get_incident(incident_id)
    f = Fields(json_body())
    reason = f.text("reason")
    f.check()
    closing.reopen_incident(incident=incident, reason=reason, by=api_user())
    db.session.commit()
    return jsonify(incident_json(incident))
