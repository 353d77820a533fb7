"""HTML: "Tilføj høring" on the decision page — a consultation appended to the current version of a decision.

The form sits on the decision page (:func:`panel`) for police and admin, on the current version of a decision in
an active incident only; it posts here. On bad input the form is shown again with its errors on a page of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, can, permission_required
from lbs.crumbs import decision_steps, trail
from lbs.database import lock_at_first_write
from lbs.decisions import appended, reads
from lbs.decisions.forms import AppendConsultationForm
from lbs.decisions.models import Decision
from lbs.errors import Conflict, DomainError
from lbs.formatting import dt_input
from lbs.incidents.models import Incident, IncidentStatus
from lbs.incidents.views import incident_or_404
from lbs.timeutil import utcnow
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("appended", __name__)


def may_append(decision: Decision, incident: Incident) -> bool:
    """Police and admin, on the current version of a decision in an active incident."""
    return (can(acting_user(), Action.DECISION_WRITE) and incident.status is IncidentStatus.ACTIVE
            and reads.current_version(decision).id == decision.id)


def new_form(unmet: Sequence[str] = ()) -> AppendConsultationForm:
    form = AppendConsultationForm(formdata=None)
    form.consulted_at.data = dt_input(utcnow())
    form.fill_parties(unmet)
    return form


@dataclass(frozen=True)
class Panel:
    """What the decision page shows of appended consultations: the rows, and the form when one may append."""

    rows: list[appended.AppendedRow]
    form: AppendConsultationForm | None


def panel(decision: Decision, incident: Incident, unmet: Sequence[str] = ()) -> Panel:
    """``unmet``: the keys of the parties whose requirement is not met, offered first."""
    return Panel(appended.appended_of(decision.id), new_form(unmet) if may_append(decision, incident) else None)


def _show_error(decision: Decision, form: AppendConsultationForm) -> Callable[[DomainError], None]:
    """Place a refused write's errors in Danish: on the fields, or flashed (409: amended, or the incident closed)."""
    def place(exc: DomainError) -> None:
        if isinstance(exc, Conflict):
            incident = incident_or_404(decision.incident_id)
            if incident.status is IncidentStatus.CLOSED:
                flash(_("The incident is closed: reopen it to add a consultation."), "error")
            else:
                current = reads.current_version(decision)
                flash(_("Decision %(number)s has been amended: add the consultation to the current version, "
                        "decision %(current)s.", number=decision.number, current=current.number), "error")
            return
        messages = {
            "party": _("Unknown party."), "consulted_at": _("The time may not be more than 5 minutes in the future."),
            "mode": _("Not a valid choice."), "outcome": _("Not a valid choice."),
            "channel": _("Control characters are not allowed."), "note": _("Control characters are not allowed."),
        }
        placed = False
        for name in exc.fields:
            field = getattr(form, name, None)
            if name in messages and field is not None:
                field.errors = [*field.errors, messages[name]]
                placed = True
        if not placed:
            flash(_("The consultation could not be added."), "error")
    return place


def _page(decision: Decision, form: AppendConsultationForm, status: int) -> ResponseReturnValue:
    crumbs = trail(*decision_steps(decision, incident_or_404(decision.incident_id)),
                   current=_("Add consultation"))
    return render_template("decisions/append.html", decision=decision, form=form, crumbs=crumbs), status


@bp.post("/decisions/<id:decision_id>/consultations")
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def append_consultation(decision_id: int) -> ResponseReturnValue:
    decision = load_or_404(lambda: reads.get_decision(decision_id))
    form = AppendConsultationForm()
    form.fill_parties()
    body = form.to_body() if form.validate_on_submit() else None
    if body is None:
        return _page(decision, form, 422)
    write = FormWrite(form, on_error=_show_error(decision, form))
    with write:
        appended.append_consultation(decision=decision, item=appended.read_consultation(body), by=acting_user())
    if write.ok:
        flash(_("Consultation added to decision %(number)s.", number=decision.number), "success")
        return redirect(url_for("decisions.show", decision_id=decision.id))
    if isinstance(write.error, Conflict):
        return redirect(url_for("decisions.show", decision_id=decision.id))
    return _page(decision, form, 422)

