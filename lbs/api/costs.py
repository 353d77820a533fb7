"""Costs API: an incident's cost lines and totals, the bearer's changes, and each line's history.

Order: ``lines`` by decision number, then line id (superseded lines included, they carry no flag in the
contract shape but are left out of ``totals``); ``totals`` by bearer organisation name, then bearer id, then
category value; history oldest first.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import ApiError, api_user, endpoint, json_body
from lbs.api.schemas import MONEY, MONEY_IN, NULLABLE_MONEY, array_of, component, enum_of, list_component, obj
from lbs.auth.models import Role
from lbs.costs.lines import get_incident, get_line, list_history, list_incident_lines
from lbs.costs.totals import totals_by_bearer_and_category
from lbs.costs.workflow import may_edit, update_line
from lbs.decisions.models import CostCategory, CostLine, CostStatus
from lbs.decisions.scope import current_scope
from lbs.money import money_str
from lbs.validation import Fields

CATEGORY = enum_of("CostCategory", [c.value for c in CostCategory])
STATUS = enum_of("CostStatus", [s.value for s in CostStatus])
COST_LINE = component("CostLine", obj({
    "id": {"type": "integer"},
    "decision_id": {"type": "integer"},
    "bearer": {"type": "integer", "description": "organisation id of the bearer"},
    "category": CATEGORY,
    "description": {"type": ["string", "null"]},
    "estimate_dkk": MONEY,
    "actual_dkk": NULLABLE_MONEY,
    "status": STATUS,
    "provisional": {"type": "boolean"},
}))
TOTAL = component("CostTotal", obj({
    "bearer": {"type": "integer"},
    "category": CATEGORY,
    "estimate_dkk": MONEY,
    "actual_dkk": NULLABLE_MONEY,
}))
COSTS = component("IncidentCosts", obj({"lines": array_of(COST_LINE), "totals": array_of(TOTAL)}))
COST_LINE_UPDATE = component("CostLineUpdate", obj(
    {
        "actual_dkk": MONEY_IN,
        "status": STATUS,
        "note": {"type": "string", "maxLength": 10_000, "description": "required when moving to disputed"},
        "invoice_ref": {"type": "string", "maxLength": 200, "description": "extension: the invoice reference"},
        "informed": {"type": "string", "maxLength": 10_000,
                     "description": "extension: who was informed of a dispute (kept in the history)"},
    },
    required=[],
))
HISTORY = list_component("CostChangeList", component("CostChange", obj({
    "at": {"type": "string", "format": "date-time"},
    "by": {"type": "string", "description": "username"},
    "field": {"type": "string"},
    "old": {"type": ["string", "null"]},
    "new": {"type": ["string", "null"]},
})))


def cost_json(line: CostLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "decision_id": line.decision_id,
        "bearer": line.bearer_id,
        "category": line.category.value,
        "description": line.description,
        "estimate_dkk": money_str(line.estimate_dkk),
        "actual_dkk": money_str(line.actual_dkk),
        "status": line.status.value,
        "provisional": line.provisional,
    }


@endpoint(api_bp, "/incidents/<id:incident_id>/costs", "GET", operation_id="listCostLines",
          summary="An incident's cost lines and totals", tag="costs", responses={200: COSTS, 404: None})
def incident_costs(incident_id: int) -> ResponseReturnValue:
    get_incident(incident_id)
    scope = current_scope()
    lines = list_incident_lines(incident_id, scope)
    totals = totals_by_bearer_and_category(incident_id=incident_id, scope=scope)
    return jsonify({
        "lines": [cost_json(line) for line in lines],
        "totals": [
            {"bearer": t.bearer_id, "category": t.category.value, "estimate_dkk": money_str(t.estimate),
             "actual_dkk": money_str(t.actual)}
            for t in totals
        ],
    })


@endpoint(api_bp, "/costs/<id:line_id>", "PATCH", operation_id="updateCostLine",
          summary="Record an actual amount, a status or a note", tag="costs", roles=(Role.MUNICIPALITY,),
          request_schema=COST_LINE_UPDATE,
          responses={200: COST_LINE, 400: None, 403: None, 404: None, 409: None, 422: None})
def update_cost(line_id: int) -> ResponseReturnValue:
    from lbs.extensions import db

    user = api_user()
    line = get_line(line_id, for_update=True)
    if not may_edit(user, line):
        raise ApiError(403, "only users of the bearing municipality may change this cost line")
    fields = Fields(json_body())
    actual = fields.money("actual_dkk", required=False)
    status = fields.choice("status", CostStatus, required=False)
    note = fields.text("note", required=False)
    invoice_ref = fields.name("invoice_ref", required=False)
    informed = fields.text("informed", required=False)
    if fields.errors:
        raise ApiError(422, "the change is not valid", fields.errors)
    update_line(line=line, by=user, actual_dkk=actual, status=status, note=note, invoice_ref=invoice_ref,
                informed=informed)
    db.session.commit()
    return jsonify(cost_json(line))


@endpoint(api_bp, "/costs/<id:line_id>/history", "GET", operation_id="listCostLineChanges",
          summary="A cost line's changes, oldest first", tag="costs", responses={200: HISTORY, 404: None})
def cost_history(line_id: int) -> ResponseReturnValue:
    get_line(line_id)
    return jsonify([
        {"at": change.at.isoformat(), "by": username, "field": change.field, "old": change.old, "new": change.new}
        for change, username in list_history(line_id)
    ])
