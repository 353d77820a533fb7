"""Incident forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lbs import labels
from lbs.forms import Form, choices
from lbs.incidents.models import IncidentKind

KIND_LABELS = labels.INCIDENT_KIND


class IncidentForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices([(k.value, KIND_LABELS[k.value]) for k in IncidentKind]))
    started_at = StringField(_l("Started (local time)"), validators=[DataRequired()],
                             render_kw={"type": "datetime-local"})
    municipalities = SelectMultipleField(_l("Affected municipalities"), validators=[DataRequired()])
    exercise = BooleanField(_l("Exercise"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])


class ActivationForm(Form):
    staff = SelectField(_l("Staff"), choices=choices([("LBS-O", "LBS-O"), ("LBS-S", "LBS-S")]))
    readiness = SelectField(_l("Readiness"), choices=choices([
        ("activated", _l("Activated")), ("standby", _l("Standby")), ("stood_down", _l("Stood down"))]))
    active_from = StringField(_l("From (local time)"), validators=[DataRequired()],
                              render_kw={"type": "datetime-local"})
    active_until = StringField(_l("Until (local time, optional)"), render_kw={"type": "datetime-local"})


class CloseForm(Form):
    """The confirmation of closing an incident: when it ended (local time, default now)."""

    ended_at = StringField(_l("End time (local time)"), validators=[DataRequired(message=_l("Enter the end time."))],
                           render_kw={"type": "datetime-local", "step": "1"})


class ReopenForm(Form):
    reason = TextAreaField(_l("Reason for reopening"), validators=[
        DataRequired(message=_l("Give the reason for reopening the incident.")),
        Length(max=10_000, message=_l("At most %(max)d characters."))])
