"""The rule set: what a decision requires, by the rules in force, with every cache behind one interface.

Callers use only these functions: :func:`current_ruleset` (the rules, the district context and the graphs of the
database's current rules version), :func:`required_consultations` (one decision), :func:`required_consultations_many`
(bulk seeding), :func:`batch` (many calls sharing one rules lookup), :func:`uses_incident_totals` and
:func:`rule_graph`. Rule changes go through :func:`bump_rules_version`, in the transaction that makes them.

The caches, outermost first:

1. **The process cache of rule sets**, keyed by the database's identity, the *rules version* and the *rules stamp*.
   Both are rows of ``AppState`` written by :func:`bump_rules_version` in the transaction that changes the rules,
   so they are committed (or rolled back) together with the change. Every gunicorn worker, on every host, reads
   them from the shared database on each lookup (one statement on two primary keys) and rebuilds when they
   differ from the key it holds: no worker can serve rules older than the database's. The version alone is not
   enough: a change rolled back after a worker cached its rule set, then another change committed, reach the same
   number; the stamp (a random 31-bit number drawn by each change) tells them apart.
2. **Compiled rules** (:class:`~lbs.consultation.graph.CompiledRules`) per set of rules in force, inside a rule set.
3. **Graphs** per set of rules in force, inside a rule set.
4. **Results**: the requirements per (compiled rules, the facts that matter, the incident's earlier cost totals),
   the facts' free-form ``conditions`` as sorted JSON. :func:`~lbs.consultation.graph.required` is a pure function
   of exactly these, so a hit is always right; bounded, and dropped with the rule set.
5. **Candidates**: the condition rules that can fire per (type, staff, urgency), memoised inside the compiled rules.

All five live in the rule set of one version, so a rule change drops them all at once. The batch (a context
variable) only pins one rule set for a block of read-only calls, to skip the version lookup per call.

Rule R14 (``incident_total``) looks at the incident's cost totals of the decisions logged before: those live in
the decision log, above this package, so the caller passes them (``incident_totals``, or ``earlier``).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import networkx as nx
from sqlalchemy import Select, select

from lbs.audit.models import AppState
from lbs.consultation import graph as rulegraph
from lbs.consultation.facts import DecisionFacts, Requirement
from lbs.consultation.models import Party, Rule
from lbs.consultation.rule_schema import Context, MunicipalityData, PartyData, RuleData
from lbs.database import database_identity
from lbs.extensions import db
from lbs.organisations.models import Municipality, Organisation
from lbs.staffs.models import Position, Staff
from lbs.timeutil import utcnow

RULES_VERSION_KEY = "rules_version"
RULES_STAMP_KEY = "rules_stamp"
RULESETS_KEPT = 32
RESULTS_CACHE_SIZE = 50_000

IncidentTotalsSource = Callable[[int, datetime], Mapping[str, Decimal]]
"""``(incident_id, before)`` → municipality code → the incident's cost estimate before that moment (for R14)."""


# ------------------------------------------------------------------ the rules version


def rules_version() -> int:
    state = db.session.get(AppState, RULES_VERSION_KEY)
    return state.value if state else 0


def bump_rules_version() -> int:
    """Count the rules version up and draw a new stamp, in the transaction that changes the rules: the cached rule
    sets are keyed by both (see the module's docstring)."""
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


# ------------------------------------------------------------------ the rule set of one version


@dataclass
class RuleSet:
    """The rules (all versions), the district context and the graphs built from them, for one version."""

    version: int
    rules: tuple[RuleData, ...]
    context: Context
    graphs: dict[tuple[int, ...], nx.DiGraph] = field(default_factory=dict)
    compiled: dict[tuple[int, ...], rulegraph.CompiledRules] = field(default_factory=dict)
    results: dict[tuple[Any, ...], tuple[Requirement, ...]] = field(default_factory=dict)

    def in_force(self, at: datetime) -> list[RuleData]:
        return [r for r in self.rules if r.in_force(at)]

    def compiled_at(self, at: datetime) -> rulegraph.CompiledRules:
        """The rules in force at ``at``, indexed (cached per in-force set)."""
        key = tuple(r.id for r in self.rules if r.in_force(at))
        found = self.compiled.get(key)
        if found is None:
            found = self.compiled[key] = rulegraph.compile_rules(self.rules, at)
        return found

    def graph_at(self, at: datetime) -> nx.DiGraph:
        """The graph of the rules in force at ``at`` (cached per in-force set)."""
        rules = self.in_force(at)
        key = tuple(r.id for r in rules)
        if key not in self.graphs:
            self.graphs[key] = rulegraph.build_graph(rules, self.context)
        return self.graphs[key]

    def required(self, facts: DecisionFacts, compiled: rulegraph.CompiledRules,
                 earlier: Mapping[str, Decimal]) -> list[Requirement]:
        """The requirements of ``facts`` (``compiled``: this set's :meth:`compiled_at` ``facts.at``) with these
        earlier incident totals, from the results cache (see the module's docstring)."""
        key = (id(compiled), facts.staff, facts.type, facts.owner_organisation_id, facts.municipalities,
               facts.costs, facts.urgent, json.dumps(facts.conditions, sort_keys=True, default=str),
               tuple(sorted(earlier.items())))
        found = self.results.get(key)
        if found is None:
            found = tuple(rulegraph.required(compiled.in_force, facts, self.context, self.graph_at(facts.at),
                                             earlier, compiled=compiled))
            if len(self.results) >= RESULTS_CACHE_SIZE:
                self.results.clear()
            self.results[key] = found
        return list(found)


def _rule_data(rule: Rule) -> RuleData:
    return RuleData(
        id=rule.id, code=rule.code, version=rule.version, name=rule.name, condition=dict(rule.condition or {}),
        mode=rule.mode.value, timing=rule.timing.value, valid_from=rule.valid_from, valid_to=rule.valid_to,
        source_role=rule.source_role, target_role=rule.target_role, target_party_key=rule.target_party_key,
    )


def _load_context() -> Context:
    organisations = db.session.execute(select(Organisation.id, Organisation.kind, Organisation.parent_id)).all()
    parent = {row.id: row.parent_id for row in organisations}
    kinds = {row.id: row.kind.value for row in organisations}
    rows = db.session.execute(
        select(Party, Position.staff_id).outerjoin(Position, Position.id == Party.position_id).order_by(Party.key)
    ).all()
    staff_codes = {row.id: row.code for row in db.session.execute(select(Staff.id, Staff.code))}
    parties = tuple(
        PartyData(key=p.key, name=p.name, role=p.role, organisation_id=p.organisation_id,
                  organisation_kind=kinds.get(p.organisation_id, "other"),
                  organisation_parent_id=parent.get(p.organisation_id), municipality_code=p.municipality_code,
                  position_id=p.position_id, staff_code=staff_codes.get(staff_id) if staff_id else None)
        for p, staff_id in rows
    )
    municipalities = tuple(
        MunicipalityData(code=m.code, name=m.name, organisation_id=m.organisation_id,
                         region_organisation_id=m.region_organisation_id, fire_service_id=m.fire_service_id,
                         threshold_t1_dkk=m.threshold_t1_dkk, threshold_t2_dkk=m.threshold_t2_dkk,
                         budget_dkk=m.budget_dkk)
        for m in db.session.scalars(select(Municipality).order_by(Municipality.code))
    )
    return Context(parties=parties, municipalities=municipalities, organisation_kinds=kinds)


_CACHE: dict[tuple[Any, ...], RuleSet] = {}
_CACHE_LOCK = threading.Lock()
_SIGNATURE_QUERY: Select[Any] | None = None


def _rules_signature() -> tuple[Any, ...]:
    """The rules version and its stamp: two primary-key reads in one statement, whatever the number of rules
    (every write and most pages ask)."""
    global _SIGNATURE_QUERY
    if _SIGNATURE_QUERY is None:
        version, stamp = (select(AppState.value).where(AppState.key == key).scalar_subquery()
                          for key in (RULES_VERSION_KEY, RULES_STAMP_KEY))
        _SIGNATURE_QUERY = select(version, stamp)
    return tuple(db.session.execute(_SIGNATURE_QUERY).one())


def current_ruleset() -> RuleSet:
    """The rules and graphs for the database's current rules version (rebuilt when it changes); inside
    :func:`batch`, the batch's."""
    shared = _BATCH.get()
    if shared is not None:
        return shared
    signature = _rules_signature()
    key = (database_identity(), *signature)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    rows = db.session.scalars(select(Rule).order_by(Rule.code, Rule.version)).all()
    ruleset = RuleSet(version=int(signature[0] or 0), rules=tuple(_rule_data(r) for r in rows),
                      context=_load_context())
    with _CACHE_LOCK:
        if len(_CACHE) > RULESETS_KEPT:
            _CACHE.clear()
        _CACHE[key] = ruleset
    return ruleset


_BATCH: ContextVar[RuleSet | None] = ContextVar("consultation_batch", default=None)


@contextmanager
def batch() -> Iterator[RuleSet]:
    """``with batch():`` many calls (a list of decisions) share ONE rules lookup instead of one per call.
    Read-only use only: rule changes inside the block are not seen."""
    ruleset = current_ruleset()
    token = _BATCH.set(ruleset)
    try:
        yield ruleset
    finally:
        _BATCH.reset(token)


# ------------------------------------------------------------------ what a decision requires


def uses_incident_totals(facts: DecisionFacts) -> bool:
    """Whether the requirements of ``facts`` depend on the incident's earlier cost totals (R14-like rules),
    i.e. on the other decisions logged before it."""
    if facts.incident_id is None or not facts.costs:
        return False
    return _uses_totals(facts, current_ruleset().compiled_at(facts.at))


def _uses_totals(facts: DecisionFacts, compiled: rulegraph.CompiledRules) -> bool:
    return bool(facts.incident_id is not None and facts.costs
                and any(r.kind == "incident_total" for r in compiled.in_force))


def required_consultations(*, facts: DecisionFacts,
                           incident_totals: IncidentTotalsSource | None = None) -> list[Requirement]:
    """The parties that must be consulted for a decision with these facts, by the rules in force at ``facts.at``,
    transitively; ordered by party key. ``incident_totals`` is asked for the incident's earlier cost totals when a
    rule in force needs them (decisions of an incident with costs); without it such facts are an error."""
    ruleset = current_ruleset()
    compiled = ruleset.compiled_at(facts.at)
    earlier: Mapping[str, Decimal] = {}
    if facts.incident_id is not None and _uses_totals(facts, compiled):
        if incident_totals is None:
            raise ValueError("these facts need the incident's earlier cost totals (rule R14)")
        earlier = incident_totals(facts.incident_id, facts.at)
    return ruleset.required(facts, compiled, earlier)


def required_consultations_many(
    *, facts: Sequence[DecisionFacts], earlier: Sequence[Mapping[str, Decimal]] | None = None
) -> list[list[Requirement]]:
    """``required_consultations`` for many decisions at once (bulk seeding): one rules lookup for all, and no
    results cache (every seeded decision differs). ``earlier[i]`` is the incident's cost totals before
    ``facts[i]`` (municipality code → amount), needed when a rule in force looks at them."""
    ruleset = current_ruleset()
    result = []
    for index, item in enumerate(facts):
        compiled = ruleset.compiled_at(item.at)
        totals: Mapping[str, Decimal] = {}
        if _uses_totals(item, compiled):
            if earlier is None:
                raise ValueError("these facts need the incident's earlier cost totals (rule R14)")
            totals = earlier[index]
        result.append(rulegraph.required(compiled.in_force, item, ruleset.context, ruleset.graph_at(item.at),
                                         totals, compiled=compiled))
    return result


def rule_graph(*, at: datetime | None = None) -> nx.DiGraph:
    """The graph of the rules in force at ``at`` (default: now)."""
    return current_ruleset().graph_at(at or utcnow())
