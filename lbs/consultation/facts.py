"""The facts about a decision that the consultation rules look at, and what they require (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class CostFact:
    bearer_organisation_id: int
    category: str
    estimate_dkk: Decimal
    provisional: bool = False


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

    def as_json(self) -> dict[str, Any]:
        return {
            "party": self.party_key,
            "name": self.name,
            "organisation_id": self.organisation_id,
            "mode": self.mode,
            "rule": self.rule,
        }
