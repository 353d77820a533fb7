"""Per-worker caches of figures computed from an incident's decisions and cost lines.

An entry is keyed by the database, the incident (with its ``created_at``, which tells apart an incident
re-created under the same id) and the incident's two counters in the database: ``last_decision_number``
(bumped by every decision, amendments included) and ``costs_version`` (bumped by every change to a cost line,
in the transaction that makes it, and by every appended consultation, which moves a decision's
``unmet_count``). A worker that has just read the incident row therefore never serves a figure older than
that row, and another worker or host that changed the incident changed the key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from lbs.database import database_identity

T = TypeVar("T")


class Versioned(Protocol):
    """An incident, or a row of its ``id``, ``created_at`` and two counters (no ORM object needed)."""

    @property
    def id(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_decision_number(self) -> int: ...
    @property
    def costs_version(self) -> int: ...


class VersionedCache(Generic[T]):
    """A bounded cache (oldest entry out first) of one figure per incident and version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: dict[Hashable, T] = {}

    @staticmethod
    def key(incident: Versioned, *extra: Hashable) -> Hashable:
        return (database_identity(), incident.id, incident.created_at, incident.last_decision_number,
                incident.costs_version, *extra)

    def _store(self, key: Hashable, value: T) -> None:
        while len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = value

    def get(self, incident: Versioned, compute: Callable[[], T], *extra: Hashable) -> T:
        key = self.key(incident, *extra)
        if key in self._entries:
            return self._entries[key]
        value = compute()
        self._store(key, value)
        return value

    def get_many(self, incidents: Sequence[Versioned], compute: Callable[[list[int]], dict[int, T]],
                 *extra: Hashable) -> dict[int, T]:
        """The figure of each incident; those not cached are computed together (``compute(ids)``)."""
        keys = {incident.id: self.key(incident, *extra) for incident in incidents}
        found = {incident_id: self._entries[key] for incident_id, key in keys.items() if key in self._entries}
        missing = [incident_id for incident_id in keys if incident_id not in found]
        if missing:
            computed = compute(missing)
            for incident_id in missing:
                found[incident_id] = computed[incident_id]
                self._store(keys[incident_id], computed[incident_id])
        return found
