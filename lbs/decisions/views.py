"""HTML: the fast decision form, decision pages, amendments, verification and exports."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lbs.auth.permissions import Action, can, permission_required
from lbs.consultation.parties import list_parties
from lbs.converters import form_id
from lbs.database import lock_at_first_write
from lbs.decisions import services
from lbs.decisions.draft import DecisionDraft, read_draft
from lbs.decisions.export import decision_record, stream_decisions_csv, stream_decisions_json
from lbs.decisions.forms import AmendmentForm, DecisionForm
from lbs.decisions.models import Decision
from lbs.errors import DomainError
from lbs.extensions import db
from lbs.forms import EmptyForm, choices
from lbs.incidents.models import Incident, IncidentStatus
from lbs.incidents.views import incident_or_404
from lbs.money import MoneyError, parse_money_form
from lbs.organisations import services as organisations
from lbs.staffs import services as staffs
from lbs.timeutil import TimeError, localize_strict, to_local, utcnow

bp = Blueprint("decisions", __name__)

_ROW_KEY = re.compile(r"^(options|costs|consultations)\[(\d+)\]\.(\w+)$")
_SUB = {"estimate_dkk": "estimate"}


def parse_local(text: str | None) -> datetime:
    """A ``datetime-local`` value in local time → aware UTC; refuses DST-ambiguous or skipped times."""
    value = (text or "").strip()
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            naive = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return localize_strict(naive)
    raise TimeError(_("Enter a date and time, e.g. 28.11.2026 14:05"))


def _local_input(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def _fill_choices(form: DecisionForm, at: datetime) -> None:
    people = {p.id: p for s in staffs.list_staffs() for p in staffs.roster_people(staff_id=s.id, at=at)}
    selected = form.decided_by.data
    selected_id = form_id(selected)
    if selected_id is not None and selected_id not in people:
        from lbs.staffs.models import Person

        extra = db.session.get(Person, selected_id)
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


def _add_error(field: Any, message: str) -> None:
    errors = list(field.errors) if isinstance(field.errors, (list, tuple)) else []
    errors.append(message)
    field.errors = errors


def _to_body(form: DecisionForm) -> tuple[dict[str, Any], dict[str, list[int]], bool]:
    """The form as an API-shaped body; row index maps (body index → form row); False on a field error."""
    ok = True
    body: dict[str, Any] = {
        "staff": form.staff.data, "decided_by": form_id(form.decided_by.data),
        "owner": form_id(form.owner.data),
        "type": form.type.data, "title": form.title.data, "decision": form.decision.data,
        "rationale": form.rationale.data, "information": form.information.data or None,
        "legal_basis": form.legal_basis.data or None, "expected_outcome": form.expected_outcome.data or None,
        "urgent": bool(form.urgent.data), "missing_reason": form.missing_reason.data or None,
        "delay_reason": form.delay_reason.data or None,
        "conditions": {"vulnerable": True} if form.vulnerable.data else {},
    }
    try:
        body["decided_at"] = parse_local(form.decided_at.data).isoformat()
    except TimeError as exc:
        _add_error(form.decided_at, str(exc))
        ok = False
    rows: dict[str, list[int]] = {"options": [], "costs": [], "consultations": []}
    options = []
    for index, entry in enumerate(form.options):
        f = entry.form
        if not (f.text.data or "").strip():
            continue
        rows["options"].append(index)
        options.append({"text": f.text.data, "chosen": bool(f.chosen.data),
                        "rejection_reason": f.rejection_reason.data or None})
    body["options"] = options
    costs = []
    for index, entry in enumerate(form.costs):
        f = entry.form
        if not (f.bearer.data or f.category.data or (f.estimate.data or "").strip()):
            continue
        rows["costs"].append(index)
        cost: dict[str, Any] = {"bearer": form_id(f.bearer.data),
                                "category": f.category.data or None, "provisional": bool(f.provisional.data),
                                "description": f.description.data or None}
        try:
            cost["estimate_dkk"] = str(parse_money_form(f.estimate.data or ""))
        except MoneyError:
            _add_error(f.estimate, _("Enter an amount in kroner, e.g. 125.000,00"))
            ok = False
        costs.append(cost)
    body["costs"] = costs
    consulted = []
    for index, entry in enumerate(form.consultations):
        f = entry.form
        if not f.party.data:
            continue
        rows["consultations"].append(index)
        item: dict[str, Any] = {"party": f.party.data, "mode": f.mode.data, "outcome": f.outcome.data,
                                "channel": f.channel.data or None, "note": f.note.data or None}
        try:
            item["consulted_at"] = parse_local(f.consulted_at.data or form.decided_at.data).isoformat()
        except TimeError as exc:
            _add_error(f.consulted_at, str(exc))
            ok = False
        consulted.append(item)
    body["consultations"] = consulted
    return body, rows, ok


def _apply_errors(form: DecisionForm, rows: dict[str, list[int]], errors: dict[str, list[str]]) -> list[str]:
    """Put service/validation errors on the form fields; returns those that belong to no field."""
    loose = []
    for key, messages in errors.items():
        field = None
        match = _ROW_KEY.match(key)
        if match:
            name, index, sub = match.group(1), int(match.group(2)), _SUB.get(match.group(3), match.group(3))
            if index < len(rows[name]):
                row = form[name][rows[name][index]].form
                field = row._fields.get(sub)
        else:
            field = form._fields.get(key)
        for message in messages:
            if field is not None:
                _add_error(field, message)
            else:
                loose.append(f"{key}: {message}")
    return loose


def _summary(form: DecisionForm) -> list[tuple[str, str, str]]:
    items = []
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                for sub in entry.form:
                    for message in sub.errors or []:
                        row = int(entry.id.rsplit("-", 1)[-1]) + 1
                        items.append((sub.id, f"{field.label.text} {row}: {sub.label.text}", message))
        elif field.type != "CSRFTokenField":
            for message in field.errors or []:
                items.append((field.id, str(field.label.text), str(message)))
    return items


def _panel_url(incident: Incident) -> str | None:
    if "consultation.required_panel" in current_app.view_functions:
        return url_for("consultation.required_panel", incident_id=incident.id)
    return None


def _render_form(form: DecisionForm, incident: Incident, *, original: Decision | None = None,
                 loose: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    template = "decisions/amend.html" if original else "decisions/new.html"
    return render_template(template, form=form, incident=incident, original=original, summary=_summary(form),
                           loose=loose or [], panel_url=_panel_url(incident)), status


def _submit(form: DecisionForm, incident: Incident, original: Decision | None) -> ResponseReturnValue:
    """Validate → one service call → commit → redirect; otherwise the form again with what was typed."""
    valid = form.validate()
    body, rows, ok = _to_body(form)
    loose: list[str] = []
    if valid and ok:
        try:
            draft: DecisionDraft = read_draft(body)
            if original is not None:
                assert isinstance(form, AmendmentForm)
                decision = services.amend_decision(original=original, draft=draft, reason=form.reason.data or "",
                                                   by=current_user._get_current_object()).decision
            else:
                decision = services.log_decision(incident=incident, draft=draft,
                                                 by=current_user._get_current_object()).decision
        except DomainError as exc:
            db.session.rollback()
            loose = _apply_errors(form, rows, exc.fields) if exc.fields else [exc.message]
        else:
            db.session.commit()
            flash(_("Decision %(number)s logged.", number=decision.number), "success")
            return redirect(url_for("decisions.show", decision_id=decision.id))
    return _render_form(form, incident, original=original, loose=loose, status=422)


@bp.route("/incidents/<id:incident_id>/decisions/new", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def new(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    form = DecisionForm()
    at = utcnow()
    if form.is_submitted():
        with contextlib.suppress(TimeError):
            at = parse_local(form.decided_at.data)
    else:
        form.decided_at.data = _local_input(at)
        for entry in form.consultations:
            entry.form.consulted_at.data = ""
    _fill_choices(form, at)
    if incident.status is IncidentStatus.CLOSED:
        flash(_("The incident is closed: no more decisions can be logged."), "error")
        return redirect(url_for("incidents.show", incident_id=incident.id))
    if form.is_submitted():
        return _submit(form, incident, None)
    return _render_form(form, incident)


@bp.get("/decisions/<id:decision_id>")
@permission_required(Action.READ)
def show(decision_id: int) -> ResponseReturnValue:
    decision = _decision_or_404(decision_id)
    item = decision_record(decision.id)
    incident = incident_or_404(decision.incident_id)
    amended = services.get_decision(decision.amends_id) if decision.amends_id else None
    amendments = services.amendments_of(decision)
    org_names = {org.id: org.name for org in organisations.list_organisations()}
    return render_template("decisions/show.html", decision=decision, item=item, incident=incident, amended=amended,
                           amendments=amendments, can_write=can(current_user, Action.DECISION_WRITE),
                           org_names=org_names)


def _decision_or_404(decision_id: int) -> Decision:
    from flask import abort

    found = db.session.get(Decision, decision_id)
    if found is None:
        abort(404)
    return found


@bp.route("/decisions/<id:decision_id>/amend", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def amend(decision_id: int) -> ResponseReturnValue:
    original = _decision_or_404(decision_id)
    incident = incident_or_404(original.incident_id)
    if incident.status is IncidentStatus.CLOSED:
        flash(_("The incident is closed: no more decisions can be logged."), "error")
        return redirect(url_for("decisions.show", decision_id=original.id))
    form = AmendmentForm()
    if not form.is_submitted():
        _prefill(form, original)
    at = original.decided_at
    if form.is_submitted():
        with contextlib.suppress(TimeError):
            at = parse_local(form.decided_at.data)
    _fill_choices(form, at)
    if form.is_submitted():
        return _submit(form, incident, original)
    return _render_form(form, incident, original=original)


def _prefill(form: AmendmentForm, original: Decision) -> None:
    form.staff.data = original.staff.code
    form.decided_at.data = _local_input(original.decided_at)
    form.decided_by.data = str(original.decided_by_id)
    form.owner.data = str(original.owner_id)
    form.type.data = original.type.value
    for name in ("title", "decision", "rationale", "information", "legal_basis", "expected_outcome",
                 "missing_reason"):
        getattr(form, name).data = getattr(original, name) or ""
    form.urgent.data = original.urgent
    form.vulnerable.data = bool((original.conditions or {}).get("vulnerable"))
    for entry, option in zip(form.options, original.options or [], strict=False):
        entry.form.text.data = option.get("text", "")
        entry.form.chosen.data = bool(option.get("chosen"))
        entry.form.rejection_reason.data = option.get("rejection_reason") or ""
    consulted = services.consultations_of([original.id]).get(original.id, [])
    while len(form.consultations) < len(consulted):
        form.consultations.append_entry()
    for entry, item in zip(form.consultations, consulted, strict=False):
        entry.form.party.data = item.party.key
        entry.form.consulted_at.data = _local_input(item.consulted_at)
        entry.form.mode.data = item.mode.value
        entry.form.outcome.data = item.outcome.value
        entry.form.channel.data = item.channel or ""
        entry.form.note.data = item.note or ""


@bp.post("/incidents/<id:incident_id>/verify")
@permission_required(Action.READ)
def verify(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    EmptyForm().validate_on_submit()
    result = services.verify_incident(incident)
    if result.ok:
        flash(_("Integrity verified: %(count)s decisions, the chain is intact.", count=result.checked), "success")
    else:
        flash(_("Integrity check FAILED: the chain is broken at decision %(number)s.",
                number=result.first_broken), "error")
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
