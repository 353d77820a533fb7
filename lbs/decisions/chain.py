"""The hash chain of a decision log (pure: no database).

Each decision's hash is SHA-256 over the canonical JSON of every immutable field of the decision row
(everything but ``id`` and ``hash``, ``prev_hash`` included, which chains it to its predecessor; the
stored required consultations when present), the
immutable part of its cost lines (bearer, category, description, estimate, provisional — not the
actual amount or status, which the municipality changes legitimately) and its consultations.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

# The decision row's columns that the hash covers (all but id and hash).
DECISION_FIELDS = (
    "incident_id", "number", "staff_id", "decided_at", "recorded_at", "decided_by_id", "decided_by_off_roster",
    "recorded_by_id", "owner_id", "type", "title", "decision", "information", "options", "rationale",
    "legal_basis", "expected_outcome", "urgent", "conditions", "amends_id", "amendment_reason", "delay_reason",
    "missing_reason", "prev_hash",
)
# Covered when present: rows logged before the column existed have NULL there and kept their hash.
OPTIONAL_FIELDS = ("required_consultations", "missing_count", "decided_by_name", "decided_by_job_title",
                   "decided_by_seat")
COST_FIELDS = ("bearer_id", "category", "description", "estimate_dkk", "provisional")
CONSULTATION_FIELDS = ("party", "consulted_at", "mode", "outcome", "channel", "note")


def _canon(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, enum.Enum):
        return _canon(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):f}"
    if isinstance(value, Mapping):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical_json(value: Any) -> str:
    return json.dumps(_canon(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _rows(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> list[Any]:
    # Sorted by content: the order in which child rows come back from the database does not matter.
    canon = [canonical_json({f: row.get(f) for f in fields}) for row in rows]
    return sorted(canon)


def decision_hash(
    decision: Mapping[str, Any],
    costs: Iterable[Mapping[str, Any]] = (),
    consultations: Iterable[Mapping[str, Any]] = (),
) -> str:
    """SHA-256 (hex) of a decision's immutable content, chained through its ``prev_hash``."""
    fields = {f: decision.get(f) for f in DECISION_FIELDS}
    fields.update({f: decision[f] for f in OPTIONAL_FIELDS if decision.get(f) is not None})
    content = {
        "decision": fields,
        "costs": _rows(costs, COST_FIELDS),
        "consultations": _rows(consultations, CONSULTATION_FIELDS),
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredDecision:
    """What verify needs of one stored decision."""

    number: int
    fields: Mapping[str, Any]  # the DECISION_FIELDS (prev_hash included) and the OPTIONAL_FIELDS
    costs: Sequence[Mapping[str, Any]]
    consultations: Sequence[Mapping[str, Any]]
    hash: str


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    checked: int
    first_broken: int | None
    # The name of the attachment found changed or missing ("" when its name is gone with it), if that broke it.
    broken_attachment: str | None = None


def verify_chain(decisions: Sequence[StoredDecision], *, last_number: int | None = None) -> ChainResult:
    """Recompute the chain of one incident (decisions in number order).

    Broken when a number is missing or repeated, a ``prev_hash`` does not match its predecessor's
    hash, or a recomputed hash differs from the stored one. ``last_number`` (the incident's counter)
    also catches a removed last decision.
    """
    previous: str | None = None
    for index, stored in enumerate(decisions, start=1):
        if (
            stored.number != index
            or stored.fields.get("prev_hash") != previous
            or decision_hash(stored.fields, stored.costs, stored.consultations) != stored.hash
        ):
            return ChainResult(ok=False, checked=index - 1, first_broken=min(stored.number, index))
        previous = stored.hash
    count = len(decisions)
    if last_number is not None and last_number != count:
        return ChainResult(ok=False, checked=count, first_broken=count + 1)
    return ChainResult(ok=True, checked=count, first_broken=None)
