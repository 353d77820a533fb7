"""Forms of the consultation pages."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lbs.consultation.facts import DecisionType
from lbs.forms import choices

MODES = [("consult", _l("Consult")), ("inform", _l("Inform")), ("approve", _l("Approve"))]
TIMINGS = [("before", _l("Before")), ("after", _l("After")), ("at_once", _l("At once")),
           ("next_meeting", _l("At the next meeting"))]


class WhyForm(FlaskForm):
    """A hypothetical decision whose required set the graph page explains (GET form)."""

    why_type = SelectField(_l("Decision type"), validators=[Optional()])
    why_municipality = SelectField(_l("Municipality"), validators=[Optional()])
    why_owner = SelectField(_l("Owning authority"), validators=[Optional()])
    why_cost = StringField(_l("Municipal cost (kr.)"), validators=[Optional(), Length(max=40)])
    why_urgent = BooleanField(_l("Urgent, outside a meeting"))
    why_vulnerable = BooleanField(_l("Vulnerable citizens or care homes"))

    def set_choices(self, municipalities: Sequence[Any], organisations: Sequence[Any]) -> None:
        self.why_type.choices = choices([("", "—")] + [(t.value, t.value) for t in DecisionType])
        self.why_municipality.choices = choices([("", "—")] + [(m.code, m.name) for m in municipalities])
        self.why_owner.choices = choices([("", _l("The municipality"))] + [(o.id, o.name) for o in organisations])


class RuleForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    condition = TextAreaField(_l("Condition (JSON)"), validators=[DataRequired(), Length(max=10000)],
                              default='{"when": "decision", "types": ["evacuation"]}')
    source_role = SelectField(_l("Source role (party-to-party rules)"), validators=[Optional()])
    target_role = SelectField(_l("Target role"), validators=[Optional()])
    target_party_key = StringField(_l("Or a fixed target party (key)"), validators=[Optional(), Length(max=80)])
    mode = SelectField(_l("Mode"), choices=choices(MODES))
    timing = SelectField(_l("Timing"), choices=choices(TIMINGS))
    preview = SubmitField(_l("Preview the change"))
    save = SubmitField(_l("Save rule"))

    def set_choices(self, roles: Iterable[str]) -> None:
        options = [("", "—")] + [(r, r) for r in sorted(roles)]
        self.source_role.choices = choices(options)
        self.target_role.choices = choices(options)

    def fill_from(self, rule: Any) -> None:
        self.code.data = rule.code
        self.name.data = rule.name
        self.description.data = rule.description
        self.condition.data = json.dumps(rule.condition, ensure_ascii=False)
        self.source_role.data = rule.source_role or ""
        self.target_role.data = rule.target_role or ""
        self.target_party_key.data = rule.target_party_key or ""
        self.mode.data = rule.mode.value
        self.timing.data = rule.timing.value
