"""Roster forms (Flask-WTF). Times are local wall-clock times in ``datetime-local`` inputs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from lbs.forms import Form

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
NO_CONTROL = Regexp(r"^[^\x00-\x1f\x7f]*$", message=_l("Control characters are not allowed."))


def at_most(length: int) -> Length:
    return Length(max=length, message=_l("At most %(max)d characters."))


class RosterForm(Form):
    """The roster's forms (WTForms' messages come translated through :class:`lbs.forms.Form`)."""


class PositionForm(RosterForm):
    title = StringField(_l("Title"), validators=[DataRequired(), at_most(200), NO_CONTROL])
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    mandatory = BooleanField(_l("Mandatory position (must always have a primary holder)"))
    min_deputies = IntegerField(_l("Minimum number of deputies"), default=0,
                                validators=[InputRequired(), NumberRange(min=0, max=100)])


class PersonForm(RosterForm):
    name = StringField(_l("Name or office title"), validators=[DataRequired(), at_most(200), NO_CONTROL])
    job_title = StringField(_l("Job title"), validators=[DataRequired(), at_most(200), NO_CONTROL])
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    email = StringField(_l("Work e-mail"), validators=[
        Optional(), at_most(200), NO_CONTROL,
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")),
    ])
    phone = StringField(_l("Work phone"), validators=[
        Optional(), at_most(40),
        Regexp(r"^[0-9+() .-]+$", message=_l("Only digits, spaces and + ( ) - . are allowed.")),
    ])


def correction_reason() -> TextAreaField:
    """Why a roster change reaches back over a logged decision (needed only then; see lbs.staffs.corrections)."""
    return TextAreaField(_l("Reason for the correction"), validators=[Optional(), at_most(2000)])


class AssignForm(RosterForm):
    person = SelectField(_l("Person"), validators=[DataRequired()])
    rank = IntegerField(_l("Rank (0 = primary holder, 1, 2, … = deputies in order)"),
                        validators=[InputRequired(), NumberRange(min=0, max=1000)])
    valid_from = DateTimeLocalField(_l("Valid from (local time)"), format=LOCAL_FORMATS,
                                    validators=[InputRequired()])
    valid_to = DateTimeLocalField(_l("Valid until (local time, empty = open-ended)"), format=LOCAL_FORMATS,
                                  validators=[Optional()])
    reason = correction_reason()


class EndForm(RosterForm):
    valid_to = DateTimeLocalField(_l("Ends at (local time)"), format=LOCAL_FORMATS, validators=[InputRequired()])
    reason = correction_reason()


class ReplaceForm(RosterForm):
    person = SelectField(_l("New holder"), validators=[DataRequired()])
    at = DateTimeLocalField(_l("Takes over at (local time)"), format=LOCAL_FORMATS, validators=[InputRequired()])
    reason = correction_reason()
