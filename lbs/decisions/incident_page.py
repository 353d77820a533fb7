"""HTML: the incident page (``incidents.show``) with its decision timeline, and the activation form on it.

The page belongs to the incident, but it lists the incident's decisions, and incidents sit below decisions
(``lbs.incidents`` never imports ``lbs.decisions``). So its views live here and are added to the incidents
blueprint, keeping the endpoint names ``incidents.show`` and ``incidents.activate`` that templates and other
views link to. The routes must be added before the blueprint is registered: ``lbs.register_blueprints``
imports this module before registering any blueprint.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, can, permission_required
from lbs.converters import query_number
from lbs.decisions.timeline import timeline_page
from lbs.formatting import dt_input
from lbs.forms import EmptyForm
from lbs.incidents import closing
from lbs.incidents import services as incidents
from lbs.incidents.forms import ActivationForm
from lbs.incidents.models import Incident, Readiness
from lbs.incidents.views import bp, incident_or_404
from lbs.timeutil import TimeError, parse_local, utcnow
from lbs.web import FormWrite, acting_user


@bp.get("/incidents/<id:incident_id>")
@permission_required(Action.READ)
def show(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    activation_form = ActivationForm()
    activation_form.active_from.data = dt_input(utcnow())
    return _page(incident, activation_form)


def _page(incident: Incident, activation_form: ActivationForm, status: int = 200) -> ResponseReturnValue:
    page = timeline_page(incident, after=query_number("after", 0))
    return render_template("incidents/show.html", incident=incident, entries=page.entries, page=page,
                           amended_ids=page.amended_ids, activation_form=activation_form, button=EmptyForm(),
                           can_write=can(acting_user(), Action.DECISION_WRITE), last_number=page.total,
                           history=closing.history(incident.id)), status


@bp.post("/incidents/<id:incident_id>/activations")
@permission_required(Action.DECISION_WRITE)
def activate(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            start = parse_local(form.active_from.data)
            until = parse_local(form.active_until.data) if (form.active_until.data or "").strip() else None
        except TimeError as exc:
            form.active_from.errors = [*form.active_from.errors, str(exc)]
        else:
            write = FormWrite(form)
            with write:
                incidents.add_activation(incident=incident, staff_code=form.staff.data or "",
                                         readiness=Readiness(form.readiness.data), active_from=start,
                                         active_until=until, by=acting_user())
            if write.ok:
                flash(_("Activation recorded."), "success")
                return redirect(url_for("incidents.show", incident_id=incident.id))
    return _page(incident, form, 422)
