"""Consultations appended to a logged decision (``POST /decisions/{id}/consultations``)."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.decisions import CONSULTATION_IN, CONSULTATION_PROPS
from lbs.api.frame import WRITERS, api_user, endpoint, json_body
from lbs.api.schemas import ERROR, TIME, component, obj
from lbs.database import lock_at_first_write
from lbs.decisions import appended, reads
from lbs.extensions import db

APPENDED = component("AppendedConsultation", obj(
    {"id": {"type": "integer"}, "decision_id": {"type": "integer"}, **CONSULTATION_PROPS, "recorded_at": TIME,
     "recorded_by": {"type": ["integer", "null"]}},
    required=["id", "decision_id", "party", "consulted_at", "recorded_at", "mode", "outcome", "channel", "note",
              "recorded_by"]))


@endpoint(api_bp, "/decisions/<id:decision_id>/consultations", "POST", operation_id="appendConsultation",
          summary="Append a consultation to a logged decision (changes nothing already logged)", tag="decisions",
          roles=WRITERS, request_schema=CONSULTATION_IN,
          responses={201: APPENDED, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
@lock_at_first_write
def append_consultation(decision_id: int) -> ResponseReturnValue:
    decision = reads.get_decision(decision_id)
    item = appended.read_consultation(json_body())
    done = appended.append_consultation(decision=decision, item=item, by=api_user())
    body = done.as_json()
    db.session.commit()
    return jsonify(body), 201
