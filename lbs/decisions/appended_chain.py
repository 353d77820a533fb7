"""The chain of consultations appended to an incident's decisions after they were logged (pure: no database).

An appended consultation changes nothing already logged: it is numbered per incident (``appended_seq`` 1, 2, …)
and chained on its own. Its hash is SHA-256 over the canonical JSON (:func:`lbs.decisions.chain.canonical_json`)
of :data:`APPENDED_FIELDS`: the decision it belongs to (id, number and hash), its sequence number, what was
consulted, when it was recorded and by whom, and the previous appended consultation's hash. The newest hash is
kept on the incident (``incidents.consultation_head``) with the count (``incidents.appended_consultations``), so
that deleting the newest row (which takes its own hash with it) is detected as well as an edit or a deletion in
the middle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lbs.decisions.chain import canonical_json

APPENDED_FIELDS = ("decision_id", "decision_number", "decision_hash", "appended_seq", "party", "consulted_at",
                   "recorded_at", "mode", "outcome", "channel", "note", "recorded_by", "prev_hash")


def appended_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an appended consultation's :data:`APPENDED_FIELDS`."""
    content = {name: fields.get(name) for name in APPENDED_FIELDS}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredAppended:
    """An appended consultation as stored. ``fields`` are the :data:`APPENDED_FIELDS` read back: the decision's
    number and hash as the decision row has them now (None when no decision of the incident has the row's
    ``decision_id``); ``hash`` is the row's stored hash."""

    fields: Mapping[str, Any]
    hash: str | None

    @property
    def decision_number(self) -> int | None:
        number = self.fields.get("decision_number")
        return int(number) if number is not None else None


def verify_appended(rows: Sequence[StoredAppended], *, count: int, head: str | None,
                    last_number: int) -> int | None:
    """The number of the decision at which the appended chain breaks, or None when it is intact.

    ``rows`` are the incident's appended consultations in ``appended_seq`` order; ``count`` and ``head`` the
    incident's counter and head. A row is broken when its sequence number is not the next one, its
    ``prev_hash`` is not its predecessor's hash, its decision is not one of the incident's, or its recomputed
    hash differs from the stored one: the answer is then the number of the decision the row belongs to (after a
    deleted row in the middle: the decision of the next surviving row). When every row is sound but the chain
    stops short of the incident's counter or head (the newest rows deleted), the deleted rows' decisions are
    unknown: the answer is the decision of the last surviving row, or ``last_number`` (the incident's last
    decision) when none survive.
    """
    previous: str | None = None
    for index, row in enumerate(rows, start=1):
        number = row.decision_number
        if (
            number is None
            or row.fields.get("appended_seq") != index
            or row.fields.get("prev_hash") != previous
            or appended_hash(row.fields) != row.hash
        ):
            return number if number is not None else max(last_number, 1)
        previous = row.hash
    if len(rows) != count or previous != head:
        last = rows[-1].decision_number if rows else None
        return last if last is not None else max(last_number, 1)
    return None
