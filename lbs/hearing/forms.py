"""Forms of the proposal pages: the proposal (the decision form less its time and decision maker, plus an
answer-by time), deciding a proposal and withdrawing it. The form that asks a party is
:class:`lbs.consultation.forms.AskForm`.

The services answer in English (the API's language); :func:`danish` gives a page their Danish words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lbs.consultation.parties import list_parties
from lbs.converters import form_id
from lbs.decisions.forms import DecisionForm, add_error
from lbs.errors import DomainError
from lbs.formatting import dt_input
from lbs.forms import Form, QuickSelect, choices
from lbs.i18n import translated
from lbs.organisations import services as organisations
from lbs.staffs import services as staffs
from lbs.timeutil import TimeError, parse_local, utcnow

# The services' field messages (lbs.validation, lbs.decisions.log, lbs.hearing) in the page's language.
SERVICE_MESSAGES = {
    "is required": _l("This field is required."),
    "may not be empty": _l("This field is required."),
    "may not be in the past": _l("The time may not be in the past."),
    "unknown staff": _l("Unknown staff."),
    "unknown person": _l("Unknown person."),
    "unknown organisation": _l("Unknown organisation."),
    "unknown consultation party": _l("Unknown consultation party."),
    "may not be more than 5 minutes in the future": _l("The time may not be more than 5 minutes in the future."),
    "may not be before the incident started": _l("The time may not be before the incident started."),
    "recorded more than 15 minutes after the decision: explain the delay":
        _l("Recorded more than 15 minutes after the decision: explain the delay."),
}


def danish(message: str) -> str:
    """A service's field message in the page's language (a generic one for those not listed)."""
    found = SERVICE_MESSAGES.get(message)
    if found is not None:
        return str(found)
    text = translated(message)
    return text if text != message else _("This value was not accepted.")


def in_danish(form: Any) -> None:
    """WTForms' own messages ("This field is required.") in the page's language, in rows of subforms too."""
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                in_danish(entry.form)
        elif field.errors and isinstance(field.errors, list):
            field.errors = [_(str(message)) for message in field.errors]


def place_errors(fields: Any, *, fallback: Any = None, message: str | None = None) -> Callable[[DomainError], None]:
    """For :class:`lbs.web.FormWrite`: each field error of a service, in Danish, on the form's field of that
    name (on ``fallback`` when there is none); ``message`` is flashed for an error without fields."""
    def place(exc: DomainError) -> None:
        if not exc.fields and message:
            flash(message, "error")
        for name, messages in exc.fields.items():
            target = getattr(fields, name, None) or fallback
            if target is not None:
                for text in messages:
                    add_error(target, danish(text))
    return place


class ProposalForm(DecisionForm):
    """The decision form's fields less the time decided, the decision maker and the delay reason."""

    decided_at = None
    decided_by = None
    delay_reason = None
    respond_by = StringField(_l("Answer by (local time)"), validators=[Optional()],
                             render_kw={"type": "datetime-local"})

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        in_danish(self)
        return valid

    def _read_when(self, body: dict[str, Any]) -> bool:
        text = (self.respond_by.data or "").strip()
        body["respond_by"] = None
        if not text:
            return True
        try:
            body["respond_by"] = parse_local(text).isoformat()
        except TimeError as exc:
            add_error(self.respond_by, str(exc))
            return False
        return True

    def _row_time(self) -> str | None:
        return dt_input(utcnow())

    def body(self) -> dict[str, Any]:
        """The validated form as the API's proposal body."""
        assert self._body is not None, "validate() first"
        return dict(self._body)

    def fill_choices(self) -> None:
        """The organisations (owner, cost bearers) and the consultation parties."""
        orgs = choices([("", "–"), *((o.id, o.name) for o in organisations.list_organisations())])
        self.owner.choices = orgs
        for row in self.costs:
            row.form.bearer.choices = orgs
        parties = choices([("", "–"), *((p.key, p.name) for p in list_parties())])
        for row in self.consultations:
            row.form.party.choices = parties


class DecideForm(Form):
    decided_at = StringField(_l("Decided at (local time)"), validators=[DataRequired()],
                             render_kw={"type": "datetime-local"})
    decided_by = SelectField(_l("Decision maker"), validate_choice=False, validators=[DataRequired()],
                             widget=QuickSelect())
    delay_reason = TextAreaField(_l("Why the decision is recorded more than 15 minutes late"),
                                 validators=[Optional(), Length(max=10_000)])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        in_danish(self)
        return valid

    def fill_people(self, at: datetime) -> DecideForm:
        """Everyone on a staff's roster at ``at``, and the person selected (as on the decision form)."""
        people = {p.id: p.name for s in staffs.list_staffs() for p in staffs.roster_people(staff_id=s.id, at=at)}
        selected_id = form_id(self.decided_by.data)
        selected = staffs.get_person(selected_id) if selected_id is not None else None
        if selected is not None:
            people.setdefault(selected.id, selected.name)
        self.decided_by.choices = choices([("", "–"), *sorted(people.items(), key=lambda x: x[1])])
        return self

    def to_body(self) -> dict[str, Any] | None:
        """The validated form as the API's body; None (the error on its field) when the time cannot be read."""
        try:
            at = parse_local(self.decided_at.data)
        except TimeError as exc:
            add_error(self.decided_at, str(exc))
            return None
        return {"decided_at": at.isoformat(), "decided_by": form_id(self.decided_by.data),
                "delay_reason": self.delay_reason.data or None}


class WithdrawForm(Form):
    reason = TextAreaField(_l("Reason for withdrawing the proposal"),
                           validators=[DataRequired(_l("Give the reason for withdrawing the proposal.")),
                                       Length(max=10_000)])
