"""The fast decision form: essentials first, JESIP fields a click away, cost and consultation rows.

The form reads what was typed (local times, Danish amounts) when it validates, and :meth:`DecisionForm.to_draft`
checks it as the API checks a body (:func:`lbs.decisions.draft.read_draft`). A draft's error keys name the rows
filled in (``costs[0].bearer``: the first cost row with anything in it); :meth:`DecisionForm.draft_fields`
leads them back to the form's fields for :class:`lbs.web.FormWrite`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lbs import labels
from lbs.consultation.facts import FORM_FLAGS, DecisionType
from lbs.consultation.models import Consultation, Mode, Outcome
from lbs.consultation.parties import list_parties
from lbs.converters import form_id
from lbs.decisions.draft import DecisionDraft, read_draft
from lbs.decisions.models import CostCategory, CostLine, Decision
from lbs.formatting import dt_input
from lbs.forms import Form, QuickSelect, SubForm, choices
from lbs.money import MoneyError, NegativeAmount, parse_money_form
from lbs.timeutil import TimeError, parse_local

ROWS = 3
# The cost and consultation rows start at one (a phone shows the button under it at once); more are added on demand.
FIRST_ROWS = 1
# The lists of rows a form adds a row to when its "Add a row" button is pressed (lbs/static/js/rows.js, or without
# JavaScript the form posted back with ``add_row`` naming the list).
ROW_LISTS = ("options", "costs", "consultations")

TYPE_LABELS = labels.DECISION_TYPE
CATEGORY_LABELS = labels.COST_CATEGORY
MODE_LABELS = labels.MODE
OUTCOME_LABELS = labels.OUTCOME


def _blank(pairs: Sequence[tuple[Any, Any]]) -> list[Any]:
    return choices([("", "–"), *pairs])


class OptionForm(SubForm):
    text = StringField(_l("Option"), validators=[Optional(), Length(max=10_000)])
    chosen = BooleanField(_l("Chosen"))
    rejection_reason = StringField(_l("Reason for rejecting it"), validators=[Optional(), Length(max=10_000)])


class CostForm(SubForm):
    bearer = SelectField(_l("Bearer"), validate_choice=False, widget=QuickSelect())
    category = SelectField(_l("Category"), validate_choice=False, widget=QuickSelect(),
                           choices=_blank([(c.value, CATEGORY_LABELS[c.value]) for c in CostCategory]))
    estimate = StringField(_l("Estimate (kr.)"), render_kw={"inputmode": "decimal"})
    provisional = BooleanField(_l("Bearer provisional"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=10_000)])


class ConsultationForm(SubForm):
    party = SelectField(_l("Party"), validate_choice=False, widget=QuickSelect())
    consulted_at = StringField(_l("Time"), render_kw={"type": "datetime-local"})
    mode = SelectField(_l("Mode"), validate_choice=False,
                       choices=choices([(m.value, MODE_LABELS[m.value]) for m in Mode]))
    # No default outcome: the person says how the party answered (a row with a party needs one).
    outcome = SelectField(_l("Outcome"), validate_choice=False,
                          choices=choices([("", _l("Choose outcome")),
                                           *((o.value, OUTCOME_LABELS[o.value]) for o in Outcome)]))
    channel = StringField(_l("Channel"), validators=[Optional(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=10_000)])


class DecisionForm(Form):
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
    # The conditions the consultation rules read (lbs.consultation.facts.FORM_FLAGS), asked in the first section.
    vulnerable = BooleanField(_l("Concerns vulnerable citizens (care homes etc.)"))
    statutory_before_grant = BooleanField(_l("Statutory costs paid before a grant"))
    supplementary_grant = BooleanField(_l("Needs a supplementary grant"))
    disputed = BooleanField(_l("Who bears the costs is disputed"))
    costs = FieldList(FormField(CostForm), min_entries=FIRST_ROWS, max_entries=50)
    consultations = FieldList(FormField(ConsultationForm), min_entries=FIRST_ROWS, max_entries=50)
    missing_reason = TextAreaField(_l("Why required parties were not consulted"),
                                   validators=[Optional(), Length(max=10_000)])
    delay_reason = TextAreaField(_l("Why the decision is recorded more than 15 minutes late"),
                                 validators=[Optional(), Length(max=10_000)])

    _body: dict[str, Any] | None = None

    def add_row(self, name: str | None) -> bool:
        """One more blank row in the list ``name`` (the "Add a row" button pressed without JavaScript: the form is
        shown again with what was typed); False when ``name`` names no list of rows. A full list stays as it is."""
        if name not in ROW_LISTS:
            return False
        rows = getattr(self, name)
        if rows.max_entries is None or len(rows) < rows.max_entries:
            rows.append_entry()
        return True

    def redisplay(self, posted: Mapping[str, str]) -> bool:
        """True when the form was posted to be shown again with what was typed, not saved: a row added
        (``add_row``), or the language switched from the page (``switch_lang`` in the query, which
        :func:`lbs.main.switch_language_in_form` has applied)."""
        return self.add_row(posted.get("add_row")) or bool(posted.get("switch_lang"))

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' validators, then the times and amounts read as typed (errors on their fields)."""
        valid = bool(super().validate(extra_validators))
        self._body = self._read()
        return valid and self._body is not None

    def to_draft(self) -> DecisionDraft:
        """The validated form as a draft; a 422 :class:`~lbs.errors.ValidationError` keyed like an API body."""
        assert self._body is not None, "validate() first"
        return read_draft(self._body)

    def draft_fields(self) -> DraftFields:
        """The form's fields under their keys in the draft (where :class:`lbs.web.FormWrite` puts errors)."""
        rows: dict[str, Any] = {}
        for name, filled in self._filled_rows().items():
            for index, entry in enumerate(filled):
                for field in entry.form:
                    rows[f"{name}[{index}].{DRAFT_KEYS.get(field.short_name, field.short_name)}"] = field
        return DraftFields(self, rows)

    def _filled_rows(self) -> dict[str, list[Any]]:
        """The option, cost and consultation rows with something typed in (blank rows are left out)."""
        return {
            "options": [e for e in self.options if (e.form.text.data or "").strip()],
            "costs": [e for e in self.costs
                      if e.form.bearer.data or e.form.category.data or (e.form.estimate.data or "").strip()],
            "consultations": [e for e in self.consultations if e.form.party.data],
        }

    def _read_when(self, body: dict[str, Any]) -> bool:
        """The time decided, the decision maker and the delay reason into ``body``; False (the error on its
        field) when the time cannot be read. (A proposal reads its answer-by time here instead.)"""
        body["decided_by"] = form_id(self.decided_by.data)
        body["delay_reason"] = self.delay_reason.data or None
        try:
            body["decided_at"] = parse_local(self.decided_at.data).isoformat()
        except TimeError as exc:
            add_error(self.decided_at, str(exc))
            return False
        return True

    def _row_time(self) -> str | None:
        """What an empty consultation time stands for: the time decided."""
        typed: str | None = self.decided_at.data
        return typed

    def _read(self) -> dict[str, Any] | None:
        """The form as an API-shaped body; None (errors on the fields) when a time or amount cannot be read."""
        body: dict[str, Any] = {
            "staff": self.staff.data, "owner": form_id(self.owner.data),
            "type": self.type.data, "title": self.title.data, "decision": self.decision.data,
            "rationale": self.rationale.data, "information": self.information.data or None,
            "legal_basis": self.legal_basis.data or None, "expected_outcome": self.expected_outcome.data or None,
            "urgent": bool(self.urgent.data), "missing_reason": self.missing_reason.data or None,
            "conditions": {name: True for name in FORM_FLAGS if getattr(self, name).data},
        }
        ok = self._read_when(body)
        rows = self._filled_rows()
        body["options"] = [{"text": e.form.text.data, "chosen": bool(e.form.chosen.data),
                            "rejection_reason": e.form.rejection_reason.data or None} for e in rows["options"]]
        body["costs"] = []
        for entry in rows["costs"]:
            f = entry.form
            cost: dict[str, Any] = {"bearer": form_id(f.bearer.data), "category": f.category.data or None,
                                    "provisional": bool(f.provisional.data), "description": f.description.data or None}
            try:
                cost["estimate_dkk"] = str(parse_money_form(f.estimate.data or ""))
            except NegativeAmount:
                add_error(f.estimate, _("The amount may not be negative."))
                ok = False
            except MoneyError:
                add_error(f.estimate, _("Enter an amount in kroner, e.g. 125.000,00"))
                ok = False
            body["costs"].append(cost)
        body["consultations"] = []
        for entry in rows["consultations"]:
            f = entry.form
            item: dict[str, Any] = {"party": f.party.data, "mode": f.mode.data, "outcome": f.outcome.data,
                                    "channel": f.channel.data or None, "note": f.note.data or None}
            if not f.outcome.data:
                add_error(f.outcome, _("Choose the outcome of the consultation"))
                ok = False
            try:
                item["consulted_at"] = parse_local(f.consulted_at.data or self._row_time()).isoformat()
            except TimeError as exc:
                add_error(f.consulted_at, str(exc))
                ok = False
            body["consultations"].append(item)
        return body if ok else None


class AmendmentForm(DecisionForm):
    reason = TextAreaField(_l("Reason for the amendment"), validators=[DataRequired(), Length(max=10_000)])

    def to_amendment_draft(self, live: Sequence[CostLine], conditions: dict[str, Any] | None) -> DecisionDraft:
        """The validated form as an amendment's draft. Cost rows that repeat the live lines of the amendment
        line unchanged (as the form was filled in) are no costs of the amendment's own: the lines stay as they
        are instead of being superseded by copies (which a settled line would refuse). The original's
        ``conditions`` the form does not ask about (assisting organisations, say) are kept."""
        assert self._body is not None, "validate() first"
        body = dict(self._body)
        kept = {key: value for key, value in (conditions or {}).items() if key not in FORM_FLAGS}
        body["conditions"] = {**kept, **body["conditions"]}
        if sorted(map(_row_key, body["costs"])) == sorted(map(_line_key, live)):
            body["costs"] = []
        return read_draft(body)

    def fill_from(self, original: Decision, consulted: Sequence[Consultation],
                  live: Sequence[CostLine] = ()) -> None:
        """Start from the current version: every field, its consultations and the live cost lines."""
        while len(self.costs) < len(live):
            self.costs.append_entry()
        for entry, line in zip(self.costs, live, strict=False):
            entry.form.bearer.data = str(line.bearer_id)
            entry.form.category.data = line.category.value
            entry.form.estimate.data = amount_input(line.estimate_dkk)
            entry.form.provisional.data = line.provisional
            entry.form.description.data = line.description or ""
        self.staff.data = original.staff.code
        self.decided_at.data = dt_input(original.decided_at)
        self.decided_by.data = str(original.decided_by_id)
        self.owner.data = str(original.owner_id)
        self.type.data = original.type.value
        for name in ("title", "decision", "rationale", "information", "legal_basis", "expected_outcome",
                     "missing_reason"):
            getattr(self, name).data = getattr(original, name) or ""
        self.urgent.data = original.urgent
        for name in FORM_FLAGS:
            getattr(self, name).data = bool((original.conditions or {}).get(name))
        for entry, option in zip(self.options, original.options or [], strict=False):
            entry.form.text.data = option.get("text", "")
            entry.form.chosen.data = bool(option.get("chosen"))
            entry.form.rejection_reason.data = option.get("rejection_reason") or ""
        while len(self.consultations) < len(consulted):
            self.consultations.append_entry()
        for entry, item in zip(self.consultations, consulted, strict=False):
            entry.form.party.data = item.party.key
            entry.form.consulted_at.data = dt_input(item.consulted_at)
            entry.form.mode.data = item.mode.value
            entry.form.outcome.data = item.outcome.value
            entry.form.channel.data = item.channel or ""
            entry.form.note.data = item.note or ""


def amount_input(value: Decimal) -> str:
    """An amount as typed into the form: ``125.000,00`` (what :func:`parse_money_form` reads back)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _row_key(cost: dict[str, Any]) -> str:
    return repr((cost["bearer"], cost["category"], f"{Decimal(cost['estimate_dkk']):.2f}", cost["provisional"],
                 cost["description"] or None))


def _line_key(line: CostLine) -> str:
    return repr((line.bearer_id, line.category.value, f"{line.estimate_dkk:.2f}", line.provisional,
                 line.description or None))


# A row field's key in the draft where it differs from the field's name.
DRAFT_KEYS = {"estimate": "estimate_dkk"}


class DraftFields:
    """A decision form's fields under their keys in the draft: ``title`` is the title field, ``costs[0].bearer``
    the bearer of the first cost row filled in. :class:`lbs.web.FormWrite` looks a service error's field up
    here by name."""

    def __init__(self, form: DecisionForm, rows: dict[str, Any]) -> None:
        self._form = form
        self._rows = rows

    def __getattr__(self, key: str) -> Any:
        if key in self._rows:
            return self._rows[key]
        return getattr(self._form, key)


def add_error(field: Any, message: str) -> None:
    field.errors = [*field.errors, message] if isinstance(field.errors, (list, tuple)) else [message]


class AppendConsultationForm(Form):
    """Form and outcome start blank: the person chooses (an approval is never recorded by default)."""

    party = SelectField(_l("Party"), validate_choice=False, widget=QuickSelect(),
                        validators=[DataRequired(_l("Choose the party that was consulted."))])
    consulted_at = StringField(_l("Time"), validators=[DataRequired(_l("Enter when the party was consulted."))],
                               render_kw={"type": "datetime-local"})
    mode = SelectField(_l("Mode"), validators=[DataRequired(_l("Choose the form of the consultation."))],
                       choices=choices([("", "–"), *((m.value, labels.MODE[m.value]) for m in Mode)]))
    outcome = SelectField(_l("Outcome"), validators=[DataRequired(_l("Choose the outcome."))],
                          choices=choices([("", "–"), *((o.value, labels.OUTCOME[o.value]) for o in Outcome)]))
    channel = StringField(_l("Channel"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    note = TextAreaField(_l("Note"), validators=[
        Optional(), Length(max=10_000, message=_l("At most %(max)d characters."))])

    def fill_parties(self, unmet: Sequence[str] = ()) -> None:
        """Every party; the decision's required parties not yet met (``unmet``, party keys) first, in a group of
        their own, so that the call-back one waits for is found at once."""
        parties = [("", "–"), *((p.key, p.name) for p in list_parties())]
        names = dict(parties)
        waiting = [(key, names[key]) for key in unmet if key in names]
        if not waiting:
            self.party.choices = choices(parties)
            return
        first, everyone = _("Required and not met"), _("All parties")
        self.party.choices = [SelectChoice("", "–"), *(SelectChoice(k, n, optgroup=first) for k, n in waiting),
                              *(SelectChoice(k, n, optgroup=everyone) for k, n in parties[1:])]

    def to_body(self) -> dict[str, Any] | None:
        """The validated form as an API-shaped body (read by :func:`lbs.decisions.appended.read_consultation`);
        None (the error on its field) when the time cannot be read."""
        try:
            at = parse_local(self.consulted_at.data)
        except TimeError as exc:
            add_error(self.consulted_at, str(exc))
            return None
        return {"party": self.party.data, "consulted_at": at.isoformat(), "mode": self.mode.data,
                "outcome": self.outcome.data, "channel": self.channel.data or None, "note": self.note.data or None}
