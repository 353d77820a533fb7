"""The consultation graph (pure: no database, no Flask): compile the rules and evaluate a decision.

Nodes are *decision conditions* (``condition:<code>``) and *parties* (``party:<key>``); rules are edges, from a
condition to the parties its target resolves to, or from a party to a party (chains, followed transitively).
:func:`required` evaluates a decision's facts against the rules in force. The rule data and its validation are
in :mod:`lbs.consultation.rule_schema`. The rule format is documented in docs/consultation-rules.md.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import networkx as nx

from lbs.consultation.facts import DecisionFacts, Requirement
from lbs.consultation.rule_schema import (
    ASSISTANCE_TYPES,
    MODE_RANK,
    TIMING_RANK,
    Context,
    MunicipalityData,
    PartyData,
    RuleData,
    RuleError,
    Scope,
    money_bound,
    share_of_budget,
)
from lbs.consultation.targets import all_scopes, resolve, scope_of_party

# ------------------------------------------------------------------ the graph


def condition_label(rule: RuleData) -> str:
    return rule.name


def _condition_key(rule: RuleData) -> str:
    return json.dumps(dict(rule.condition), sort_keys=True)


def _layer(party: PartyData) -> int:
    if party.staff_code == "LBS-O":
        return 1
    if party.staff_code == "LBS-S":
        return 2
    return 3


def build_graph(rules: Iterable[RuleData], context: Context) -> nx.DiGraph:
    """The rule graph: condition and party nodes, one edge per rule and resolved target."""
    graph = nx.DiGraph()
    rules = sorted(rules, key=lambda r: (r.code, r.version))
    condition_ids: dict[str, str] = {}
    for party in context.parties:
        graph.add_node(f"party:{party.key}", kind="party", key=party.key, label=party.name, role=party.role,
                       organisation_id=party.organisation_id, org_kind=party.organisation_kind,
                       municipality=party.municipality_code, layer=_layer(party))
    for rule in rules:
        if rule.kind == "party":
            for source in context.parties:
                if source.role != rule.source_role:
                    continue
                for target in resolve(rule, scope_of_party(source), context):
                    graph.add_edge(f"party:{source.key}", f"party:{target.key}", rule=rule.code,
                                   name=rule.name, mode=rule.mode, timing=rule.timing,
                                   municipalities=[source.municipality_code] if source.municipality_code else [])
            continue
        key = _condition_key(rule)
        node = condition_ids.setdefault(key, f"condition:{rule.code}")
        if node not in graph:
            graph.add_node(node, kind="condition", label=condition_label(rule), rules=[], layer=0,
                           types=list(rule.condition.get("types", [])), condition=dict(rule.condition))
        graph.nodes[node]["rules"].append(rule.code)
        for scope in all_scopes(rule, context):
            municipality = scope[1] if scope and scope[0] == "m" else None
            for target in resolve(rule, scope, context):
                edge = (node, f"party:{target.key}")
                if graph.has_edge(*edge) and graph.edges[edge]["rule"] == rule.code:
                    municipalities = graph.edges[edge]["municipalities"]
                    if municipality and municipality not in municipalities:
                        municipalities.append(municipality)
                    continue
                graph.add_edge(*edge, rule=rule.code, name=rule.name, mode=rule.mode, timing=rule.timing,
                               municipalities=[municipality] if municipality else [])
    return graph


def check_acyclic(rules: Iterable[RuleData], context: Context) -> None:
    """Raise RuleError when party-to-party rules would make a party (transitively) consult itself."""
    graph = build_graph(rules, context)
    parties = graph.subgraph(n for n, d in graph.nodes(data=True) if d["kind"] == "party")
    try:
        cycle = nx.find_cycle(parties)
    except nx.NetworkXNoCycle:
        return
    names = " → ".join(str(graph.nodes[u]["label"]) for u, _v in cycle)
    raise RuleError("source_role", f"the rule would make a party consult itself: {names}")


# ------------------------------------------------------------------ evaluating a decision


def _flag(facts: DecisionFacts, name: str, context: Context) -> bool:
    conditions = facts.conditions or {}
    if bool(conditions.get(name)):
        return True
    if name == "public_warning":
        return facts.type == "warning"
    if name == "disputed":
        return any(c.provisional for c in facts.costs) or bool(conditions.get("disputed_bearer_ids"))
    del context
    return False


def _ids(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def affected_municipalities(facts: DecisionFacts) -> list[str]:
    chosen = (facts.conditions or {}).get("municipalities")
    if isinstance(chosen, list) and chosen and all(isinstance(c, str) for c in chosen):
        return sorted(set(chosen))
    return sorted(set(facts.municipalities))


def _bound(value: Any, municipality: MunicipalityData) -> Decimal | None:
    bound = money_bound(value)
    if bound == "T1":
        return municipality.threshold_t1_dkk
    if bound == "T2":
        return municipality.threshold_t2_dkk
    return bound if isinstance(bound, Decimal) else None


def _municipal_totals(facts: DecisionFacts, context: Context) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for cost in facts.costs:
        municipality = context.municipality_of_org(cost.bearer_organisation_id)
        if municipality is not None:
            totals[municipality.code] = totals.get(municipality.code, Decimal(0)) + cost.estimate_dkk
    return totals


def _filters_pass(condition: Mapping[str, Any], facts: DecisionFacts, context: Context) -> bool:
    """Whether the decision passes a condition's type, staff, urgency and flag filters."""
    c = condition
    return not (("types" in c and facts.type not in c["types"])
                or ("staff" in c and facts.staff != c["staff"])
                or ("urgent" in c and bool(c["urgent"]) != facts.urgent)
                or ("flags" in c and not any(_flag(facts, f, context) for f in c["flags"])))


def scopes_for(rule: RuleData, facts: DecisionFacts, context: Context,
               incident_totals: Mapping[str, Decimal] | None = None) -> list[Scope | None]:
    """The scopes in which a condition rule fires for the decision (empty: it does not fire)."""
    c = rule.condition
    if not _filters_pass(c, facts, context):
        return []
    municipalities = affected_municipalities(facts)
    if "only_municipalities" in c:
        municipalities = [m for m in municipalities if m in c["only_municipalities"]]
        if not municipalities:
            return []
    kind = rule.kind
    scopes: list[Scope | None] = []
    if kind == "decision":
        scopes = [None] if rule.target_party_key else [("m", code) for code in municipalities]
    elif kind == "several_municipalities":
        if len(municipalities) >= 2:
            scopes = [None] if rule.target_party_key else [("m", code) for code in municipalities]
    elif kind == "owner_differs":
        orgs = {cost.bearer_organisation_id for cost in facts.costs}
        orgs |= set(_ids((facts.conditions or {}).get("affected_organisation_ids")))
        scopes = [("o", org) for org in sorted(orgs) if org != facts.owner_organisation_id]
    elif kind == "municipal_cost":
        totals = {k: v for k, v in _municipal_totals(facts, context).items()
                  if "only_municipalities" not in c or k in c["only_municipalities"]}
        any_bearer = any(_flag(facts, f, context) for f in c.get("or_flags", []))
        for code, total in sorted(totals.items()):
            municipality = context.municipality(code)
            assert municipality is not None
            low, high = _bound(c.get("min"), municipality), _bound(c.get("max"), municipality)
            if any_bearer or ((low is None or total > low) and (high is None or total <= high)):
                scopes.append(("m", code))
    elif kind == "assistance":
        kinds = c.get("kinds") or []
        orgs = set(_ids((facts.conditions or {}).get("assisting_organisation_ids")))
        orgs |= {cost.bearer_organisation_id for cost in facts.costs}
        if facts.type in ASSISTANCE_TYPES:
            orgs.add(facts.owner_organisation_id)
        scopes = [("o", org) for org in sorted(orgs) if context.organisation_kinds.get(org) in kinds]
    elif kind == "bearer_uncertain":
        conditions = facts.conditions or {}
        candidates = {cost.bearer_organisation_id for cost in facts.costs if cost.provisional}
        candidates |= set(_ids(conditions.get("disputed_bearer_ids")))
        if conditions.get("disputed"):
            candidates |= {cost.bearer_organisation_id for cost in facts.costs}
        if candidates:
            scopes = [None] if rule.target_party_key else [("o", org) for org in sorted(candidates)]
    elif kind == "incident_total":
        share = share_of_budget(c.get("share_of_budget", "0.002"))
        for code, total in sorted(_municipal_totals(facts, context).items()):
            municipality = context.municipality(code)
            if "only_municipalities" in c and code not in c["only_municipalities"]:
                continue
            if municipality is None or not municipality.budget_dkk:
                continue
            cumulative = total + (incident_totals or {}).get(code, Decimal(0))
            if cumulative > municipality.budget_dkk * share:
                scopes.append(("m", code))
    return scopes


@dataclass
class _Found:
    party: PartyData
    mode: str
    timing: str
    rule: str
    path: tuple[str, ...]
    flag: str = ""


def _better(new: _Found, old: _Found) -> bool:
    return (MODE_RANK[new.mode], -TIMING_RANK[new.timing], -len(new.path)) > (
        MODE_RANK[old.mode], -TIMING_RANK[old.timing], -len(old.path))


@dataclass
class CompiledRules:
    """The rules in force at one moment, indexed for :func:`required`: by code, and the condition rules
    that can fire for a (type, staff, urgent) combination, in code order (computed once per combination)."""

    in_force: tuple[RuleData, ...]
    by_code: dict[str, RuleData]
    conditions: tuple[RuleData, ...]
    _candidates: dict[tuple[str, str, bool], tuple[tuple[RuleData, ...], dict[str, list[RuleData]]]] = field(
        default_factory=dict, repr=False)

    def candidates(self, facts: DecisionFacts) -> list[RuleData]:
        """The condition rules whose type/staff/urgency filters pass, and of the local rules
        (``only_municipalities``) only those of the affected municipalities; in code order."""
        key = (facts.type, facts.staff, facts.urgent)
        found = self._candidates.get(key)
        if found is None:
            general: list[RuleData] = []
            local: dict[str, list[RuleData]] = {}
            for r in self.conditions:
                if ("types" in r.condition and facts.type not in r.condition["types"]) or (
                        "staff" in r.condition and facts.staff != r.condition["staff"]) or (
                        "urgent" in r.condition and bool(r.condition["urgent"]) != facts.urgent):
                    continue
                only = r.condition.get("only_municipalities")
                if only:
                    for code in only:
                        local.setdefault(code, []).append(r)
                else:
                    general.append(r)
            found = (tuple(general), local)
            if len(self._candidates) < 1024:
                self._candidates[key] = found
        general_rules, local_rules = found
        if not local_rules:
            return list(general_rules)
        chosen = {id(r): r for code in affected_municipalities(facts) for r in local_rules.get(code, ())}
        if not chosen:
            return list(general_rules)
        return sorted([*general_rules, *chosen.values()], key=lambda r: r.code)


def compile_rules(rules: Iterable[RuleData], at: datetime) -> CompiledRules:
    """Index the rules in force at ``at`` (cache the result per rules version and in-force set)."""
    in_force = tuple(r for r in rules if r.in_force(at))
    by_code: dict[str, RuleData] = {}
    for rule in in_force:
        by_code.setdefault(rule.code, rule)
    conditions = tuple(r for r in sorted(in_force, key=lambda r: r.code) if r.kind != "party")
    return CompiledRules(in_force=in_force, by_code=by_code, conditions=conditions)


def required(rules: Sequence[RuleData], facts: DecisionFacts, context: Context, graph: nx.DiGraph | None = None,
             incident_totals: Mapping[str, Decimal] | None = None,
             compiled: CompiledRules | None = None) -> list[Requirement]:
    """The parties required for a decision by ``rules`` (those in force at ``facts.at`` are used), with the
    rule and the path of rules that requires each; party-to-party rules are followed transitively.
    ``compiled`` (from :func:`compile_rules` for the same rules and moment) avoids re-indexing the rules."""
    if compiled is None:
        compiled = compile_rules(rules, facts.at)
    in_force = compiled.in_force
    graph = graph if graph is not None else build_graph(in_force, context)
    found: dict[str, _Found] = {}
    queue: deque[_Found] = deque()
    for rule in compiled.candidates(facts):
        timing = rule.timing
        if facts.urgent and rule.condition.get("timing_if_urgent"):
            timing = str(rule.condition["timing_if_urgent"])
        for scope in scopes_for(rule, facts, context, incident_totals):
            for party in resolve(rule, scope, context):
                queue.append(_Found(party, rule.mode, timing, rule.code, (rule.code,),
                                    str(rule.condition.get("flag", ""))))
    while queue:
        item = queue.popleft()
        old = found.get(item.party.key)
        if old is not None and not _better(item, old):
            if item.flag and not old.flag:
                old.flag = item.flag
            continue
        if old is not None and old.flag and not item.flag:
            item.flag = old.flag
        found[item.party.key] = item
        node = f"party:{item.party.key}"
        if node not in graph:
            continue
        for _source, target, data in graph.out_edges(node, data=True):
            rule_code = str(data["rule"])
            if rule_code in item.path:
                continue
            chain = compiled.by_code.get(rule_code)
            if chain is None:
                continue
            modes = chain.condition.get("source_modes")
            if modes and item.mode not in modes:
                continue
            target_party = context.party(str(graph.nodes[target]["key"]))
            if target_party is None or target_party.key == item.party.key:
                continue
            queue.append(_Found(target_party, chain.mode, chain.timing, chain.code, (*item.path, chain.code)))
    return [
        Requirement(party_key=f.party.key, name=f.party.name, organisation_id=f.party.organisation_id,
                    mode=f.mode, rule=f.rule, timing=f.timing, path=f.path, flag=f.flag)
        for _key, f in sorted(found.items())
    ]


def why_edges(requirements: Iterable[Requirement], graph: nx.DiGraph) -> set[tuple[str, str]]:
    """The graph edges on the rule paths that make a required set (for highlighting)."""
    edges: set[tuple[str, str]] = set()
    by_key = {r.party_key: r for r in requirements}
    for requirement in by_key.values():
        target = f"party:{requirement.party_key}"
        code = requirement.rule
        for source, _t, data in graph.in_edges(target, data=True):
            if data.get("rule") != code:
                continue
            if str(source).startswith("condition:") and len(requirement.path) == 1:
                edges.add((str(source), target))
            elif str(source).startswith("party:"):
                source_key = str(source).removeprefix("party:")
                previous = by_key.get(source_key)
                if previous is not None and previous.path == requirement.path[:-1]:
                    edges.add((str(source), target))
    return edges
