"""The facts about a decision that the consultation rules look at, and what they require (pure)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


class DecisionType(enum.StrEnum):
    EVACUATION = "evacuation"
    SHELTER = "shelter"
    CORDON = "cordon"
    WARNING = "warning"
    RESOURCE_REQUEST = "resource_request"
    ASSISTANCE_REQUEST = "assistance_request"
    CLOSURE = "closure"
    TRAFFIC = "traffic"
    COMMUNICATION = "communication"
    STAND_DOWN = "stand_down"
    OTHER = "other"


@dataclass(frozen=True)
class CostFact:
    bearer_organisation_id: int
    category: str
    estimate_dkk: Decimal
    provisional: bool = False


# The yes/no conditions a rule's flags read that the decision form asks about (``public_warning`` follows from
# the type; ``disputed`` also from a provisional cost line).
FORM_FLAGS = ("vulnerable", "statutory_before_grant", "supplementary_grant", "disputed")


@dataclass(frozen=True)
class DecisionFacts:
    """Everything ``required_consultations`` needs to know about one (planned or logged) decision."""

    at: datetime  # decided_at: the rules in force then apply
    staff: str  # "LBS-S" or "LBS-O"
    type: str  # DecisionType value
    owner_organisation_id: int
    municipalities: tuple[str, ...]  # affected municipality codes (the incident's)
    costs: tuple[CostFact, ...] = ()
    urgent: bool = False
    # Extra facts some rules look at, e.g. {"vulnerable": true, "assisting_organisation_ids": [..],
    # "statutory_before_grant": true, "disputed_bearer": true}
    conditions: dict[str, Any] = field(default_factory=dict)
    incident_id: int | None = None


@dataclass(frozen=True)
class Requirement:
    """A party that must be consulted/informed, with the rule (and path of rules) that requires it."""

    party_key: str
    name: str
    organisation_id: int
    mode: str  # inform | consult | approve
    rule: str  # code of the rule that finally requires it, e.g. "R5"
    timing: str = "before"
    path: tuple[str, ...] = ()  # rule codes from the decision to this party, e.g. ("R6", "R6b")
    flag: str = ""  # a flag the rule raises, e.g. "significant_financial_event" (R14)

    def record(self) -> dict[str, Any]:
        """Everything about the requirement, as stored with a logged decision."""
        return {"party": self.party_key, "name": self.name, "organisation_id": self.organisation_id,
                "mode": self.mode, "rule": self.rule, "timing": self.timing, "path": list(self.path),
                "flag": self.flag}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Requirement:
        return cls(party_key=record["party"], name=record["name"], organisation_id=record["organisation_id"],
                   mode=record["mode"], rule=record["rule"], timing=record.get("timing", "before"),
                   path=tuple(record.get("path") or ()), flag=record.get("flag") or "")

    def as_json(self) -> dict[str, Any]:
        return {
            "party": self.party_key,
            "name": self.name,
            "organisation_id": self.organisation_id,
            "mode": self.mode,
            "rule": self.rule,
        }


def logged_decision_facts(
    decision: Any,
    *,
    staff_code: str,
    municipalities: tuple[str, ...],
    lines: Sequence[Any],
    amended_lines: Sequence[Any] = (),
) -> DecisionFacts:
    """The facts of a decision as it was logged, the one rule every view of it uses (decision log,
    compliance, review): its own cost lines, superseded or not (a later amendment does not change what was
    required when the decision was taken); an amendment without cost lines of its own keeps the original's.
    ``decision`` is a Decision row, ``lines`` its CostLine rows, ``amended_lines`` the amended decision's."""
    chosen = lines if lines or decision.amends_id is None else amended_lines
    return DecisionFacts(
        at=decision.decided_at,
        staff=staff_code,
        type=getattr(decision.type, "value", decision.type),
        owner_organisation_id=decision.owner_id,
        municipalities=municipalities,
        costs=tuple(
            CostFact(bearer_organisation_id=line.bearer_id, category=getattr(line.category, "value", line.category),
                     estimate_dkk=line.estimate_dkk, provisional=line.provisional)
            for line in chosen
        ),
        urgent=decision.urgent,
        conditions=dict(decision.conditions or {}),
        incident_id=decision.incident_id,
    )
