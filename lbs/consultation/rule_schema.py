"""The rule format: the data the consultation graph is built from, and the check of a rule's JSON (pure).

A rule (:class:`RuleData`) is resolved in a district (:class:`Context`: parties, municipalities, organisation
kinds). :func:`validate_rule` refuses a rule the graph could not use. The rule format is documented in
docs/consultation-rules.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lbs.errors import N_
from lbs.money import MoneyError, parse_money

MODES = ("inform", "consult", "approve")
TIMINGS = ("before", "after", "at_once", "next_meeting")
KINDS = ("decision", "several_municipalities", "owner_differs", "municipal_cost", "assistance",
         "bearer_uncertain", "incident_total", "party")
MUNICIPAL_ROLES = ("representative", "kommunaldirektoer", "borgmester", "oekonomiudvalg", "byraad",
                   "socialdirektoer", "oekonomi", "kommunikation")
DERIVED_ROLES = ("fire_service", "regional_health", "region_kommunikation")
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

# A condition is a small JSON object: bounded so that no rule can make the editor, the graph or the stored
# JSON recurse deeply or grow large.
MAX_CONDITION_DEPTH = 20
MAX_CONDITION_NODES = 200


def condition_too_large(condition: Any) -> bool:
    """Whether a condition nests deeper than :data:`MAX_CONDITION_DEPTH` or holds more than
    :data:`MAX_CONDITION_NODES` values (keys not counted); walked without recursion, stopping at the limit."""
    stack: list[tuple[Any, int]] = [(condition, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > MAX_CONDITION_DEPTH or nodes > MAX_CONDITION_NODES:
            return True
        if isinstance(value, Mapping):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


def money_bound(value: Any) -> Decimal | str | None:
    """A threshold: "T1", "T2", or money as the API takes it ("125000.00" or a whole number)."""
    if value is None or value in ("T1", "T2"):
        return value  # type: ignore[no-any-return]
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise RuleError("condition",
                        N_("a threshold must be T1, T2 or an amount of money, e.g. \"125000.00\"")) from exc


def share_of_budget(value: Any) -> Decimal:
    try:
        share = Decimal(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    except InvalidOperation:
        share = None
    if share is None or not share.is_finite() or not 0 < share < 1:
        raise RuleError("condition", N_("share_of_budget must be a fraction between 0 and 1, e.g. \"0.002\""))
    return share


def validate_rule(rule: RuleData, context: Context) -> None:
    """Raise RuleError when a rule names an unknown kind, role or party or a threshold that is not money."""
    condition = rule.condition
    if condition_too_large(condition):
        raise RuleError("condition", N_("a condition may nest at most %(depth)s levels deep and hold at most "
                                        "%(nodes)s values", depth=MAX_CONDITION_DEPTH, nodes=MAX_CONDITION_NODES))
    if not isinstance(condition, Mapping) or rule.kind not in KINDS:
        raise RuleError("condition", N_("unknown condition kind; use one of %(kinds)s", kinds=", ".join(KINDS)))
    if rule.mode not in MODES:
        raise RuleError("mode", N_("unknown mode"))
    if rule.timing not in TIMINGS:
        raise RuleError("timing", N_("unknown timing"))
    roles = context.roles()
    if rule.target_party_key:
        if context.party(rule.target_party_key) is None:
            raise RuleError("target_party_key", N_("unknown party %(key)s", key=repr(rule.target_party_key)))
    elif not rule.target_role:
        raise RuleError("target_role", N_("a rule needs a target role or a target party"))
    elif rule.target_role not in roles:
        raise RuleError("target_role", N_("unknown party role %(role)s", role=repr(rule.target_role)))
    if rule.kind == "party" and (not rule.source_role or rule.source_role not in roles):
        raise RuleError("source_role", N_("a party-to-party rule needs a known source role"))
    for key in ("min", "max"):
        if key in condition:
            money_bound(condition[key])
    if "share_of_budget" in condition:
        share_of_budget(condition["share_of_budget"])
    if "timing_if_urgent" in condition and condition["timing_if_urgent"] not in TIMINGS:
        raise RuleError("condition", N_("unknown timing_if_urgent"))
    for key in ("types", "flags", "or_flags", "kinds", "source_modes", "only_municipalities"):
        if key in condition and not (isinstance(condition[key], list)
                                     and all(isinstance(v, str) for v in condition[key])):
            raise RuleError("condition", N_("%(key)s must be a list of strings", key=key))

