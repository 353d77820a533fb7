"""HTML: the incident list and creating an incident.

The incident page itself (``incidents.show``) and the activation form on it show the decision timeline, and
closing an incident judges its end against the decisions, so those views live above, in
:mod:`lbs.decisions.incident_page` and :mod:`lbs.decisions.closing_views`, registered on this blueprint.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, can, permission_required
from lbs.converters import query_number
from lbs.formatting import dt_input
from lbs.forms import choices
from lbs.incidents import services
from lbs.incidents.forms import IncidentForm
from lbs.incidents.models import Incident, IncidentKind
from lbs.organisations import services as organisations
from lbs.timeutil import TimeError, parse_local, utcnow
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("incidents", __name__)


def incident_or_404(incident_id: int) -> Incident:
    return load_or_404(lambda: services.get_incident(incident_id))


def _incident_form() -> IncidentForm:
    form = IncidentForm()
    form.municipalities.choices = choices(
        [(m.code, f"{m.name} ({m.code})") for m in organisations.list_municipalities()])
    return form


def _index(form: IncidentForm, status: int = 200) -> ResponseReturnValue:
    return render_template("incidents/index.html", listing=services.incident_page(query_number("page", 1)),
                           form=form, can_write=can(acting_user(), Action.DECISION_WRITE)), status


@bp.get("/incidents")
@permission_required(Action.READ)
def index() -> ResponseReturnValue:
    form = _incident_form()
    form.started_at.data = dt_input(utcnow())
    return _index(form)


@bp.post("/incidents")
@permission_required(Action.DECISION_WRITE)
def create() -> ResponseReturnValue:
    form = _incident_form()
    if form.validate_on_submit():
        try:
            started = parse_local(form.started_at.data)
        except TimeError as exc:
            form.started_at.errors = [*form.started_at.errors, str(exc)]
        else:
            write = FormWrite(form)
            with write:
                incident = services.create_incident(
                    title=form.title.data or "", kind=IncidentKind(form.kind.data), started_at=started,
                    municipality_codes=list(form.municipalities.data or []), exercise=bool(form.exercise.data),
                    description=form.description.data or None, by=acting_user())
            if write.ok:
                flash(_("Incident created."), "success")
                return redirect(url_for("incidents.show", incident_id=incident.id))
    return _index(form, 422)
