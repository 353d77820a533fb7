"""Consultation services: what a decision requires, parties, rules, roster lookups, compliance.

``required_consultations`` is the interface the decision log calls. The rule graph is built by the pure
:mod:`lbs.consultation.graph` and cached in-process per rules version (a counter in ``AppState`` bumped on
every rule change, so that several workers agree on when to rebuild).
"""

from __future__ import annotations

import bisect
import json
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

import networkx as nx
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import joinedload

from lbs.audit import services as audit
from lbs.audit.models import AppState
from lbs.auth.models import User
from lbs.consultation import graph as g
from lbs.consultation.facts import DecisionFacts, Requirement, logged_decision_facts
from lbs.consultation.models import Consultation, Mode, Party, Rule, Timing
from lbs.database import database_identity
from lbs.decisions.models import CostLine, Decision
from lbs.errors import NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality, Organisation
from lbs.staffs.models import Assignment, Person, Position, Staff
from lbs.staffs.services import held_at
from lbs.timeutil import utcnow
from lbs.versioned_cache import VersionedCache

RULES_VERSION_KEY = "rules_version"
RULES_STAMP_KEY = "rules_stamp"
RESULTS_CACHE_SIZE = 50_000


def list_parties() -> Sequence[Party]:
    return db.session.scalars(select(Party).order_by(Party.key)).all()


def parties_by_key(keys: Iterable[str]) -> dict[str, Party]:
    """The parties with these keys (unknown keys are left out), in one statement."""
    wanted = {key for key in keys if "\x00" not in key}  # PostgreSQL refuses NUL; no key has one
    if not wanted:
        return {}
    return {party.key: party for party in db.session.scalars(select(Party).where(Party.key.in_(wanted)))}


# ------------------------------------------------------------------ rules version and the cached graph


def rules_version() -> int:
    state = db.session.get(AppState, RULES_VERSION_KEY)
    return state.value if state else 0


def bump_rules_version() -> int:
    """Count the rules version up, in the transaction that changes the rules, and draw a new stamp: the
    cached rule sets are keyed by both (see :func:`current_ruleset`)."""
    state = db.session.get(AppState, RULES_VERSION_KEY)
    if state is None:
        state = AppState(key=RULES_VERSION_KEY, value=0)
        db.session.add(state)
    state.value += 1
    stamp = db.session.get(AppState, RULES_STAMP_KEY)
    if stamp is None:
        stamp = AppState(key=RULES_STAMP_KEY, value=0)
        db.session.add(stamp)
    stamp.value = secrets.randbelow(2**31 - 1) + 1
    db.session.flush()
    return state.value


def rule_data(rule: Rule) -> g.RuleData:
    return g.RuleData(
        id=rule.id, code=rule.code, version=rule.version, name=rule.name, condition=dict(rule.condition or {}),
        mode=rule.mode.value, timing=rule.timing.value, valid_from=rule.valid_from, valid_to=rule.valid_to,
        source_role=rule.source_role, target_role=rule.target_role, target_party_key=rule.target_party_key,
    )


def load_context() -> g.Context:
    organisations = db.session.execute(select(Organisation.id, Organisation.kind, Organisation.parent_id)).all()
    parent = {row.id: row.parent_id for row in organisations}
    kinds = {row.id: row.kind.value for row in organisations}
    rows = db.session.execute(
        select(Party, Position.staff_id).outerjoin(Position, Position.id == Party.position_id).order_by(Party.key)
    ).all()
    staff_codes = {row.id: row.code for row in db.session.execute(select(Staff.id, Staff.code))}
    parties = tuple(
        g.PartyData(key=p.key, name=p.name, role=p.role, organisation_id=p.organisation_id,
                    organisation_kind=kinds.get(p.organisation_id, "other"),
                    organisation_parent_id=parent.get(p.organisation_id), municipality_code=p.municipality_code,
                    position_id=p.position_id, staff_code=staff_codes.get(staff_id) if staff_id else None)
        for p, staff_id in rows
    )
    municipalities = tuple(
        g.MunicipalityData(code=m.code, name=m.name, organisation_id=m.organisation_id,
                           region_organisation_id=m.region_organisation_id, fire_service_id=m.fire_service_id,
                           threshold_t1_dkk=m.threshold_t1_dkk, threshold_t2_dkk=m.threshold_t2_dkk,
                           budget_dkk=m.budget_dkk)
        for m in db.session.scalars(select(Municipality).order_by(Municipality.code))
    )
    return g.Context(parties=parties, municipalities=municipalities, organisation_kinds=kinds)


@dataclass
class RuleSet:
    """The rules (all versions), the district context and the graphs built from them, for one version."""

    version: int
    rules: tuple[g.RuleData, ...]
    context: g.Context
    graphs: dict[tuple[int, ...], nx.DiGraph] = field(default_factory=dict)
    compiled: dict[tuple[int, ...], g.CompiledRules] = field(default_factory=dict)
    # Results of ``g.required`` by (in-force set, facts but the moment, earlier incident totals): a pure
    # function of exactly these, so a hit is always right; bounded, and dropped with the rules version.
    results: dict[tuple[Any, ...], tuple[Requirement, ...]] = field(default_factory=dict)

    def in_force(self, at: datetime) -> list[g.RuleData]:
        return [r for r in self.rules if r.in_force(at)]

    def compiled_at(self, at: datetime) -> g.CompiledRules:
        """The rules in force at ``at``, indexed (cached per in-force set)."""
        key = tuple(r.id for r in self.rules if r.in_force(at))
        found = self.compiled.get(key)
        if found is None:
            found = self.compiled[key] = g.compile_rules(self.rules, at)
        return found

    def graph_at(self, at: datetime) -> nx.DiGraph:
        rules = self.in_force(at)
        key = tuple(r.id for r in rules)
        if key not in self.graphs:
            self.graphs[key] = g.build_graph(rules, self.context)
        return self.graphs[key]


_CACHE: dict[tuple[Any, ...], RuleSet] = {}
_CACHE_LOCK = threading.Lock()
_SIGNATURE_QUERY: Select[Any] | None = None


def _rules_signature() -> tuple[Any, ...]:
    """The rules version and its stamp: two primary-key reads in one statement, whatever the number of rules
    (every write and most pages ask). The version alone could come back: a change rolled back after a worker
    cached its rule set, then another change committed, reach the same number; their stamps differ (a random
    31-bit number drawn by each change)."""
    global _SIGNATURE_QUERY
    if _SIGNATURE_QUERY is None:
        version, stamp = (select(AppState.value).where(AppState.key == key).scalar_subquery()
                          for key in (RULES_VERSION_KEY, RULES_STAMP_KEY))
        _SIGNATURE_QUERY = select(version, stamp)
    return tuple(db.session.execute(_SIGNATURE_QUERY).one())


def current_ruleset() -> RuleSet:
    """The rules and graphs for the database's current rules version (rebuilt when it changes)."""
    signature = _rules_signature()
    key = (database_identity(), *signature)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    rows = db.session.scalars(select(Rule).order_by(Rule.code, Rule.version)).all()
    ruleset = RuleSet(version=int(signature[0] or 0), rules=tuple(rule_data(r) for r in rows),
                      context=load_context())
    with _CACHE_LOCK:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = ruleset
    return ruleset


def incident_municipal_totals(*, incident_id: int, before: datetime | None = None) -> dict[str, Decimal]:
    """The incident's cost estimates per municipality code (lines not superseded), for R14."""
    query = (
        select(Municipality.code, func.coalesce(func.sum(CostLine.estimate_dkk), 0))
        .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
        .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
        .group_by(Municipality.code)
    )
    if before is not None:  # from the incident's decisions before the moment (index on incident and time)
        query = (
            select(Municipality.code, func.coalesce(func.sum(CostLine.estimate_dkk), 0))
            .select_from(Decision).join(CostLine, CostLine.decision_id == Decision.id)
            .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
            .where(Decision.incident_id == incident_id, Decision.decided_at < before,
                   CostLine.superseded_by_id.is_(None))
            .group_by(Municipality.code)
        )
    return {row[0]: Decimal(row[1]) for row in db.session.execute(query)}


class IncidentTotals:
    """An incident's cost estimates per municipality over time (lines not superseded), from ONE query:
    ``before(at)`` equals ``incident_municipal_totals(incident_id=…, before=at)`` without a query per call."""

    def __init__(self, incident_id: int) -> None:
        query = (
            select(Decision.decided_at, Municipality.code, CostLine.estimate_dkk)
            .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
            .join(Decision, Decision.id == CostLine.decision_id)
            .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
            .order_by(Decision.decided_at)
        )
        self._series: dict[str, tuple[list[datetime], list[Decimal]]] = {}
        for at, code, amount in db.session.execute(query):
            times, sums = self._series.setdefault(code, ([], []))
            times.append(at)
            sums.append((sums[-1] if sums else Decimal(0)) + Decimal(amount))

    def before(self, at: datetime) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for code, (times, sums) in self._series.items():
            index = bisect.bisect_left(times, at)
            if index:
                result[code] = sums[index - 1]
        return result


@dataclass
class _Batch:
    ruleset: RuleSet
    totals: dict[int, IncidentTotals] = field(default_factory=dict)


_BATCH: ContextVar[_Batch | None] = ContextVar("consultation_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """``with batch():`` many ``required_consultations`` calls (a list of decisions) share ONE rules lookup
    and one query per incident for the R14 totals, instead of queries per decision. Read-only use only:
    rule changes inside the block are not seen."""
    token = _BATCH.set(_Batch(current_ruleset()))
    try:
        yield
    finally:
        _BATCH.reset(token)


def uses_incident_totals(facts: DecisionFacts) -> bool:
    """Whether the requirements of ``facts`` depend on the incident's earlier cost totals (R14-like rules),
    i.e. on the other decisions logged before it."""
    if facts.incident_id is None or not facts.costs:
        return False
    shared = _BATCH.get()
    ruleset = shared.ruleset if shared is not None else current_ruleset()
    return _uses_totals(facts, ruleset.compiled_at(facts.at))


def _uses_totals(facts: DecisionFacts, compiled: g.CompiledRules) -> bool:
    return bool(facts.incident_id is not None and facts.costs
                and any(r.kind == "incident_total" for r in compiled.in_force))


def required_consultations(*, facts: DecisionFacts) -> list[Requirement]:
    """The parties that must be consulted for a decision with these facts, by the rules in force at
    ``facts.at``, transitively. Ordered by party key. See :func:`batch` for many decisions at once."""
    shared = _BATCH.get()
    ruleset = shared.ruleset if shared is not None else current_ruleset()
    compiled = ruleset.compiled_at(facts.at)
    earlier: dict[str, Decimal] = {}
    if facts.incident_id is not None and _uses_totals(facts, compiled):
        if shared is not None:
            totals = shared.totals.get(facts.incident_id)
            if totals is None:
                totals = shared.totals[facts.incident_id] = IncidentTotals(facts.incident_id)
            earlier = totals.before(facts.at)
        else:
            earlier = incident_municipal_totals(incident_id=facts.incident_id, before=facts.at)
    key = (id(compiled), facts.staff, facts.type, facts.owner_organisation_id, facts.municipalities, facts.costs,
           facts.urgent, json.dumps(facts.conditions, sort_keys=True, default=str), tuple(sorted(earlier.items())))
    found = ruleset.results.get(key)
    if found is None:
        found = tuple(g.required(compiled.in_force, facts, ruleset.context, ruleset.graph_at(facts.at), earlier,
                                 compiled=compiled))
        if len(ruleset.results) >= RESULTS_CACHE_SIZE:
            ruleset.results.clear()
        ruleset.results[key] = found
    return list(found)


def logged_requirements(decision: Decision, facts: Callable[[], DecisionFacts]) -> list[Requirement]:
    """What a logged decision required: as stored when it was logged (the rules, parties and incident totals
    of that moment). Rows logged before requirements were stored are computed from ``facts()``."""
    stored = decision.required_consultations
    if stored is not None:
        return [Requirement.from_record(record) for record in stored]
    return required_consultations(facts=facts())


def required_consultations_many(
    *, facts: Sequence[DecisionFacts], earlier: Sequence[Mapping[str, Decimal]] | None = None
) -> list[list[Requirement]]:
    """``required_consultations`` for many decisions at once (bulk seeding): one rules lookup for all.
    ``earlier[i]`` (municipality code → the incident's total before ``facts[i]``) replaces the R14 query."""
    ruleset = current_ruleset()
    result = []
    for index, item in enumerate(facts):
        compiled = ruleset.compiled_at(item.at)
        totals: Mapping[str, Decimal] = {}
        if item.incident_id is not None and _uses_totals(item, compiled):
            if earlier is not None:
                totals = earlier[index]
            else:
                totals = incident_municipal_totals(incident_id=item.incident_id, before=item.at)
        result.append(g.required(compiled.in_force, item, ruleset.context, ruleset.graph_at(item.at), totals,
                                 compiled=compiled))
    return result


def unknown_party_keys(keys: Sequence[str]) -> list[str]:
    """The keys among ``keys`` that name no party (for validating consultations: a 422)."""
    wanted = {k for k in keys if isinstance(k, str)}
    known = set(db.session.scalars(select(Party.key).where(Party.key.in_(wanted)))) if wanted else set()
    return [k for k in keys if k not in known]


def rule_graph(*, at: datetime | None = None) -> nx.DiGraph:
    return current_ruleset().graph_at(at or utcnow())


# ------------------------------------------------------------------ the roster behind a party


@dataclass(frozen=True)
class SeatHolders:
    primary: Person | None
    deputies: list[Person]


def seat_holders(*, party_keys: Sequence[str], at: datetime) -> dict[str, SeatHolders]:
    """Who holds each party's seat at ``at`` (primary holder and deputies in rank order)."""
    parties = db.session.scalars(select(Party).where(Party.key.in_(list(party_keys)))).all()
    positions = {p.key: p.position_id for p in parties if p.position_id}
    result: dict[str, SeatHolders] = {}
    if not positions:
        return result
    rows = db.session.execute(
        select(Assignment.position_id, Assignment.rank, Person)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.position_id.in_(set(positions.values())), held_at(at))
        .order_by(Assignment.position_id, Assignment.rank)
    ).all()
    by_position: dict[int, list[tuple[int, Person]]] = {}
    for position_id, rank, person in rows:
        by_position.setdefault(position_id, []).append((rank, person))
    for key, position_id in positions.items():
        holders = by_position.get(position_id, [])
        primary = next((p for rank, p in holders if rank == 0), None)
        result[key] = SeatHolders(primary=primary, deputies=[p for rank, p in holders if rank > 0])
    return result


# ------------------------------------------------------------------ rule administration


def list_rules(*, include_retired: bool = True) -> Sequence[Rule]:
    query = select(Rule).order_by(Rule.code, Rule.version)
    if not include_retired:
        query = query.where(Rule.valid_to.is_(None))
    return db.session.scalars(query).all()


def get_rule(rule_id: int) -> Rule:
    rule = db.session.get(Rule, rule_id)
    if rule is None:
        raise NotFound("no such rule")
    return rule


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


def _candidate(data: RuleInput, *, valid_from: datetime, version: int) -> g.RuleData:
    return g.RuleData(id=-1, code=data.code, version=version, name=data.name, condition=data.condition,
                      mode=data.mode, timing=data.timing, valid_from=valid_from, source_role=data.source_role or None,
                      target_role=data.target_role or None, target_party_key=data.target_party_key or None)


def check_rule(data: RuleInput, *, at: datetime | None = None) -> g.RuleData:
    """Validate a new rule (or a new version of one) against the district and the rules in force."""
    at = at or utcnow()
    if not data.code.strip() or len(data.code) > 20:
        raise ValidationError("invalid rule", {"code": ["a code of 1 to 20 characters is required"]})
    if not data.name.strip() or len(data.name) > 200:
        raise ValidationError("invalid rule", {"name": ["a name of 1 to 200 characters is required"]})
    ruleset = current_ruleset()
    candidate = _candidate(data, valid_from=at, version=1)
    try:
        g.validate_rule(candidate, ruleset.context)
        others = [r for r in ruleset.in_force(at) if r.code != data.code]
        g.check_acyclic([*others, candidate], ruleset.context)
    except g.RuleError as error:
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
            raise ValidationError("invalid rule", {"valid_from": ["must be after the current version's start"]})
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
    if rule.valid_to is not None and rule.valid_to <= at:
        raise ValidationError("invalid rule", {"rule": ["this rule is already retired"]})
    if at <= rule.valid_from:
        at = rule.valid_from
    audit.record(by=by, action="consultation.rule.retire", object_type="consultation_rule", object_id=rule.id,
                 summary=f"rule {rule.code} v{rule.version} retired", changes={"valid_to": (rule.valid_to, at)})
    rule.valid_to = at
    db.session.flush()
    bump_rules_version()
    return rule


# ------------------------------------------------------------------ facts of a logged decision, compliance


def facts_of(decision: Decision) -> DecisionFacts:
    incident = db.session.get(Incident, decision.incident_id)

    def lines_of(decision_id: int | None) -> Sequence[CostLine]:
        if decision_id is None:
            return ()
        return db.session.scalars(select(CostLine).where(CostLine.decision_id == decision_id)
                                  .order_by(CostLine.id)).all()

    lines = lines_of(decision.id)
    return logged_decision_facts(
        decision, staff_code=decision.staff.code,
        municipalities=tuple(m.code for m in incident.municipalities) if incident else (),
        lines=lines, amended_lines=() if lines else lines_of(decision.amends_id),
    )


@dataclass(frozen=True)
class DecisionCompliance:
    decision: Decision
    required: list[Requirement]
    done: list[Consultation]
    missing: list[Requirement]


COMPLIANCE_PAGE = 100


@dataclass(frozen=True)
class ComplianceSummary:
    decisions: int
    with_gaps: int  # decisions that missed at least one required consultation
    missing: int  # required consultations missed, in all


@dataclass(frozen=True)
class CompliancePage:
    rows: list[DecisionCompliance]
    after: int  # the page shows decisions numbered after this …
    previous_after: int | None  # ``after`` of the previous page (None on the first)
    next_after: int | None  # ``after`` of the next page (None on the last)


def _compliance_rows(decisions: Sequence[Decision]) -> list[DecisionCompliance]:
    ids = [d.id for d in decisions]
    done_by_decision: dict[int, list[Consultation]] = {}
    if ids:
        for consultation in db.session.scalars(
            select(Consultation).where(Consultation.decision_id.in_(ids)).order_by(Consultation.id)
            .options(joinedload(Consultation.party))
        ):
            done_by_decision.setdefault(consultation.decision_id, []).append(consultation)
    result = []
    with batch():
        for decision in decisions:
            required = logged_requirements(decision, partial(facts_of, decision))
            done = done_by_decision.get(decision.id, [])
            done_keys = {c.party.key for c in done}
            result.append(DecisionCompliance(decision=decision, required=required, done=done,
                                             missing=[r for r in required if r.party_key not in done_keys]))
    return result


def _gap_filter(gaps_only: bool) -> ColumnElement[bool]:
    # Rows logged before gaps were stored (NULL) are judged on the page itself.
    return or_(Decision.missing_count > 0, Decision.missing_count.is_(None)) if gaps_only else true()


def compliance_page(*, incident_id: int, after: int = 0, gaps_only: bool = False,
                    size: int = COMPLIANCE_PAGE) -> CompliancePage:
    """Required vs. done consultations and the gaps of the decisions numbered after ``after`` (keyset by
    number), at most ``size``; ``gaps_only`` keeps the decisions that missed a required consultation."""
    where = and_(Decision.incident_id == incident_id, _gap_filter(gaps_only))
    decisions = db.session.scalars(
        select(Decision).where(where, Decision.number > after).order_by(Decision.number).limit(size + 1)
    ).all()
    following = decisions[size - 1].number if len(decisions) > size else None
    previous: int | None = None
    if after > 0:
        before = db.session.scalars(select(Decision.number).where(where, Decision.number <= after)
                                    .order_by(Decision.number.desc()).limit(size + 1)).all()
        previous = before[size] if len(before) > size else 0
    rows = _compliance_rows(decisions[:size])
    if gaps_only:
        rows = [row for row in rows if row.missing]
    return CompliancePage(rows=rows, after=after, previous_after=previous, next_after=following)


_summaries: VersionedCache[ComplianceSummary] = VersionedCache(256)


def compliance_summary(*, incident: Incident) -> ComplianceSummary:
    """Decisions, decisions with gaps and missed consultations of the incident, counted in SQL; kept per worker
    under the incident's versions (:mod:`lbs.versioned_cache`: a logged decision moves them)."""
    return _summaries.get(incident, lambda: _count_compliance(incident.id))


def _count_compliance(incident_id: int) -> ComplianceSummary:
    row = db.session.execute(
        select(func.count(), func.count().filter(Decision.missing_count > 0),
               func.coalesce(func.sum(Decision.missing_count), 0),
               func.count().filter(Decision.missing_count.is_(None)))
        .where(Decision.incident_id == incident_id)
    ).one()
    decisions, with_gaps, missing, unknown = (int(value or 0) for value in row)
    if unknown:  # rows logged before gaps were stored: judged one by one
        legacy = _compliance_rows(db.session.scalars(
            select(Decision).where(Decision.incident_id == incident_id, Decision.missing_count.is_(None))).all())
        with_gaps += sum(1 for row in legacy if row.missing)
        missing += sum(len(row.missing) for row in legacy)
    return ComplianceSummary(decisions=decisions, with_gaps=with_gaps, missing=missing)


def incident_compliance(*, incident_id: int, gaps_only: bool = False) -> list[DecisionCompliance]:
    """Every decision of the incident (for the CSV export), read a page at a time."""
    rows: list[DecisionCompliance] = []
    after: int | None = 0
    while after is not None:
        page = compliance_page(incident_id=incident_id, after=after, gaps_only=gaps_only, size=500)
        rows += page.rows
        after = page.next_after
    return rows


@dataclass(frozen=True)
class PreviewRow:
    decision: Decision
    added: list[Requirement]
    removed: list[Requirement]


def preview_rule(*, data: RuleInput, at: datetime | None = None) -> list[PreviewRow]:
    """What a new rule would change in the required sets of the demo incident's decisions (stores nothing)."""
    at = at or utcnow()
    candidate = check_rule(data, at=at)
    ruleset = current_ruleset()
    incident_id = db.session.scalar(
        select(Incident.id).where(Incident.exercise.is_(False)).order_by(Incident.id).limit(1)
    )
    if incident_id is None:
        return []
    decisions = db.session.scalars(
        select(Decision).where(Decision.incident_id == incident_id).order_by(Decision.number)
    ).all()
    rows = []
    for decision in decisions:
        facts = facts_of(decision)
        now_facts = DecisionFacts(**{**facts.__dict__, "at": at})
        before_rules = [r for r in ruleset.in_force(at)]
        after_rules = [r for r in before_rules if r.code != data.code] + [candidate]
        totals = incident_municipal_totals(incident_id=incident_id, before=decision.decided_at)
        before = {r.party_key: r for r in g.required(before_rules, now_facts, ruleset.context, None, totals)}
        after = {r.party_key: r for r in g.required(after_rules, now_facts, ruleset.context, None, totals)}
        rows.append(PreviewRow(decision=decision,
                               added=[r for k, r in sorted(after.items()) if k not in before],
                               removed=[r for k, r in sorted(before.items()) if k not in after]))
    return rows
