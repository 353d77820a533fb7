"""The fast decision form: essentials first, JESIP fields a click away, cost and consultation rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lbs import labels
from lbs.consultation.facts import DecisionType
from lbs.consultation.models import Mode, Outcome
from lbs.decisions.models import CostCategory
from lbs.forms import QuickSelect, choices

ROWS = 3

TYPE_LABELS = labels.DECISION_TYPE
CATEGORY_LABELS = labels.COST_CATEGORY
MODE_LABELS = labels.MODE
OUTCOME_LABELS = labels.OUTCOME


def _blank(pairs: Sequence[tuple[Any, Any]]) -> list[Any]:
    return choices([("", "–"), *pairs])


class OptionForm(Form):
    text = StringField(_l("Option"), validators=[Optional(), Length(max=10_000)])
    chosen = BooleanField(_l("Chosen"))
    rejection_reason = StringField(_l("Reason for rejecting it"), validators=[Optional(), Length(max=10_000)])


class CostForm(Form):
    bearer = SelectField(_l("Bearer"), validate_choice=False, widget=QuickSelect())
    category = SelectField(_l("Category"), validate_choice=False, widget=QuickSelect(),
                           choices=_blank([(c.value, CATEGORY_LABELS[c.value]) for c in CostCategory]))
    estimate = StringField(_l("Estimate (kr.)"), render_kw={"inputmode": "decimal"})
    provisional = BooleanField(_l("Bearer provisional"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=10_000)])


class ConsultationForm(Form):
    party = SelectField(_l("Party"), validate_choice=False, widget=QuickSelect())
    consulted_at = StringField(_l("Time"), render_kw={"type": "datetime-local"})
    mode = SelectField(_l("Mode"), validate_choice=False,
                       choices=choices([(m.value, MODE_LABELS[m.value]) for m in Mode]))
    outcome = SelectField(_l("Outcome"), validate_choice=False,
                          choices=choices([(o.value, OUTCOME_LABELS[o.value]) for o in Outcome]))
    channel = StringField(_l("Channel"), validators=[Optional(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=10_000)])


class DecisionForm(FlaskForm):
    staff = SelectField(_l("Staff"), choices=choices([("LBS-O", "LBS-O"), ("LBS-S", "LBS-S")]))
    decided_at = StringField(_l("Decided at (local time)"), validators=[DataRequired()],
                             render_kw={"type": "datetime-local"})
    decided_by = SelectField(_l("Decision maker"), validate_choice=False, validators=[DataRequired()],
                             widget=QuickSelect())
    owner = SelectField(_l("Owning authority"), validate_choice=False, validators=[DataRequired()],
                        widget=QuickSelect())
    type = SelectField(_l("Type"), choices=choices([(t.value, TYPE_LABELS[t.value]) for t in DecisionType]),
                       default=DecisionType.OTHER.value)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    decision = TextAreaField(_l("Decision"), validators=[DataRequired(), Length(max=10_000)])
    rationale = TextAreaField(_l("Rationale"), validators=[DataRequired(), Length(max=10_000)])
    information = TextAreaField(_l("Information the decision rests on"), validators=[Optional(), Length(max=10_000)])
    options = FieldList(FormField(OptionForm), min_entries=ROWS, max_entries=20)
    legal_basis = StringField(_l("Legal basis"), validators=[Optional(), Length(max=10_000)])
    expected_outcome = TextAreaField(_l("Expected outcome"), validators=[Optional(), Length(max=10_000)])
    urgent = BooleanField(_l("Urgent, taken outside a meeting"))
    vulnerable = BooleanField(_l("Concerns vulnerable citizens (care homes etc.)"))
    costs = FieldList(FormField(CostForm), min_entries=ROWS, max_entries=50)
    consultations = FieldList(FormField(ConsultationForm), min_entries=ROWS, max_entries=50)
    missing_reason = TextAreaField(_l("Why required parties were not consulted"),
                                   validators=[Optional(), Length(max=10_000)])
    delay_reason = TextAreaField(_l("Why the decision is recorded more than 15 minutes late"),
                                 validators=[Optional(), Length(max=10_000)])


class AmendmentForm(DecisionForm):
    reason = TextAreaField(_l("Reason for the amendment"), validators=[DataRequired(), Length(max=10_000)])


class ActivationForm(FlaskForm):
    staff = SelectField(_l("Staff"), choices=choices([("LBS-O", "LBS-O"), ("LBS-S", "LBS-S")]))
    readiness = SelectField(_l("Readiness"), choices=choices([
        ("activated", _l("Activated")), ("standby", _l("Standby")), ("stood_down", _l("Stood down"))]))
    active_from = StringField(_l("From (local time)"), validators=[DataRequired()],
                              render_kw={"type": "datetime-local"})
    active_until = StringField(_l("Until (local time, optional)"), render_kw={"type": "datetime-local"})
