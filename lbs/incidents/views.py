"""HTML: incident list, creation, the incident page with its timeline, close and staff activations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lbs.auth.permissions import Action, can, permission_required
from lbs.converters import query_number
from lbs.decisions.forms import ActivationForm
from lbs.errors import DomainError
from lbs.extensions import db
from lbs.forms import EmptyForm, choices
from lbs.incidents import services
from lbs.incidents.forms import IncidentForm
from lbs.incidents.models import Incident, IncidentKind, Readiness
from lbs.organisations import services as organisations
from lbs.timeutil import TimeError, to_local, utcnow

bp = Blueprint("incidents", __name__)


def incident_or_404(incident_id: int) -> Incident:
    found = db.session.get(Incident, incident_id)
    if found is None:
        abort(404)
    return found


def _incident_form() -> IncidentForm:
    form = IncidentForm()
    form.municipalities.choices = choices(
        [(m.code, f"{m.name} ({m.code})") for m in organisations.list_municipalities()])
    return form


@bp.get("/incidents")
@permission_required(Action.READ)
def index() -> ResponseReturnValue:
    form = _incident_form()
    form.started_at.data = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    return render_template("incidents/index.html", listing=services.incident_page(query_number("page", 1)), form=form,
                           can_write=can(current_user, Action.DECISION_WRITE))


@bp.post("/incidents")
@permission_required(Action.DECISION_WRITE)
def create() -> ResponseReturnValue:
    from lbs.decisions.views import parse_local

    form = _incident_form()
    if form.validate_on_submit():
        try:
            started = parse_local(form.started_at.data)
        except TimeError as exc:
            form.started_at.errors = [*form.started_at.errors, str(exc)]
        else:
            incident = services.create_incident(
                title=form.title.data or "", kind=IncidentKind(form.kind.data), started_at=started,
                municipality_codes=list(form.municipalities.data or []), exercise=bool(form.exercise.data),
                description=form.description.data or None, by=current_user._get_current_object())
            db.session.commit()
            flash(_("Incident created."), "success")
            return redirect(url_for("incidents.show", incident_id=incident.id))
    return render_template("incidents/index.html", listing=services.incident_page(query_number("page", 1)), form=form,
                           can_write=True), 422


@bp.get("/incidents/<id:incident_id>")
@permission_required(Action.READ)
def show(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    activation_form = ActivationForm()
    activation_form.active_from.data = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    return _show(incident, activation_form)


def _show(incident: Incident, activation_form: ActivationForm, status: int = 200) -> ResponseReturnValue:
    page = services.timeline_page(incident, after=query_number("after", 0))
    return render_template("incidents/show.html", incident=incident, entries=page.entries, page=page,
                           amended_ids=page.amended_ids, activation_form=activation_form, button=EmptyForm(),
                           can_write=can(current_user, Action.DECISION_WRITE), last_number=page.total), status


@bp.post("/incidents/<id:incident_id>/close")
@permission_required(Action.DECISION_WRITE)
def close(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    if EmptyForm().validate_on_submit():
        try:
            services.close_incident(incident=incident, by=current_user._get_current_object())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Incident closed."), "success")
    return redirect(url_for("incidents.show", incident_id=incident.id))


@bp.post("/incidents/<id:incident_id>/activations")
@permission_required(Action.DECISION_WRITE)
def activate(incident_id: int) -> ResponseReturnValue:
    from lbs.decisions.views import parse_local

    incident = incident_or_404(incident_id)
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            start = parse_local(form.active_from.data)
            until = parse_local(form.active_until.data) if (form.active_until.data or "").strip() else None
            services.add_activation(incident=incident, staff_code=form.staff.data or "",
                                    readiness=Readiness(form.readiness.data), active_from=start, active_until=until,
                                    by=current_user._get_current_object())
        except TimeError as exc:
            form.active_from.errors = [*form.active_from.errors, str(exc)]
        except DomainError as exc:
            db.session.rollback()
            form.active_from.errors = [*form.active_from.errors, exc.message]
        else:
            db.session.commit()
            flash(_("Activation recorded."), "success")
            return redirect(url_for("incidents.show", incident_id=incident.id))
    return _show(incident, form, 422)
