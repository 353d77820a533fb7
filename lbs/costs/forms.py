"""Forms of the cost-line workflow (Danish money input such as ``1.234,50``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.validators import ValidationError as FormError

from lbs import labels
from lbs.forms import Form, choices
from lbs.money import MoneyError, NegativeAmount, parse_money_form


def money_value(field: Field) -> Decimal | None:
    text = (field.data or "").strip()
    return parse_money_form(text) if text else None


def valid_money(form: Any, field: Field) -> None:
    try:
        money_value(field)
    except NegativeAmount as exc:
        raise FormError(_l("The amount may not be negative.")) from exc
    except MoneyError as exc:
        raise FormError(_l("Enter an amount in kroner with at most two decimals, e.g. 12.500,50.")) from exc


class AcceptForm(Form):
    actual = StringField(_l("Actual amount (kr.)"), validators=[Optional(), Length(max=40), valid_money])
    invoice_ref = StringField(_l("Invoice reference"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=10_000)])


class ActualForm(AcceptForm):
    actual = StringField(_l("Actual amount (kr.)"), validators=[DataRequired(), Length(max=40), valid_money])


class SettleForm(Form):
    actual = StringField(_l("Actual amount (kr.)"), validators=[Optional(), Length(max=40), valid_money])
    invoice_ref = StringField(_l("Invoice reference"), validators=[Optional(), Length(max=200)])


class DisputeForm(Form):
    reason = TextAreaField(_l("Reason for the dispute"), validators=[DataRequired(), Length(max=10_000)])
    informed = StringField(_l("Who was informed"), validators=[DataRequired(), Length(max=1000)])


BUDGET_NOTE_LABELS = labels.BUDGET_NOTE


class BudgetNoteForm(Form):
    budget_note = SelectField(_l("Budget note"))
    council_meeting_on = DateField(_l("Council meeting (date)"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget_note.choices = choices(BUDGET_NOTE_LABELS.items())
