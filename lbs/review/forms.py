"""Review forms: search filters (GET), findings, sign-off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lbs.forms import Form


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Text"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Incident type"), validators=[Optional()])
    decision_type = SelectField(_l("Decision type"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    staff = SelectField(_l("Staff"), validators=[Optional()])
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])
    missing_only = BooleanField(_l("Missing consultations only"))
    disputed_only = BooleanField(_l("Disputed costs only"))


class FindingForm(Form):
    decision = SelectField(_l("Concerns"), validators=[Optional()])
    observation = TextAreaField(_l("Observation"), validators=[DataRequired(), Length(max=10_000)])
    recommendation = TextAreaField(_l("Recommendation"), validators=[Optional(), Length(max=10_000)])
    owner_organisation = SelectField(_l("Owner (organisation)"), validators=[Optional()])
    owner_text = StringField(_l("Owner (name or unit)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add finding"))


class SignOffForm(Form):
    pack = HiddenField()  # the id of the ready pack the reviewer saw and signs
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=10_000)])
    submit = SubmitField(_l("Sign off the review"))
