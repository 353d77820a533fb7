"""Amendments: a decision is never changed; an amendment is a new decision with the next number that refers
to the original (and, with costs of its own, supersedes the original's cost lines)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from lbs.auth.models import User
from lbs.decisions.draft import DecisionDraft
from lbs.decisions.log import Logged, log_decision
from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.decisions.reads import consultations_of, current_version, live_lines
from lbs.errors import Conflict
from lbs.extensions import db
from lbs.incidents.models import Incident


def draft_input_of(decision: Decision) -> dict[str, Any]:
    """The decision in the API's input shape (what an amendment starts from)."""
    consulted = consultations_of([decision.id]).get(decision.id, [])
    return {
        "staff": decision.staff.code, "decided_at": decision.decided_at.isoformat(),
        "decided_by": decision.decided_by_id, "owner": decision.owner_id, "type": decision.type.value,
        "title": decision.title, "decision": decision.decision, "rationale": decision.rationale,
        "information": decision.information, "options": decision.options, "legal_basis": decision.legal_basis,
        "expected_outcome": decision.expected_outcome, "urgent": decision.urgent,
        "conditions": decision.conditions, "missing_reason": decision.missing_reason,
        "consultations": [
            {"party": c.party.key, "consulted_at": c.consulted_at.isoformat(), "mode": c.mode.value,
             "outcome": c.outcome.value, "channel": c.channel, "note": c.note}
            for c in consulted
        ],
    }


AMENDABLE = {
    "staff", "decided_at", "decided_by", "owner", "type", "title", "decision", "rationale", "information", "options",
    "legal_basis", "expected_outcome", "urgent", "conditions", "missing_reason", "consultations", "costs",
    "delay_reason",
}


def amendment_input(original: Decision, changes: dict[str, Any]) -> dict[str, Any]:
    """The original's fields overlaid with the given ones; costs only when given."""
    merged = draft_input_of(original)
    for key, value in changes.items():
        if key in AMENDABLE:
            merged[key] = value
    return merged


class NotCurrent(Conflict):
    """The decision is already amended: only the current version (``current``, a number) can be."""

    def __init__(self, original: int, newer: int, current: int) -> None:
        super().__init__(f"decision {original} is amended by {newer}; amend the current version {current}")
        self.current = current


class SettledLine(Conflict):
    """The amendment's costs would supersede a settled cost line."""


def amend_decision(
    *, original: Decision, draft: DecisionDraft, reason: str, by: User | None, now: datetime | None = None
) -> Logged:
    """Log the amendment of ``original``; 409 (nothing written) when ``original`` is not the current version or
    when the amendment's costs would supersede a settled line. Both are judged under the incident's row lock
    (taken with the amendment's number), so of two amendments of one version at once only one is logged."""
    incident = db.session.get(Incident, original.incident_id)
    assert incident is not None

    def under_lock() -> list[CostLine]:
        newer = db.session.scalar(select(Decision.number).where(Decision.amends_id == original.id)
                                  .order_by(Decision.number).limit(1))
        if newer is not None:
            current = current_version(original)
            raise NotCurrent(original.number, newer, current.number)
        if not draft.costs:
            return []
        live = live_lines(original)
        settled = [line for line in live if line.status is CostStatus.SETTLED]
        if settled:
            raise SettledLine("a settled cost line cannot be superseded: give no costs, or leave the settled line "
                              f"as it is (cost line {', '.join(str(line.id) for line in settled)})")
        return live

    return log_decision(incident=incident, draft=draft, by=by, now=now, amends=original, amendment_reason=reason,
                        under_lock=under_lock)
