"""The roster import's checks and write for a whole file at once (``import-roster``): the overlap rules in one
sorted pass per seat, and the rows written in bulk (O(n log n) for n rows, a fixed number of statements
besides the corrections of past periods), so 100 000 rows take seconds and the write lock a short while."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from lbs.audit import services as audit
from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs import corrections
from lbs.staffs.models import Assignment, Person, Position
from lbs.staffs.roster import HoldingLike, period_text

_FOREVER = datetime.max.replace(tzinfo=UTC)


@dataclass
class Holding:
    """An existing assignment (``row`` None) or a row of the file (its index), shaped for the pass."""

    id: int
    position_id: int
    person_id: int
    rank: int
    valid_from: datetime
    valid_to: datetime | None
    row: int | None = None


def _end(h: Holding) -> datetime:
    return h.valid_to if h.valid_to is not None else _FOREVER


def _order(h: Holding) -> int:
    """The place in the file (an existing assignment comes before every row)."""
    return 0 if h.row is None else h.row + 1


class _PrefixBest:
    """A Fenwick tree over the file's order: the best (largest ``key``) holding placed before a given order."""

    def __init__(self, size: int, key: Any) -> None:
        self.tree: list[Holding | None] = [None] * (size + 1)
        self.key = key

    def put(self, index: int, h: Holding) -> None:
        index += 1
        while index < len(self.tree):
            kept = self.tree[index]
            if kept is None or self.key(h) > self.key(kept):
                self.tree[index] = h
            index += index & -index

    def best_before(self, index: int) -> Holding | None:
        best = None
        while index > 0:
            kept = self.tree[index]
            if kept is not None and (best is None or self.key(kept) > self.key(best)):
                best = kept
            index -= index & -index
        return best


def _earlier_clashes(queries: list[Holding], candidates: list[Holding], clashes: dict[int, Holding]) -> None:
    """For each row in ``queries``: a holding of ``candidates`` earlier in the file whose period overlaps its
    own, if any (two sorted passes, O(n log n)): one starting no later (ending after the row starts), or one
    starting later (starting before the row ends)."""
    places = sorted({_order(h) for h in queries + candidates})
    slot = {order: i for i, order in enumerate(places)}
    tagged = [(h, False) for h in candidates] + [(h, True) for h in queries if h.row is not None]
    forward = _PrefixBest(len(places), _end)
    for h, asking in sorted(tagged, key=lambda t: (t[0].valid_from, _order(t[0]), t[1])):
        if asking:
            found = forward.best_before(slot[_order(h)])
            if found is not None and _end(found) > h.valid_from and h.row is not None:
                clashes.setdefault(h.row, found)
        else:
            forward.put(slot[_order(h)], h)
    backward = _PrefixBest(len(places), lambda h: -h.valid_from.timestamp())
    for h, asking in sorted(tagged, key=lambda t: (t[0].valid_from, _order(t[0]), not t[1]), reverse=True):
        if asking:
            found = backward.best_before(slot[_order(h)])
            if found is not None and found.valid_from < _end(h) and h.row is not None:
                clashes.setdefault(h.row, found)
        else:
            backward.put(slot[_order(h)], h)


def _groups(holdings: list[Holding], key: Any) -> list[list[Holding]]:
    groups: dict[Any, list[Holding]] = {}
    for h in holdings:
        groups.setdefault(key(h), []).append(h)
    return list(groups.values())


def overlap_errors(rows: Sequence[Any], person_ids: Sequence[int], existing: Sequence[HoldingLike]) -> list[str]:
    """Rows that overlap an existing assignment or another row of the same position and rank, or in which a
    person would hold two ranks of one position at the same time (``person_ids``: each row's person, new people
    by a negative stand-in). One error per row, in the file's order."""
    holdings = [Holding(a.id, a.position_id, a.person_id, a.rank, a.valid_from, a.valid_to) for a in existing]
    holdings += [Holding(-(i + 1), r.position.id, person_ids[i], r.rank, r.valid_from, r.valid_to, row=i)
                 for i, r in enumerate(rows)]
    same_seat: dict[int, Holding] = {}
    other_rank: dict[int, Holding] = {}
    for seat in _groups(holdings, lambda h: (h.position_id, h.rank)):
        _earlier_clashes(seat, seat, same_seat)
    for held in _groups(holdings, lambda h: (h.position_id, h.person_id)):
        for rank in {h.rank for h in held}:
            _earlier_clashes([h for h in held if h.rank == rank], [h for h in held if h.rank != rank], other_rank)
    errors = []
    for i, row in enumerate(rows):
        if i in same_seat:
            errors.append(f"row {row.number}: overlaps {_where(same_seat[i], rows)} of the same position and rank")
        elif i in other_rank:
            other = other_rank[i]
            errors.append(f"row {row.number}: {row.person_name} already holds rank {other.rank} of "
                          f"{row.position.title!r} in an overlapping period ({_where(other, rows)}, "
                          f"{period_text(other)}); one person holds at most one rank of a position at a time")
    return errors


def _where(clash: Holding, rows: Sequence[Any]) -> str:
    return f"row {rows[clash.row].number}" if clash.row is not None else f"existing assignment {clash.id}"


def existing_of(rows: Sequence[Any]) -> list[Assignment]:
    """The assignments of the rows' positions (a query per 500 positions)."""
    position_ids = sorted({r.position.id for r in rows})
    found: list[Assignment] = []
    for start in range(0, len(position_ids), 500):
        chunk = position_ids[start:start + 500]
        found += db.session.scalars(select(Assignment).where(Assignment.position_id.in_(chunk)))
    return found


def person_ids(rows: Sequence[Any], people: Mapping[tuple[str, int], int]) -> list[int]:
    """Each row's person: an existing one's id (``people``: by name and organisation), or a negative stand-in
    for a person the file creates."""
    new_people: dict[tuple[str, int], int] = {}
    found = []
    for row in rows:
        key = (row.person_name, row.organisation.id)
        known = people.get(key)
        found.append(known if known is not None else new_people.setdefault(key, -(len(new_people) + 1)))
    return found


def known_people() -> dict[tuple[str, int], int]:
    return {(name, org): pid for pid, name, org in db.session.execute(
        select(Person.id, Person.name, Person.organisation_id))}


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def touched_since(audit_id: int, rows: Sequence[Any]) -> list[Assignment]:
    """The assignments of the rows' positions created or changed since audit event ``audit_id`` (every change
    of an assignment has its audit event), the positions locked first (PostgreSQL): what another writer did
    while the import was not holding the lock."""
    position_ids = sorted({r.position.id for r in rows})
    db.session.execute(select(Position.id).where(Position.id.in_(position_ids)).with_for_update())
    touched = {int(i) for i in db.session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.id > audit_id, AuditEvent.object_type == "assignment")) if i and i.isdigit()}
    if not touched:
        return []
    return list(db.session.scalars(select(Assignment).where(Assignment.id.in_(sorted(touched)),
                                                            Assignment.position_id.in_(position_ids))))


def _insert_ids(model: Any, values: list[dict[str, Any]]) -> list[int]:
    """Insert the rows in batches (one statement per batch, not per row); their ids in the same order."""
    if not values:
        return []
    if db.session.get_bind().dialect.name != "sqlite":
        return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), values))
    # SQLite returns no ids from a batch in order: the write lock is held (BEGIN IMMEDIATE), so the next ids are
    # this transaction's to give.
    start = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    ids = list(range(start, start + len(values)))
    db.session.execute(insert(model), [{**v, "id": i} for v, i in zip(values, ids, strict=True)])
    return ids


def write(rows: Sequence[Any], people: dict[tuple[str, int], int]) -> int:
    """Write the (checked) rows: the new people (added to ``people``), the assignments and their audit events
    in bulk; a correction of a past period is kept as :func:`lbs.staffs.services.assign` keeps it. Returns how
    many people were new."""
    new: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        key = (row.person_name, row.organisation.id)
        if key not in people and key not in new:
            new[key] = {"name": row.person_name, "job_title": row.job_title, "organisation_id": row.organisation.id,
                        "email": row.email, "phone": row.phone}
    people.update(zip(new, _insert_ids(Person, list(new.values())), strict=True))
    person_ids = people
    values = [{"position_id": r.position.id, "person_id": person_ids[(r.person_name, r.organisation.id)],
               "rank": r.rank, "valid_from": r.valid_from, "valid_to": r.valid_to} for r in rows]
    ids = _insert_ids(Assignment, values)
    events: list[tuple[str, str, object, str, Mapping[str, tuple[Any, Any]]]] = [
        ("person.create", "person", person_ids[key], f"person {p['name']!r} created",
         {"name": (None, p["name"]), "job_title": (None, p["job_title"]),
          "organisation_id": (None, p["organisation_id"]), "email": (None, p["email"]), "phone": (None, p["phone"])})
        for key, p in new.items()]
    for row, a, assignment_id in zip(rows, values, ids, strict=True):
        correction = corrections.needed(staff_id=row.position.staff_id, start=row.valid_from, end=row.valid_to,
                                        reason=row.reason) if corrections.past_period(row.valid_from, row.valid_to) \
            else None
        events.append(("assignment.create", "assignment", assignment_id,
                       f"person {a['person_id']} assigned to position {a['position_id']} at rank {a['rank']}",
                       {**{k: (None, v) for k, v in a.items()}, **corrections.audit_changes(correction)}))
        if correction is not None:
            corrections.record(by=None, assignment=db.session.get_one(Assignment, assignment_id),
                               staff_id=row.position.staff_id, action="assign", correction=correction)
    audit.record_many(by=None, events=events)
    return len(new)
