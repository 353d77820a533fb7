"""The decision log: log, preview, list, read, amend, verify, CSV export.

Decisions are append-only: there is no PUT, PATCH or DELETE route, so those methods answer 405.
"""

from __future__ import annotations

import re

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from lbs import fastjson
from lbs.api.attachments import ATTACHMENT
from lbs.api.blueprint import api_bp
from lbs.api.consultation import MODE
from lbs.api.costs import CATEGORY, COST_LINE
from lbs.api.frame import WRITERS, api_user, endpoint, json_body
from lbs.api.schemas import ERROR, MONEY_IN, NULLABLE_TIME, TIME, array_of, component, enum_of, list_component, obj
from lbs.consultation.facts import DecisionType
from lbs.consultation.judging import Status
from lbs.consultation.models import Outcome
from lbs.database import lock_at_first_write
from lbs.decisions import amendments, log, reads, verification
from lbs.decisions.draft import check_encodable, read_draft
from lbs.decisions.export import stream_decisions_csv
from lbs.decisions.read_model import decision_record, incident_decision_records, logged_record
from lbs.errors import ValidationError
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.validation import Fields

MAX_LIMIT = 1000
_INT = re.compile(r"^[0-9]{1,10}$")

REQUIREMENT = component("ConsultationRequirement", obj({
    "party": {"type": "string"}, "name": {"type": "string"}, "organisation_id": {"type": "integer"}, "mode": MODE,
    "rule": {"type": "string"},
    "status": enum_of("ConsultationStatus", [status.value for status in Status])}))
CONSULTATION_PROPS = {
    "party": {"type": "string"}, "consulted_at": TIME, "mode": MODE,
    "outcome": enum_of("ConsultationOutcome", [o.value for o in Outcome]), "channel": {"type": ["string", "null"]},
    "note": {"type": ["string", "null"]},
}
CONSULTATION_IN = component("ConsultationInput", obj(CONSULTATION_PROPS,
                                                     required=["party", "consulted_at", "mode", "outcome"]))
CONSULTATION = component("Consultation", obj({**CONSULTATION_PROPS, "name": {"type": "string"},
                                              "recorded_at": NULLABLE_TIME,
                                              "appended": {"type": "boolean"}},
                                             required=["party", "consulted_at", "mode", "outcome", "channel", "note"]))
OPTION = component("DecisionOption", obj({
    "text": {"type": "string"}, "chosen": {"type": "boolean"}, "rejection_reason": {"type": "string"}},
    required=["text"]))
COST_IN = component("CostInput", obj({
    "bearer": {"type": "integer"}, "category": CATEGORY, "estimate_dkk": MONEY_IN, "provisional": {"type": "boolean"},
    "description": {"type": "string"}}, required=["bearer", "category", "estimate_dkk"]))
CONDITIONS = component("DecisionConditions", {
    "type": "object", "description": "facts of the situation (true/false, whole numbers, short texts or lists of ids)"
                                     " that decide which consultations are required"})
DECISION_TYPE = enum_of("DecisionType", [t.value for t in DecisionType])
DECISION_PROPS = {
    "staff": enum_of("StaffCode", ["LBS-S", "LBS-O"]), "decided_at": TIME, "decided_by": {"type": "integer"},
    "owner": {"type": "integer"}, "type": DECISION_TYPE,
    "title": {"type": "string", "maxLength": 200}, "decision": {"type": "string"},
    "information": {"type": "string"}, "options": array_of(OPTION), "rationale": {"type": "string"},
    "legal_basis": {"type": "string"}, "expected_outcome": {"type": "string"}, "urgent": {"type": "boolean"},
    "conditions": CONDITIONS, "costs": array_of(COST_IN), "consultations": array_of(CONSULTATION_IN),
    "missing_reason": {"type": "string"}, "delay_reason": {"type": "string"},
}
DECISION_IN = component("DecisionInput", obj(
    DECISION_PROPS, required=["staff", "decided_at", "decided_by", "owner", "type", "title", "decision", "rationale"]))
# An amendment gives the reason and only what changes: the rest is taken from the amended decision.
AMENDMENT_IN = component("AmendmentInput", obj({"reason": {"type": "string"}, **DECISION_PROPS}, required=["reason"]))
DECISION = component("Decision", obj(
    {"id": {"type": "integer"}, "incident_id": {"type": "integer"}, "number": {"type": "integer"},
     "staff": {"type": "string"}, "decided_at": TIME, "recorded_at": TIME, "decided_by": {"type": "integer"},
     "decided_by_off_roster": {"type": "boolean"}, "owner": {"type": "integer"}, "type": DECISION_TYPE,
     "title": {"type": "string"}, "decision": {"type": "string"}, "rationale": {"type": "string"},
     "amends": {"type": ["integer", "null"]}, "costs": array_of(COST_LINE), "consultations": array_of(CONSULTATION),
     "required_consultations": array_of(REQUIREMENT), "missing_consultations": array_of(REQUIREMENT),
     "amended_by": {"type": ["integer", "null"]}, "decided_by_name": {"type": "string"},
     "decided_by_job_title": {"type": ["string", "null"]}, "decided_by_seat": {"type": ["string", "null"]},
     "hash": {"type": "string"}, "prev_hash": {"type": ["string", "null"]},
     # Its attachments' metadata, oldest first (the bytes: GET /attachments/{id}).
     "attachments": array_of(ATTACHMENT)},
))
PREVIEW = component("DecisionPreview", obj({"required_consultations": array_of(REQUIREMENT),
                                            "missing_consultations": array_of(REQUIREMENT)}))
VERIFY = component("ChainVerification", obj({"ok": {"type": "boolean"}, "checked": {"type": "integer"},
                                             "first_broken": {"type": ["integer", "null"]},
                                             "broken_attachment": {"type": ["string", "null"]}}))
LIST_QUERY = [
    {"name": "after", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "default": 0}},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": MAX_LIMIT}},
]


@endpoint(api_bp, "/incidents/<id:incident_id>/decisions", "POST", operation_id="logDecision",
          summary="Log a decision", tag="decisions", roles=WRITERS, request_schema=DECISION_IN,
          responses={201: DECISION, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
@lock_at_first_write
def log_decision(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    draft = read_draft(json_body())
    logged = log.log_decision(incident=incident, draft=draft, by=api_user())
    db.session.commit()
    return jsonify(logged_record(logged)), 201


@endpoint(api_bp, "/incidents/<id:incident_id>/decisions/preview", "POST", operation_id="previewDecision",
          summary="Required and missing consultations of a planned decision (stores nothing)", tag="decisions",
          roles=WRITERS, request_schema=DECISION_IN, responses={200: PREVIEW, 400: ERROR, 404: ERROR, 422: ERROR})
def preview_decision(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    draft = read_draft(json_body())
    required, missing = log.preview(incident=incident, draft=draft)
    db.session.rollback()
    return jsonify({"required_consultations": [r.as_json() for r in required],
                    "missing_consultations": [r.as_json() for r in missing]})


def _query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _INT.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        message = f"must be a whole number from {minimum} to {maximum}"
        raise ValidationError("invalid query parameter", {name: [message]})
    return int(raw)


@endpoint(api_bp, "/incidents/<id:incident_id>/decisions", "GET", operation_id="listDecisions",
          summary="The incident's decisions by number", tag="decisions", query=LIST_QUERY,
          responses={200: list_component("DecisionList", DECISION), 404: ERROR, 422: ERROR})
def list_decisions(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    after = _query_int("after", 0, 0, 2**31 - 1)
    limit = _query_int("limit", MAX_LIMIT, 1, MAX_LIMIT)
    return Response(fastjson.dumps(incident_decision_records(incident.id, after=after, limit=limit)),
                    mimetype="application/json")


@endpoint(api_bp, "/decisions/<id:decision_id>", "GET", operation_id="getDecision", summary="One decision",
          tag="decisions", responses={200: DECISION, 404: ERROR})
def get_decision(decision_id: int) -> ResponseReturnValue:
    return jsonify(decision_record(decision_id))


@endpoint(api_bp, "/decisions/<id:decision_id>/amendments", "POST", operation_id="amendDecision",
          summary="Amend the current version of a decision: a new decision with the next number that refers to "
          "it (409 when the decision is already amended, naming the current version, or when its costs would "
          "supersede a settled line)", tag="decisions",
          roles=WRITERS, request_schema=AMENDMENT_IN,
          responses={201: DECISION, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
@lock_at_first_write
def amend_decision(decision_id: int) -> ResponseReturnValue:
    original = reads.get_decision(decision_id)
    body = json_body()
    check_encodable(body)
    f = Fields(body)
    reason = f.text("reason")
    draft = None
    try:
        draft = read_draft(amendments.amendment_input(original, body))
    except ValidationError as exc:
        f.errors.update(exc.fields)
    f.check("invalid amendment")
    assert reason is not None and draft is not None
    logged = amendments.amend_decision(original=original, draft=draft, reason=reason, by=api_user())
    db.session.commit()
    return jsonify(logged_record(logged)), 201


@endpoint(api_bp, "/incidents/<id:incident_id>/verify", "GET", operation_id="verifyDecisionChain",
          summary="Recompute the incident's hash chain", tag="decisions", responses={200: VERIFY, 404: ERROR})
def verify_incident(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    result = verification.verify_incident(incident)
    return jsonify({"ok": result.ok, "checked": result.checked, "first_broken": result.first_broken,
                    "broken_attachment": result.broken_attachment})


@endpoint(api_bp, "/incidents/<id:incident_id>/decisions.csv", "GET", operation_id="exportDecisionsCsv",
          summary="The decision log as CSV (UTF-8 with BOM, semicolon separated)", tag="decisions",
          responses={200: {"type": "string"}, 404: ERROR}, content_type="text/csv")
def decisions_csv_export(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    response = Response(stream_decisions_csv(incident.id), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="decisions-{incident.id}.csv"'
    return response
