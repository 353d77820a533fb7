"""Rule administration: list, check, create (a new version), retire, and preview a change.

Every change bumps the rules version in its own transaction (:func:`lbs.consultation.ruleset.bump_rules_version`),
so that every worker rebuilds its cached rule set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation import graph as rulegraph
from lbs.consultation.facts import DecisionFacts, Requirement
from lbs.consultation.models import Mode, Rule, Timing
from lbs.consultation.rule_schema import RuleData, RuleError, validate_rule
from lbs.consultation.ruleset import bump_rules_version, current_ruleset
from lbs.errors import N_, NotFound, ValidationError
from lbs.extensions import db
from lbs.timeutil import utcnow


def list_rules() -> Sequence[Rule]:
    """Every version of every rule, by code and version."""
    return db.session.scalars(select(Rule).order_by(Rule.code, Rule.version)).all()


def get_rule(rule_id: int) -> Rule:
    rule = db.session.get(Rule, rule_id)
    if rule is None:
        raise NotFound("no such rule")
    return rule


def current_rule(code: str) -> Rule | None:
    """The version of rule ``code`` without an end of validity (the newest should there be several)."""
    return db.session.scalars(
        select(Rule).where(Rule.code == code, Rule.valid_to.is_(None)).order_by(Rule.version.desc()).limit(1)
    ).first()


def is_retired(rule: Rule, *, at: datetime | None = None) -> bool:
    return rule.valid_to is not None and rule.valid_to <= (at or utcnow())


@dataclass(frozen=True)
class RuleInput:
    code: str
    name: str
    condition: dict[str, Any]
    mode: str
    timing: str
    source_role: str | None = None
    target_role: str | None = None
    target_party_key: str | None = None
    description: str | None = None


def _candidate(data: RuleInput, *, valid_from: datetime, version: int) -> RuleData:
    return RuleData(id=-1, code=data.code, version=version, name=data.name, condition=data.condition,
                    mode=data.mode, timing=data.timing, valid_from=valid_from, source_role=data.source_role or None,
                    target_role=data.target_role or None, target_party_key=data.target_party_key or None)


def check_rule(data: RuleInput, *, at: datetime | None = None) -> RuleData:
    """Validate a new rule (or a new version of one) against the district and the rules in force."""
    at = at or utcnow()
    if not data.code.strip() or len(data.code) > 20:
        raise ValidationError("invalid rule", {"code": [N_("a code of 1 to 20 characters is required")]})
    if not data.name.strip() or len(data.name) > 200:
        raise ValidationError("invalid rule", {"name": [N_("a name of 1 to 200 characters is required")]})
    ruleset = current_ruleset()
    candidate = _candidate(data, valid_from=at, version=1)
    try:
        validate_rule(candidate, ruleset.context)
        others = [r for r in ruleset.in_force(at) if r.code != data.code]
        rulegraph.check_acyclic([*others, candidate], ruleset.context)
    except RuleError as error:
        raise ValidationError("invalid rule", {error.field: [error.message]}) from error
    return candidate


def create_rule(*, by: User | None, data: RuleInput, valid_from: datetime | None = None) -> Rule:
    """Add a rule, or a new version of the rule with the same code (the old version gets ``valid_to``)."""
    valid_from = valid_from or utcnow()
    check_rule(data, at=valid_from)
    current = db.session.scalars(
        select(Rule).where(Rule.code == data.code).order_by(Rule.version.desc())
    ).first()
    version = current.version + 1 if current else 1
    if current is not None and (current.valid_to is None or current.valid_to > valid_from):
        if current.valid_from >= valid_from:
            raise ValidationError("invalid rule", {"valid_from": [N_("must be after the current version's start")]})
        audit.record(by=by, action="consultation.rule.supersede", object_type="consultation_rule",
                     object_id=current.id, summary=f"rule {current.code} v{current.version} superseded",
                     changes={"valid_to": (current.valid_to, valid_from)})
        current.valid_to = valid_from
    rule = Rule(code=data.code, version=version, name=data.name, description=data.description,
                condition=data.condition, source_role=data.source_role or None, target_role=data.target_role or None,
                target_party_key=data.target_party_key or None, mode=Mode(data.mode), timing=Timing(data.timing),
                valid_from=valid_from, created_by_id=by.id if by else None)
    db.session.add(rule)
    db.session.flush()
    audit.record(by=by, action="consultation.rule.create", object_type="consultation_rule", object_id=rule.id,
                 summary=f"rule {rule.code} v{rule.version} created",
                 data={"condition": data.condition, "mode": data.mode, "timing": data.timing,
                       "target_role": data.target_role, "target_party_key": data.target_party_key})
    bump_rules_version()
    return rule


def retire_rule(*, by: User | None, rule: Rule, at: datetime | None = None) -> Rule:
    """End a rule's validity (it stays, to judge the decisions taken while it was in force)."""
    at = at or utcnow()
    if is_retired(rule, at=at):
        raise ValidationError("invalid rule", {"rule": [N_("this rule is already retired")]})
    if at <= rule.valid_from:
        at = rule.valid_from
    audit.record(by=by, action="consultation.rule.retire", object_type="consultation_rule", object_id=rule.id,
                 summary=f"rule {rule.code} v{rule.version} retired", changes={"valid_to": (rule.valid_to, at)})
    rule.valid_to = at
    db.session.flush()
    bump_rules_version()
    return rule


# ------------------------------------------------------------------ previewing a change


@dataclass(frozen=True)
class PreviewSubject:
    """A logged decision to preview a rule change on: its number and title, its facts, and the incident's cost
    totals before it (municipality code → amount, for R14)."""

    number: int
    title: str
    facts: DecisionFacts
    earlier_totals: Mapping[str, Decimal]
    decision_id: int | None = None
    incident_title: str = ""


@dataclass(frozen=True)
class PreviewRow:
    decision: PreviewSubject
    added: list[Requirement]
    removed: list[Requirement]


def preview_rule(*, data: RuleInput, subjects: Callable[[], Iterable[PreviewSubject]],
                 at: datetime | None = None) -> list[PreviewRow]:
    """What a new rule would change in the required sets of ``subjects()`` (read once the rule is valid), judged
    by the rules in force at ``at`` (default: now). Stores nothing."""
    return list(_preview_rows(data=data, subjects=subjects, at=at))


def _preview_rows(*, data: RuleInput, subjects: Callable[[], Iterable[PreviewSubject]],
                  at: datetime | None) -> Iterator[PreviewRow]:
    at = at or utcnow()
    candidate = check_rule(data, at=at)
    ruleset = current_ruleset()
    before_rules = ruleset.in_force(at)
    after_rules = [r for r in before_rules if r.code != data.code] + [candidate]
    for subject in subjects():
        now_facts = dataclasses.replace(subject.facts, at=at)
        totals = subject.earlier_totals
        before = {r.party_key: r for r in rulegraph.required(before_rules, now_facts, ruleset.context, None, totals)}
        after = {r.party_key: r for r in rulegraph.required(after_rules, now_facts, ruleset.context, None, totals)}
        yield PreviewRow(decision=subject, added=[r for k, r in sorted(after.items()) if k not in before],
                         removed=[r for k, r in sorted(before.items()) if k not in after])


PREVIEW_LISTED = 50


@dataclass(frozen=True)
class PreviewSummary:
    """The stored decisions a rule change would affect: how many of how many checked, the first ``listed``."""

    checked: int
    affected: int
    rows: list[PreviewRow]


def preview_affected(*, data: RuleInput, subjects: Callable[[], Iterable[PreviewSubject]],
                     at: datetime | None = None, listed: int = PREVIEW_LISTED) -> PreviewSummary:
    """The decisions of ``subjects()`` whose required set the rule change would alter (a party added or
    removed): counted over all of them, at most ``listed`` of them kept to show. Stores nothing."""
    checked = affected = 0
    rows: list[PreviewRow] = []
    for row in _preview_rows(data=data, subjects=subjects, at=at):
        checked += 1
        if row.added or row.removed:
            affected += 1
            if len(rows) < listed:
                rows.append(row)
    return PreviewSummary(checked=checked, affected=affected, rows=rows)
