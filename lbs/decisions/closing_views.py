"""HTML: closing an incident (a confirmation page asking for the end time) and reopening it (asking why).

Added to the incidents blueprint (endpoints ``incidents.close`` and ``incidents.reopen``): closing judges the
end time against the incident's decisions (:mod:`lbs.decisions.closing`), which ``lbs.incidents`` may not
import. ``lbs.register_blueprints`` imports this module before the blueprint is registered.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, permission_required
from lbs.decisions import closing
from lbs.errors import Conflict, DomainError
from lbs.formatting import dt
from lbs.incidents import closing as incident_closing
from lbs.incidents.forms import CloseForm, ReopenForm
from lbs.incidents.models import Incident, IncidentStatus
from lbs.incidents.views import bp, incident_or_404
from lbs.timeutil import TimeError, parse_local, to_local, utcnow
from lbs.web import FormWrite, acting_user


def _to_incident(incident: Incident) -> ResponseReturnValue:
    return redirect(url_for("incidents.show", incident_id=incident.id))


def _time_error(exc: TimeError) -> str:
    """A datetime-local value that cannot be read, said in the reader's language (DST edges included)."""
    if "ambiguous" in str(exc):
        return str(_("This local time occurs twice (the clocks go back): choose a time outside that hour."))
    if "does not exist" in str(exc):
        return str(_("This local time does not exist (the clocks skip it): choose another time."))
    return str(exc)  # parse_local's own message is translated


def _close_error(form: CloseForm, incident: Incident, exc: DomainError) -> None:
    """Why the end time was refused, in the reader's language, on the end time field."""
    if isinstance(exc, closing.EndInFuture):
        message = _("The end time may not be in the future.")
    elif isinstance(exc, closing.EndBeforeStart):
        message = _("The end time may not be before the incident started (%(at)s).", at=dt(incident.started_at))
    elif isinstance(exc, closing.EndBeforeLastDecision):
        message = _("The end time may not be before the incident's last decision (decision %(n)d, %(at)s).",
                    n=exc.number, at=dt(exc.decided_at, with_seconds=True))
    else:
        message = _("The end time could not be accepted.")
    form.ended_at.errors = [*form.ended_at.errors, message]


def _reason_error(form: ReopenForm, exc: DomainError) -> None:
    if isinstance(exc, incident_closing.ReasonMissing):
        message = _("Give the reason for reopening the incident.")
    else:
        message = _("The reason could not be accepted (at most 10,000 characters).")
    form.reason.errors = [*form.reason.errors, message]


def _close_page(incident: Incident, form: CloseForm, status: int = 200) -> ResponseReturnValue:
    return render_template("incidents/close.html", incident=incident, form=form,
                           last=closing.last_decision(incident.id)), status


@bp.route("/incidents/<id:incident_id>/close", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
def close(incident_id: int) -> ResponseReturnValue:
    """GET: the confirmation page (end time, default now). POST: close the incident at that time."""
    incident = incident_or_404(incident_id)
    if incident.status is IncidentStatus.CLOSED:
        flash(_("The incident is already closed."), "error")
        return _to_incident(incident)
    form = CloseForm()
    if not form.is_submitted():
        # Now to the second (a default to the minute could fall before a decision logged this minute).
        form.ended_at.data = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M:%S")
        return _close_page(incident, form)
    if form.validate():
        try:
            ended_at = parse_local(form.ended_at.data)
        except TimeError as exc:
            form.ended_at.errors = [*form.ended_at.errors, _time_error(exc)]
        else:
            write = FormWrite(form, leave=(Conflict,), on_error=lambda exc: _close_error(form, incident, exc))
            with write:
                closing.close_incident(incident=incident, at=ended_at, by=acting_user())
            if write.ok:
                flash(_("Incident closed."), "success")
                return _to_incident(incident)
            if isinstance(write.error, Conflict):
                flash(_("The incident is already closed."), "error")
                return _to_incident(incident)
    return _close_page(incident, form, 422)


@bp.route("/incidents/<id:incident_id>/reopen", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
def reopen(incident_id: int) -> ResponseReturnValue:
    """GET: the form asking why the incident is reopened. POST: reopen it."""
    incident = incident_or_404(incident_id)
    if incident.status is not IncidentStatus.CLOSED:
        flash(_("The incident is not closed."), "error")
        return _to_incident(incident)
    form = ReopenForm()
    if not form.is_submitted():
        return render_template("incidents/reopen.html", incident=incident, form=form)
    if form.validate():
        write = FormWrite(form, leave=(Conflict,), on_error=lambda exc: _reason_error(form, exc))
        with write:
            incident_closing.reopen_incident(incident=incident, reason=form.reason.data, by=acting_user())
        if write.ok:
            flash(_("The incident was reopened."), "success")
            return _to_incident(incident)
        if isinstance(write.error, Conflict):
            flash(_("The incident is not closed."), "error")
            return _to_incident(incident)
    return render_template("incidents/reopen.html", incident=incident, form=form), 422
