"""The consultation graph (pure: no database, no Flask).

Nodes are *decision conditions* (``condition:<code>``) and *parties* (``party:<key>``); rules are edges.
A condition rule is an edge from its condition node to every party its target can resolve to; a
party-to-party rule (``{"when": "party"}``) is an edge from a party to the party of the target role in
the same municipality/organisation ("whoever approves above T2 must also inform the council").

``Rule.condition`` JSON format (all keys optional except ``when``)::

    {"when": KIND,                   # what triggers the rule and over which scopes its target resolves
     "types": ["evacuation", ...],   # filter: the decision type must be one of these
     "staff": "LBS-S",               # filter: the decision was taken in this staff
     "urgent": true,                 # filter: the decision's urgent flag must equal this
     "flags": ["vulnerable", ...],   # filter: at least one of these facts must be true (see FLAG FACTS)
     "timing_if_urgent": "after",    # timing used instead of the rule's own when the decision is urgent
     "flag": "significant_financial_event",  # a flag the requirement carries (shown, e.g. R14)
     "only_municipalities": ["657"], # filter: a local rule; fires only in these municipalities (national scale)
     ...kind-specific keys}

KIND and its scopes (the target role is resolved in each scope):
- ``decision``: each affected municipality (target roles per municipality), or just the fixed
  ``target_party_key``.
- ``several_municipalities``: each affected municipality, when there are at least two (R13).
- ``owner_differs``: each cost bearer and each ``conditions["affected_organisation_ids"]`` organisation
  other than the owner (R1).
- ``municipal_cost``: each municipality whose organisation bears, in this decision, a total with
  ``min`` < total <= ``max``; ``min``/``max`` are ``"T1"``, ``"T2"`` (that municipality's thresholds) or
  a money string ``"125000.00"``; absent means unbounded. ``"or_flags": [...]``: any municipal bearer
  also counts when one of these facts is true (R6: supplementary grant) (R5, R6, R7).
- ``assistance``: each assisting organisation whose kind is in ``"kinds"`` (R9, R10).
- ``bearer_uncertain``: each candidate bearer when a line is provisional or the bearer is disputed (R8).
- ``incident_total``: each municipality bearing cost in this decision whose incident total (earlier
  decisions plus this one) exceeds ``"share_of_budget"`` (e.g. ``"0.002"``) of its budget (R14).
- ``party``: a party-to-party rule from ``source_role`` to ``target_role`` in the source's scope;
  ``"source_modes": ["approve"]`` limits it to sources required in one of these modes.

Target roles: the party roles (``representative``, ``kommunaldirektoer``, ``borgmester``, …) resolved in
the scope's municipality or organisation, plus the derived roles ``fire_service`` (the municipality's
fire service), ``regional_health`` (the AMK of the municipality's region) and ``region_kommunikation``
(its region's communication lead). ``target_party_key`` names one fixed party instead.

FLAG FACTS (``DecisionFacts.conditions`` keys, read together with what can be derived):
- ``vulnerable`` (bool), ``public_warning`` (bool; also true for type ``warning``),
  ``statutory_before_grant`` (bool), ``supplementary_grant`` (bool), ``disputed`` (bool: the bearer is
  disputed; also true when any cost line is provisional), ``disputed_bearer_ids`` (list of organisation
  ids: the candidate bearers), ``assisting_organisation_ids`` (list of organisation ids; for types
  ``assistance_request``/``resource_request`` the owner counts too, and any cost bearer counts),
  ``affected_organisation_ids`` (list of organisation ids), ``municipalities`` (list of codes: the
  municipalities this decision affects; default: the incident's).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import networkx as nx

from lbs.consultation.facts import DecisionFacts, Requirement
from lbs.money import MoneyError, parse_money

MODES = ("inform", "consult", "approve")
TIMINGS = ("before", "after", "at_once", "next_meeting")
KINDS = ("decision", "several_municipalities", "owner_differs", "municipal_cost", "assistance",
         "bearer_uncertain", "incident_total", "party")
MUNICIPAL_ROLES = ("representative", "kommunaldirektoer", "borgmester", "oekonomiudvalg", "byraad",
                   "socialdirektoer", "oekonomi", "kommunikation")
DERIVED_ROLES = ("fire_service", "regional_health", "region_kommunikation")
FLAG_KEYS = ("vulnerable", "public_warning", "statutory_before_grant", "supplementary_grant", "disputed")
ASSISTANCE_TYPES = ("assistance_request", "resource_request")
MODE_RANK = {"inform": 0, "consult": 1, "approve": 2}
TIMING_RANK = {"before": 0, "at_once": 1, "after": 2, "next_meeting": 3}


class RuleError(ValueError):
    """A rule that cannot be part of the graph; ``field`` names the offending part."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class RuleData:
    id: int
    code: str
    version: int
    name: str
    condition: Mapping[str, Any]
    mode: str
    timing: str
    valid_from: datetime
    valid_to: datetime | None = None
    source_role: str | None = None
    target_role: str | None = None
    target_party_key: str | None = None

    @property
    def kind(self) -> str:
        return str(self.condition.get("when", ""))

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class PartyData:
    key: str
    name: str
    role: str
    organisation_id: int
    organisation_kind: str
    organisation_parent_id: int | None = None
    municipality_code: str | None = None
    position_id: int | None = None
    staff_code: str | None = None  # the staff of the party's seat, if any


@dataclass(frozen=True)
class MunicipalityData:
    code: str
    name: str
    organisation_id: int
    region_organisation_id: int | None
    fire_service_id: int | None
    threshold_t1_dkk: Decimal
    threshold_t2_dkk: Decimal
    budget_dkk: Decimal | None = None


@dataclass
class Context:
    """The district the rules are resolved in: parties, municipalities, organisation kinds."""

    parties: tuple[PartyData, ...]
    municipalities: tuple[MunicipalityData, ...]
    organisation_kinds: Mapping[int, str] = field(default_factory=dict)
    _by_key: dict[str, PartyData] = field(init=False, repr=False, compare=False)
    _by_code: dict[str, MunicipalityData] = field(init=False, repr=False, compare=False)
    _by_org: dict[int, MunicipalityData] = field(init=False, repr=False, compare=False)
    _index: dict[tuple[str, str, Any], list[PartyData]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key = {p.key: p for p in self.parties}
        self._by_code = {m.code: m for m in self.municipalities}
        self._by_org = {m.organisation_id: m for m in self.municipalities}
        self._index = {}
        for p in self.parties:
            self._index.setdefault((p.role, "m", p.municipality_code), []).append(p)
            self._index.setdefault((p.role, "o", p.organisation_id), []).append(p)
            self._index.setdefault((p.role, "parent", p.organisation_parent_id), []).append(p)

    def find(self, role: str, by: str, value: Any) -> list[PartyData]:
        """Parties of a role by municipality code ("m"), organisation ("o") or parent organisation ("parent")."""
        return list(self._index.get((role, by, value), ()))

    def party(self, key: str) -> PartyData | None:
        return self._by_key.get(key)

    def municipality(self, code: str) -> MunicipalityData | None:
        return self._by_code.get(code)

    def municipality_of_org(self, organisation_id: int) -> MunicipalityData | None:
        return self._by_org.get(organisation_id)

    def roles(self) -> set[str]:
        return {p.role for p in self.parties} | set(DERIVED_ROLES)


# A scope the target role is resolved in: ("m", municipality code) or ("o", organisation id).
Scope = tuple[str, Any]


# ------------------------------------------------------------------ validation


def _money_bound(value: Any) -> Decimal | str | None:
    """A threshold: "T1", "T2", or money as the API takes it ("125000.00" or a whole number)."""
    if value is None or value in ("T1", "T2"):
        return value  # type: ignore[no-any-return]
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise RuleError("condition", "a threshold must be T1, T2 or an amount of money, e.g. \"125000.00\"") from exc


def _share(value: Any) -> Decimal:
    try:
        share = Decimal(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    except InvalidOperation:
        share = None
    if share is None or not share.is_finite() or not 0 < share < 1:
        raise RuleError("condition", "share_of_budget must be a fraction between 0 and 1, e.g. \"0.002\"")
    return share


def validate_rule(rule: RuleData, context: Context) -> None:
    """Raise RuleError when a rule names an unknown kind, role or party or a threshold that is not money."""
    condition = rule.condition
    if not isinstance(condition, Mapping) or rule.kind not in KINDS:
        raise RuleError("condition", f"unknown condition kind; use one of {', '.join(KINDS)}")
    if rule.mode not in MODES:
        raise RuleError("mode", "unknown mode")
    if rule.timing not in TIMINGS:
        raise RuleError("timing", "unknown timing")
    roles = context.roles()
    if rule.target_party_key:
        if context.party(rule.target_party_key) is None:
            raise RuleError("target_party_key", f"unknown party {rule.target_party_key!r}")
    elif not rule.target_role:
        raise RuleError("target_role", "a rule needs a target role or a target party")
    elif rule.target_role not in roles:
        raise RuleError("target_role", f"unknown party role {rule.target_role!r}")
    if rule.kind == "party" and (not rule.source_role or rule.source_role not in roles):
        raise RuleError("source_role", "a party-to-party rule needs a known source role")
    for key in ("min", "max"):
        if key in condition:
            _money_bound(condition[key])
    if "share_of_budget" in condition:
        _share(condition["share_of_budget"])
    if "timing_if_urgent" in condition and condition["timing_if_urgent"] not in TIMINGS:
        raise RuleError("condition", "unknown timing_if_urgent")
    for key in ("types", "flags", "or_flags", "kinds", "source_modes", "only_municipalities"):
        if key in condition and not (isinstance(condition[key], list)
                                     and all(isinstance(v, str) for v in condition[key])):
            raise RuleError("condition", f"{key} must be a list of strings")


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


# ------------------------------------------------------------------ resolving targets


def _representatives_of(organisation_id: int, context: Context) -> list[PartyData]:
    own = context.find("representative", "o", organisation_id)
    if own:
        return own
    # An umbrella organisation (e.g. Beredskabsstyrelsen) is represented by its units' representatives.
    return context.find("representative", "parent", organisation_id)


def _municipal_party(role: str, municipality: MunicipalityData, context: Context) -> list[PartyData]:
    if role == "fire_service":
        return _representatives_of(municipality.fire_service_id, context) if municipality.fire_service_id else []
    if role == "regional_health":
        if municipality.region_organisation_id is None:
            return []
        return context.find("representative", "parent", municipality.region_organisation_id)
    if role == "region_kommunikation":
        return context.find("kommunikation", "o", municipality.region_organisation_id)
    return context.find(role, "m", municipality.code)


def resolve(rule: RuleData, scope: Scope | None, context: Context) -> list[PartyData]:
    """The parties a rule's target means in a scope."""
    if rule.target_party_key:
        party = context.party(rule.target_party_key)
        return [party] if party else []
    role = rule.target_role or ""
    if scope is None:
        return []
    kind, value = scope
    if kind == "m":
        municipality = context.municipality(value)
        return _municipal_party(role, municipality, context) if municipality else []
    municipality = context.municipality_of_org(value)
    if municipality is not None:
        return _municipal_party(role, municipality, context)
    if role == "representative":
        return _representatives_of(value, context)
    return context.find(role, "o", value)


def _scope_of_party(party: PartyData) -> Scope:
    return ("m", party.municipality_code) if party.municipality_code else ("o", party.organisation_id)


def _all_scopes(rule: RuleData, context: Context) -> list[Scope | None]:
    if rule.target_party_key:
        return [None]
    only = rule.condition.get("only_municipalities")
    scopes: list[Scope | None] = [("m", m.code) for m in context.municipalities if not only or m.code in only]
    if rule.kind in ("owner_differs", "assistance", "bearer_uncertain"):
        kinds = rule.condition.get("kinds")
        scopes += [("o", org) for org, kind in sorted(context.organisation_kinds.items())
                   if context.municipality_of_org(org) is None and (not kinds or kind in kinds)]
    return scopes


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
                for target in resolve(rule, _scope_of_party(source), context):
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
        for scope in _all_scopes(rule, context):
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
    bound = _money_bound(value)
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


def scopes_for(rule: RuleData, facts: DecisionFacts, context: Context,
               incident_totals: Mapping[str, Decimal] | None = None) -> list[Scope | None]:
    """The scopes in which a condition rule fires for the decision (empty: it does not fire)."""
    c = rule.condition
    if "types" in c and facts.type not in c["types"]:
        return []
    if "staff" in c and facts.staff != c["staff"]:
        return []
    if "urgent" in c and bool(c["urgent"]) != facts.urgent:
        return []
    if "flags" in c and not any(_flag(facts, f, context) for f in c["flags"]):
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
        share = _share(c.get("share_of_budget", "0.002"))
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
