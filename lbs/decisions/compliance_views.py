"""HTML views of consultation compliance per incident: required vs. done per logged decision, and its CSV.

Registering this blueprint also gives the consultation pages their view of the decision log
(:mod:`lbs.consultation.decision_log`).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _

from lbs import labels
from lbs.auth.permissions import Action, permission_required
from lbs.consultation import decision_log
from lbs.converters import query_number
from lbs.crumbs import incident_steps, trail
from lbs.decisions.compliance import LoggedDecisions, compliance_page, compliance_summary
from lbs.decisions.compliance_export import stream_compliance_csv
from lbs.incidents.views import incident_or_404

bp = Blueprint("compliance", __name__, url_prefix="/consultation")


@bp.record_once
def _install_decision_log(state: BlueprintSetupState) -> None:
    decision_log.install(state.app, LoggedDecisions())


@bp.get("/incidents/<id:incident_id>/compliance")
@permission_required(Action.READ)
def page(incident_id: int) -> str:
    incident = incident_or_404(incident_id)
    gaps_only = request.args.get("gaps") == "1"
    shown = compliance_page(incident_id=incident.id, after=query_number("after", 0), gaps_only=gaps_only)
    return render_template("compliance/page.html", incident=incident, page=shown, rows=shown.rows,
                           summary=compliance_summary(incident=incident), gaps_only=gaps_only,
                           crumbs=trail(*incident_steps(incident), current=_("Consultation compliance")),
                           mode_labels=labels.translated(labels.MODE), timing_labels=labels.translated(labels.TIMING))


@bp.get("/incidents/<id:incident_id>/compliance.csv")
@permission_required(Action.READ)
def csv(incident_id: int) -> Response:
    incident = incident_or_404(incident_id)
    return Response(stream_compliance_csv(incident.id), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="compliance-{incident.id}.csv"',
        "Content-Type": "text/csv; charset=utf-8"})
