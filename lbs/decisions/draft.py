"""A decision as submitted (API body or form), typed and checked field by field before the service runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from lbs.consultation.facts import DecisionType
from lbs.consultation.models import Mode, Outcome
from lbs.decisions.models import CostCategory
from lbs.errors import ValidationError
from lbs.validation import NAME_MAX, TEXT_MAX, Fields

MAX_OPTIONS = 50
MAX_COSTS = 100
MAX_CONSULTATIONS = 100
MAX_CONDITIONS = 20


@dataclass
class CostDraft:
    bearer_id: int
    category: CostCategory
    estimate_dkk: Decimal
    provisional: bool = False
    description: str | None = None


@dataclass
class ConsultationDraft:
    party: str
    consulted_at: datetime
    mode: Mode
    outcome: Outcome
    channel: str | None = None
    note: str | None = None


@dataclass
class DecisionDraft:
    staff: str
    decided_at: datetime
    decided_by_id: int
    owner_id: int
    type: DecisionType
    title: str
    decision: str
    rationale: str
    information: str | None = None
    options: list[dict[str, Any]] = field(default_factory=list)
    legal_basis: str | None = None
    expected_outcome: str | None = None
    urgent: bool = False
    conditions: dict[str, Any] = field(default_factory=dict)
    costs: list[CostDraft] = field(default_factory=list)
    consultations: list[ConsultationDraft] = field(default_factory=list)
    missing_reason: str | None = None
    delay_reason: str | None = None


def read_consultation_fields(k: Fields) -> ConsultationDraft | None:
    """A consultation's fields (``party, consulted_at, mode, outcome, channel?, note?``), each error recorded on
    ``k``; None when one that is required is missing or invalid. Used for a decision's consultations and for one
    appended later."""
    party = k.name("party")
    consulted_at = k.time("consulted_at")
    mode = k.choice("mode", Mode)
    outcome = k.choice("outcome", Outcome)
    channel = k.name("channel", required=False) or None
    note = k.text("note", required=False, max_len=TEXT_MAX) or None
    if party is None or consulted_at is None or mode is None or outcome is None:
        return None
    return ConsultationDraft(party, consulted_at, mode, outcome, channel, note)


def _optional_text(f: Fields, name: str) -> str | None:
    value = f.text(name, required=False)
    return value if value and value.strip() else None


def _conditions(f: Fields) -> dict[str, Any]:
    value = f.data.get("conditions")
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_CONDITIONS:
        f.error("conditions", f"must be an object with at most {MAX_CONDITIONS} entries")
        return {}
    result: dict[str, Any] = {}
    for key, item in value.items():
        ok_key = isinstance(key, str) and 0 < len(key) <= 60 and "\x00" not in key
        ok_value = (
            isinstance(item, bool)
            or (isinstance(item, int) and abs(item) < 2**31)
            or (isinstance(item, str) and len(item) <= NAME_MAX and "\x00" not in item)
            or (isinstance(item, list) and len(item) <= 50
                and all(isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**31 for v in item))
        )
        if not (ok_key and ok_value):
            f.error("conditions", "values must be true/false, whole numbers, short texts or lists of ids")
            return {}
        result[key] = item
    return result


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def check_encodable(data: dict[str, Any]) -> None:
    """422 for text that is not valid Unicode (lone surrogates from JSON escapes cannot be stored)."""
    bad = [str(key)[:60] if not _has_surrogate(key) else "?" for key, value in data.items()
           if _has_surrogate(key) or _has_surrogate(value)]
    if bad:
        raise ValidationError("invalid text", {name: ["contains invalid Unicode (a lone surrogate)"] for name in bad})


def read_draft(data: dict[str, Any]) -> DecisionDraft:
    """Read a decision body; raises a 422 :class:`~lbs.errors.ValidationError` with every field error."""
    check_encodable(data)
    f = Fields(data)
    staff = f.name("staff")
    decided_at = f.time("decided_at")
    decided_by = f.ref("decided_by")
    owner = f.ref("owner")
    type_ = f.choice("type", DecisionType)
    title = f.name("title")
    decision = f.text("decision")
    rationale = f.text("rationale")
    information = _optional_text(f, "information")
    legal_basis = _optional_text(f, "legal_basis")
    expected_outcome = _optional_text(f, "expected_outcome")
    urgent = f.boolean("urgent")
    missing_reason = _optional_text(f, "missing_reason")
    delay_reason = _optional_text(f, "delay_reason")
    conditions = _conditions(f)

    options: list[dict[str, Any]] = []
    for o in f.objects("options", max_items=MAX_OPTIONS):
        text = o.text("text")
        chosen = o.boolean("chosen")
        reason = _optional_text(o, "rejection_reason")
        if text is not None:
            options.append({"text": text, "chosen": chosen, "rejection_reason": reason})

    costs: list[CostDraft] = []
    for c in f.objects("costs", max_items=MAX_COSTS):
        bearer = c.ref("bearer")
        category = c.choice("category", CostCategory)
        estimate = c.money("estimate_dkk")
        provisional = c.boolean("provisional")
        description = _optional_text(c, "description")
        if bearer is not None and category is not None and estimate is not None:
            costs.append(CostDraft(bearer, category, estimate, provisional, description))

    consultations = [item for k in f.objects("consultations", max_items=MAX_CONSULTATIONS)
                     if (item := read_consultation_fields(k)) is not None]

    f.check()
    assert staff is not None and decided_at is not None and decided_by is not None and owner is not None
    assert type_ is not None and title is not None and decision is not None and rationale is not None
    return DecisionDraft(
        staff=staff, decided_at=decided_at, decided_by_id=decided_by, owner_id=owner, type=type_, title=title,
        decision=decision, rationale=rationale, information=information, options=options, legal_basis=legal_basis,
        expected_outcome=expected_outcome, urgent=urgent, conditions=conditions, costs=costs,
        consultations=consultations, missing_reason=missing_reason, delay_reason=delay_reason,
    )
