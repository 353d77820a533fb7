"""HTML: the incident list (narrowed to the incidents the reader may see) and creating an incident.

Added to the incidents blueprint (see :mod:`lbs.decisions.incident_page` for why views of incidents live here).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, can, permission_required
from lbs.converters import query_number
from lbs.decisions.scope import current_scope
from lbs.formatting import dt_input
from lbs.forms import choices
from lbs.incidents import services
from lbs.incidents.forms import IncidentForm
from lbs.incidents.models import IncidentKind
from lbs.incidents.views import bp
from lbs.organisations import services as organisations
from lbs.timeutil import TimeError, parse_local, utcnow
from lbs.web import FormWrite, acting_user


def _incident_form() -> IncidentForm:
    form = IncidentForm()
    form.municipalities.choices = choices(
        [(m.code, f"{m.name} ({m.code})") for m in organisations.list_municipalities()])
    return form


def _index(form: IncidentForm, status: int = 200) -> ResponseReturnValue:
    listing = services.incident_page(query_number("page", 1), where=current_scope().incidents())
    return render_template("incidents/index.html", listing=listing,
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
