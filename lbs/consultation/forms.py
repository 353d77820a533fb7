"""Forms of the consultation pages, the facts of a decision read from a form, and the form that asks a party for
a consultation (:class:`AskForm`: here, below the decision log and the hearing package, so that the decision page
and the proposal page can both build it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lbs import labels
from lbs.consultation import rule_editor
from lbs.consultation.facts import FORM_FLAGS, CostFact, DecisionFacts, DecisionType
from lbs.consultation.models import Mode
from lbs.consultation.parties import list_parties
from lbs.consultation.rule_schema import KINDS, MAX_CONDITION_DEPTH, MAX_CONDITION_NODES, condition_too_large
from lbs.consultation.rules import RuleInput
from lbs.converters import form_id
from lbs.errors import DomainError, ValidationError
from lbs.forms import Form, QuickSelect, choices
from lbs.incidents.models import Incident
from lbs.money import parse_money_form
from lbs.organisations.models import Municipality
from lbs.timeutil import TimeError, localize_strict, parse_local, utcnow

CHECKED = ("y", "on", "true", "1")
MAX_COST_ROWS = 200

MODES = [("consult", _l("Consult")), ("inform", _l("Inform")), ("approve", _l("Approve"))]
TIMINGS = [("before", _l("Before")), ("after", _l("After")), ("at_once", _l("At once")),
           ("next_meeting", _l("At the next meeting"))]


class WhyForm(Form):
    """A hypothetical decision whose required set the graph page explains (GET form)."""

    why_type = SelectField(_l("Decision type"), validators=[Optional()])
    why_municipality = SelectField(_l("Municipality"), validators=[Optional()])
    why_owner = SelectField(_l("Owning authority"), validators=[Optional()])
    why_cost = StringField(_l("Municipal cost (kr.)"), validators=[Optional(), Length(max=40)])
    why_urgent = BooleanField(_l("Urgent, outside a meeting"))
    why_vulnerable = BooleanField(_l("Vulnerable citizens or care homes"))

    def set_choices(self, municipalities: Sequence[Any], organisations: Sequence[Any]) -> None:
        self.why_type.choices = choices([("", "—")] + [(t.value, labels.DECISION_TYPE[t.value]) for t in DecisionType])
        self.why_municipality.choices = choices([("", "—")] + [(m.code, m.name) for m in municipalities])
        self.why_owner.choices = choices([("", _l("The municipality"))] + [(o.id, o.name) for o in organisations])

    def hypothetical_facts(self, municipality_of: Callable[[str], Municipality | None]) -> DecisionFacts | None:
        """The decision described by the form, now (None when incomplete; a bad amount is a field error)."""
        if not self.why_type.data or not self.why_municipality.data:
            return None
        municipality = municipality_of(self.why_municipality.data)
        if municipality is None:
            return None
        costs: tuple[CostFact, ...] = ()
        if self.why_cost.data:
            try:
                amount = parse_money_form(self.why_cost.data)
            except (DomainError, ValueError):
                self.why_cost.errors = [_("Not an amount of money, e.g. 300.000,00")]
                return None
            costs = (CostFact(bearer_organisation_id=municipality.organisation_id,
                              category="emergency_accommodation", estimate_dkk=amount),)
        owner = form_id(self.why_owner.data) or municipality.organisation_id
        return DecisionFacts(at=utcnow(), staff="LBS-S", type=self.why_type.data, owner_organisation_id=owner,
                             municipalities=(municipality.code,), costs=costs, urgent=bool(self.why_urgent.data),
                             conditions={"vulnerable": bool(self.why_vulnerable.data)})


class RuleForm(Form):
    """A rule by its choices (kind, decision types, staff, municipalities, thresholds in kroner, target, form),
    the condition's JSON kept as the advanced view: the choices set their keys on top of the JSON (``chosen``,
    a hidden field, says the choices were on the page), unless "use the JSON as written" is ticked."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    chosen = HiddenField()
    kind = SelectField(_l("When"), validators=[Optional()],
                       choices=choices([(k, rule_editor.KIND_LABELS[k]) for k in KINDS]), default="decision")
    types = SelectMultipleField(_l("Decision types"), validators=[Optional()],
                                choices=choices([(t.value, labels.DECISION_TYPE[t.value]) for t in DecisionType]))
    staff = SelectField(_l("Staff"), validators=[Optional()],
                        choices=choices([("", _l("Either staff"))] + [(s, s) for s in rule_editor.STAFFS]))
    municipalities = SelectMultipleField(_l("Only in these municipalities"), validators=[Optional()])
    cost_min = StringField(_l("Municipal cost above (kr.)"), validators=[Optional(), Length(max=40)])
    cost_max = StringField(_l("Municipal cost up to (kr.)"), validators=[Optional(), Length(max=40)])
    condition = TextAreaField(_l("Condition (JSON)"), validators=[Optional(), Length(max=10000)], default="{}")
    as_written = BooleanField(_l("Use the JSON as written (ignore the choices)"))
    source_role = SelectField(_l("Source role (party-to-party rules)"), validators=[Optional()])
    target_role = SelectField(_l("Target role"), validators=[Optional()])
    target_party_key = SelectField(_l("Or a fixed target party"), validators=[Optional()], validate_choice=False)
    mode = SelectField(_l("Mode"), choices=choices(MODES))
    timing = SelectField(_l("Timing"), choices=choices(TIMINGS))
    preview = SubmitField(_l("Preview the change"))
    save = SubmitField(_l("Save rule"))

    def set_choices(self, roles: Iterable[str], municipalities: Sequence[Any] = (),
                    parties: Sequence[Any] = ()) -> None:
        options = [("", "—"), *rule_editor.role_choices(sorted(roles))]
        self.source_role.choices = choices(options)
        self.target_role.choices = choices(options)
        self.municipalities.choices = choices([(m.code, m.name) for m in municipalities])
        self.target_party_key.choices = choices([("", "—")] + [(p.key, p.name) for p in parties])

    def fill_from(self, rule: Any) -> None:
        self.code.data = rule.code
        self.name.data = rule.name
        self.description.data = rule.description
        self.condition.data = json.dumps(rule.condition, ensure_ascii=False)
        chosen = rule_editor.chosen_from(rule.condition)
        self.kind.data = chosen["when"]
        self.types.data = chosen["types"]
        self.staff.data = chosen["staff"]
        self.municipalities.data = chosen["only_municipalities"]
        self.cost_min.data = chosen["min"]
        self.cost_max.data = chosen["max"]
        self.source_role.data = rule.source_role or ""
        self.target_role.data = rule.target_role or ""
        self.target_party_key.data = rule.target_party_key or ""
        self.mode.data = rule.mode.value
        self.timing.data = rule.timing.value

    def rule_input(self) -> RuleInput:
        """The rule as the services take it; a condition that is not a JSON object is a ``ValidationError``."""
        too_large = _("The condition may be nested at most %(depth)s levels deep and hold at most %(nodes)s values.",
                      depth=MAX_CONDITION_DEPTH, nodes=MAX_CONDITION_NODES)
        try:
            condition = json.loads(self.condition.data or "{}")
        except RecursionError as exc:  # nested far beyond the limit: the JSON reader gives up
            raise ValidationError("invalid rule", {"condition": [too_large]}) from exc
        except ValueError as exc:
            raise ValidationError("invalid rule", {"condition": [_("The condition is not valid JSON.")]}) from exc
        if not isinstance(condition, dict):
            raise ValidationError("invalid rule", {"condition": [_("The condition must be a JSON object.")]})
        if self.chosen.data and not self.as_written.data:
            condition = rule_editor.merged_condition(condition, self._chosen())
        if condition_too_large(condition):
            raise ValidationError("invalid rule", {"condition": [too_large]})
        return RuleInput(
            code=(self.code.data or "").strip(), name=(self.name.data or "").strip(), condition=condition,
            mode=self.mode.data or "", timing=self.timing.data or "", source_role=self.source_role.data or None,
            target_role=self.target_role.data or None,
            target_party_key=(self.target_party_key.data or "").strip() or None,
            description=self.description.data or None,
        )


    def _chosen(self) -> dict[str, Any]:
        bounds: dict[str, str | None] = {}
        for key, bound in (("min", self.cost_min), ("max", self.cost_max)):
            try:
                bounds[key] = rule_editor.threshold_value(bound.data or "")
            except ValueError as exc:
                raise ValidationError("invalid rule", {bound.name: [
                    _("Not an amount of money, e.g. 250.000 or 250000,50 (or T1, T2).")]}) from exc
        return {"when": self.kind.data or "", "types": list(self.types.data or []), "staff": self.staff.data or "",
                "only_municipalities": list(self.municipalities.data or []), **bounds}


# ------------------------------------------------------------------ the decision form, read for its panel


def _decided_at(form: Mapping[str, str]) -> datetime:
    raw_at = form.get("decided_at", "")
    if raw_at:
        try:
            return localize_strict(datetime.fromisoformat(raw_at))
        except (ValueError, DomainError):
            pass
    return utcnow()


def _cost_facts(form: Mapping[str, str]) -> tuple[CostFact, ...]:
    costs = []
    index = 0
    while f"costs-{index}-bearer" in form or f"costs-{index}-estimate" in form:
        bearer = form_id(form.get(f"costs-{index}-bearer"))
        raw_amount = form.get(f"costs-{index}-estimate", "").strip()
        if bearer is not None and raw_amount:
            try:
                amount = parse_money_form(raw_amount)
            except (DomainError, ValueError):
                amount = None
            if amount is not None:
                costs.append(CostFact(bearer_organisation_id=bearer, category=form.get(f"costs-{index}-category", ""),
                                      estimate_dkk=amount,
                                      provisional=form.get(f"costs-{index}-provisional") in CHECKED))
        index += 1
        if index > MAX_COST_ROWS:
            break
    return tuple(costs)


def facts_from_form(form: Mapping[str, str], incident: Incident) -> DecisionFacts:
    """The facts of the decision being filled in (the decision form's field names), best effort."""
    return DecisionFacts(
        at=_decided_at(form), staff=form.get("staff", "LBS-S"), type=form.get("type", ""),
        owner_organisation_id=form_id(form.get("owner")) or 0,
        municipalities=tuple(m.code for m in incident.municipalities), costs=_cost_facts(form),
        urgent=form.get("urgent") in CHECKED,
        conditions={name: True for name in FORM_FLAGS if form.get(name) in CHECKED},
        incident_id=incident.id,
    )


class AskForm(Form):
    """Party, form and an optional answer-by time (local time, as the other time fields)."""

    party = SelectField(_l("Party"), validate_choice=False, widget=QuickSelect(),
                        validators=[DataRequired(_l("Choose the party to ask."))])
    mode = SelectField(_l("Mode"), validators=[DataRequired()],
                       choices=choices([(m.value, labels.MODE[m.value]) for m in Mode]),
                       default=Mode.CONSULT.value)
    respond_by = StringField(_l("Answer by (local time)"), validators=[Optional()],
                             render_kw={"type": "datetime-local"})

    def fill_parties(self) -> AskForm:
        self.party.choices = choices([("", "–"), *((p.key, p.name) for p in list_parties())])
        return self

    def to_body(self) -> dict[str, Any] | None:
        """The validated form as the API's body; None (the error on its field) when the time cannot be read."""
        body: dict[str, Any] = {"party": self.party.data, "mode": self.mode.data}
        text = (self.respond_by.data or "").strip()
        if text:
            try:
                body["respond_by"] = parse_local(text).isoformat()
            except TimeError as exc:
                self.respond_by.errors = [*self.respond_by.errors, str(exc)]
                return None
        return body
