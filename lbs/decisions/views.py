"""HTML: the fast decision form, decision pages, amendments, verification and exports.

(The incident page with its decision timeline is :mod:`lbs.decisions.incident_page`.)
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, can, permission_required
from lbs.consultation.forms import AskForm
from lbs.consultation.parties import list_parties
from lbs.converters import form_id
from lbs.crumbs import decision_label, incident_steps, trail
from lbs.database import lock_at_first_write
from lbs.decisions import amendments, attachments, heard, log, reads, verification
from lbs.decisions.appended_views import panel
from lbs.decisions.attachment_forms import MAX_FILES_BODY, AttachForm, DecisionWithFilesForm, attach_all, listing
from lbs.decisions.attachment_texts import broken_attachment_message
from lbs.decisions.export import stream_decisions_csv, stream_decisions_json
from lbs.decisions.forms import AmendmentForm, DecisionForm, add_error
from lbs.decisions.models import Decision
from lbs.decisions.read_model import decision_record
from lbs.decisions.scope import current_scope
from lbs.formatting import dt_input
from lbs.forms import EmptyForm, choices
from lbs.incidents.models import Incident, IncidentStatus
from lbs.incidents.views import incident_or_404
from lbs.organisations import services as organisations
from lbs.staffs import services as staffs
from lbs.timeutil import TimeError, parse_local, utcnow
from lbs.web import FormWrite, accepts_body_of, acting_user, load_or_404

bp = Blueprint("decisions", __name__)


def _fill_choices(form: DecisionForm, at: datetime) -> None:
    """The form's people (on a staff's roster at ``at``, and the one selected), organisations and parties."""
    people = {p.id: p for s in staffs.list_staffs() for p in staffs.roster_people(staff_id=s.id, at=at)}
    selected_id = form_id(form.decided_by.data)
    if selected_id is not None and selected_id not in people:
        extra = staffs.get_person(selected_id)
        if extra is not None:
            people[extra.id] = extra
    roster = sorted(((p.id, p.name) for p in people.values()), key=lambda x: x[1])
    form.decided_by.choices = choices([("", "–"), *roster])
    orgs = [(o.id, o.name) for o in organisations.list_organisations()]
    form.owner.choices = choices([("", "–"), *orgs])
    parties = [(p.key, p.name) for p in list_parties()]
    for row in form.costs:
        row.form.bearer.choices = choices([("", "–"), *orgs])
    for row in form.consultations:
        row.form.party.choices = choices([("", "–"), *parties])


def _typed_time(form: DecisionForm, default: datetime) -> datetime:
    """The decided time typed into a submitted form (for its roster), else ``default``."""
    if form.is_submitted():
        with contextlib.suppress(TimeError):
            return parse_local(form.decided_at.data)
    return default


def _render_form(form: DecisionForm, incident: Incident, *, original: Decision | None = None,
                 status: int = 200) -> ResponseReturnValue:
    template = "decisions/amend.html" if original else "decisions/new.html"
    return render_template(template, form=form, incident=incident, original=original,
                           panel_url=url_for("consultation.required_panel", incident_id=incident.id)), status


def _submit(form: DecisionWithFilesForm, incident: Incident) -> ResponseReturnValue:
    """Validate → one service call → commit → redirect; otherwise the form again with what was typed. Files
    chosen are attached in the same transaction: a refused file refuses the decision too (an error on the
    file field; the person chooses the files again)."""
    if form.validate():
        write = FormWrite(form.draft_fields())
        with write:
            decision = log.log_decision(incident=incident, draft=form.to_draft(), by=acting_user()).decision
            attached = attach_all(decision, form.chosen(), None, acting_user())
        if write.ok:
            return _logged(decision, len(attached))
    return _render_form(form, incident, status=422)


def _logged(decision: Decision, attached: int = 0) -> ResponseReturnValue:
    if attached:
        flash(_("Decision %(number)s logged with %(num)d attachments.", number=decision.number, num=attached),
              "success")
        return redirect(url_for("decisions.show", decision_id=decision.id, _anchor="attachments"))
    flash(_("Decision %(number)s logged.", number=decision.number), "success")
    return redirect(url_for("decisions.show", decision_id=decision.id))


def _not_current(original: Decision, current: int) -> ResponseReturnValue:
    flash(_("Decision %(number)s has been amended: only the current version, decision %(current)s, can be "
            "amended.", number=original.number, current=current), "error")
    return redirect(url_for("decisions.show", decision_id=original.id))


def _submit_amendment(form: AmendmentForm, incident: Incident, original: Decision) -> ResponseReturnValue:
    """As :func:`_submit`, for an amendment: cost rows left as they were filled in are not costs of its own; a
    settled line it would supersede is an error on the cost rows; a version amended meanwhile sends the person
    to the original's page (which links to the current version)."""
    if form.validate():
        write = FormWrite(form.draft_fields(), leave=(amendments.NotCurrent, amendments.SettledLine))
        with write:
            decision = amendments.amend_decision(
                original=original, draft=form.to_amendment_draft(reads.live_lines(original), original.conditions),
                reason=form.reason.data or "", by=acting_user()).decision
        if write.ok:
            return _logged(decision)
        if isinstance(write.error, amendments.NotCurrent):
            return _not_current(original, write.error.current)
        if isinstance(write.error, amendments.SettledLine):
            rows = form.draft_fields()
            add_error(getattr(rows, "costs[0].estimate_dkk", form.reason),
                      _("A settled cost line cannot be replaced: leave the cost lines as they are, or have the "
                        "settlement reopened first."))
    return _render_form(form, incident, original=original, status=422)


@bp.route("/incidents/<id:incident_id>/decisions/new", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
@accepts_body_of(MAX_FILES_BODY)  # files may be attached as the decision is logged
@lock_at_first_write
def new(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    form = DecisionWithFilesForm()
    now = utcnow()
    again = form.is_submitted() and form.redisplay(request.values)
    if not form.is_submitted():
        form.decided_at.data = dt_input(now)
        for entry in form.consultations:
            entry.form.consulted_at.data = ""
    _fill_choices(form, _typed_time(form, now))
    if incident.status is IncidentStatus.CLOSED:
        flash(_("The incident is closed: no more decisions can be logged."), "error")
        return redirect(url_for("incidents.show", incident_id=incident.id))
    if again:
        return _render_form(form, incident)
    if form.is_submitted():
        return _submit(form, incident)
    return _render_form(form, incident)


@bp.get("/decisions/<id:decision_id>")
@permission_required(Action.READ)
def show(decision_id: int) -> ResponseReturnValue:
    return render_show(load_or_404(lambda: reads.get_decision(decision_id)))


def render_show(decision: Decision, attach_form: AttachForm | None = None, status: int = 200) -> ResponseReturnValue:
    """The decision page; ``attach_form`` is a "Vedhæft fil" form sent back with its errors."""
    scope = current_scope()
    item = decision_record(decision.id, scope=scope)  # its costs: only the lines in the reader's scope
    incident = incident_or_404(decision.incident_id)
    amended = reads.get_decision(decision.amends_id) if decision.amends_id else None
    amended_by = reads.amendments_of(decision)
    org_names = {org.id: org.name for org in organisations.list_organisations()}
    writer = can(acting_user(), Action.DECISION_WRITE)
    may_ask = writer and incident.status is IncidentStatus.ACTIVE and not amended_by
    # "Anmod om høring": police and admin, the current version, an active incident
    if writer and not amended_by and attach_form is None:
        attach_form = AttachForm(formdata=None)  # "Vedhæft fil": police and admin, the current version
    return render_template("decisions/show.html", decision=decision, item=item, incident=incident, amended=amended,
                           hearing=_hearing(decision),
                           amendments=amended_by, current=reads.current_version(decision) if amended_by else None,
                           org_names=org_names, can_write=writer, own_costs_only=not scope.everything,
                           append=panel(decision, incident,
                                        [r["party"] for r in item["missing_consultations"]] if item else ()),
                           ask_form=AskForm(formdata=None).fill_parties() if may_ask else None,
                           attached=listing(attachments.attachments_of([decision.id])[decision.id]),
                           attach_form=attach_form if writer else None,
                           crumbs=trail(*incident_steps(incident), current=decision_label(decision))), status


def _hearing(decision: Decision) -> dict[str, object]:
    """The decision's consultation requests and the proposal it came from."""
    return {"proposal": heard.proposal_of(decision.id), "requests": heard.of_decision(decision.id), "now": utcnow()}


@bp.route("/decisions/<id:decision_id>/amend", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def amend(decision_id: int) -> ResponseReturnValue:
    original = load_or_404(lambda: reads.get_decision(decision_id))
    incident = incident_or_404(original.incident_id)
    if incident.status is IncidentStatus.CLOSED:
        flash(_("The incident is closed: no more decisions can be logged."), "error")
        return redirect(url_for("decisions.show", decision_id=original.id))
    if reads.amendments_of(original):
        return _not_current(original, reads.current_version(original).number)
    form = AmendmentForm()
    again = form.is_submitted() and form.redisplay(request.values)
    if not form.is_submitted():
        form.fill_from(original, reads.consultations_of([original.id]).get(original.id, []),
                       reads.live_lines(original))
    _fill_choices(form, _typed_time(form, original.decided_at))
    if again:
        return _render_form(form, incident, original=original)
    if form.is_submitted():
        return _submit_amendment(form, incident, original)
    return _render_form(form, incident, original=original)


@bp.post("/incidents/<id:incident_id>/verify")
@permission_required(Action.READ)
def verify(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    EmptyForm().validate_on_submit()
    result = verification.verify_incident(incident)
    if result.ok:
        flash(_("Integrity verified: %(count)s decisions, the chain is intact.", count=result.checked), "success")
    else:
        named = broken_attachment_message(result.broken_attachment, result.first_broken)
        flash(_("Integrity check FAILED: the chain is broken at decision %(number)s.",
                number=result.first_broken) + (" " + named if named else ""), "error")
    return redirect(url_for("incidents.show", incident_id=incident.id))


@bp.get("/incidents/<id:incident_id>/export/decisions.csv")
@permission_required(Action.READ)
def export_csv(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    response = Response(stream_decisions_csv(incident.id), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="beslutningslog-{incident.id}.csv"'
    return response


@bp.get("/incidents/<id:incident_id>/export/decisions.json")
@permission_required(Action.READ)
def export_json(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    response = Response(stream_decisions_json(incident.id), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="beslutningslog-{incident.id}.json"'
    return response
