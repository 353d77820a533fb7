"""The rosters as of each decision: who held the decision maker's seat(s) and the required parties' seats
when the decision was taken, whether a deputy was acting, and the roster corrections made afterwards over the
decision's time. Loaded for many decisions in three queries.

Each decision's roster is shown as it was known when the decision was logged (the corrections made after
that undone: an assignment a correction started is left out, one a correction ended still holds over the
corrected period; the decision maker as recorded on the decision), and, where a later correction changed it,
the corrected roster beside it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from lbs.consultation.facts import Requirement
from lbs.consultation.models import Party
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.staffs.models import Assignment, Person, Position, RosterCorrection


@dataclass(frozen=True)
class Holder:
    person_id: int
    name: str
    rank: int


@dataclass(frozen=True)
class Seat:
    """A seat as it stood at the decision time: who held it, and whether a deputy was acting."""

    role: str  # "decision_maker" or "party"
    label: str  # party name or the seat title
    position_title: str | None
    holders: tuple[Holder, ...]
    acting: Holder | None  # the decision maker (for that seat), or the highest-ranked holder of a party seat
    deputy_acting: bool
    party_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role, "label": self.label, "party": self.party_key, "position": self.position_title,
            "holders": [{"person_id": h.person_id, "name": h.name, "rank": h.rank} for h in self.holders],
            "acting": self.acting.name if self.acting else None, "deputy_acting": self.deputy_acting,
        }

    def key(self) -> tuple[object, ...]:
        """What a reader compares: the seat, who held it and who acted."""
        return (self.role, self.label, tuple((h.person_id, h.rank) for h in self.holders),
                self.acting.person_id if self.acting else None)


@dataclass(frozen=True)
class Tenure:
    """One assignment of a person to a position, with the names the roster shows."""

    assignment_id: int
    position_id: int
    staff_id: int
    position_title: str
    person_id: int
    person_name: str
    rank: int
    valid_from: datetime
    valid_to: datetime | None

    def holds_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or self.valid_to > at)


@dataclass(frozen=True)
class Correction:
    """A roster change of the staff that reached back over ``[period_from, period_to)``, with its reason."""

    staff_id: int
    reason: str
    by_name: str | None
    at: datetime
    period_from: datetime
    period_to: datetime
    assignment_id: int = 0
    action: str = ""  # "assign" or "end"

    def as_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "by": self.by_name, "at": self.at.isoformat(),
                "period_from": self.period_from.isoformat(), "period_to": self.period_to.isoformat()}

    def covers(self, decision: Decision) -> bool:
        return self.staff_id == decision.staff_id and self.period_from <= decision.decided_at < self.period_to

    def unknown_to(self, decision: Decision) -> bool:
        """Made after the decision was logged, over its time (unknown when it was logged)."""
        return self.at > decision.recorded_at and self.period_from <= decision.decided_at < self.period_to


@dataclass
class Rosters:
    """The parties and assignments needed to tell each loaded decision's seats (see :func:`load_rosters`)."""

    parties: dict[str, Party] = field(default_factory=dict)
    tenures: list[Tenure] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)

    def corrected(self, decision: Decision) -> list[Correction]:
        """The roster corrections over the decision's time in its staff (a replacement's end and start, which
        share one reason and period, once)."""
        found: dict[tuple[str, str | None, datetime, datetime], Correction] = {}
        for c in self.corrections:
            if c.covers(decision):
                found.setdefault((c.reason, c.by_name, c.period_from, c.period_to), c)
        return list(found.values())

    def known_tenures(self, decision: Decision) -> list[Tenure]:
        """The tenures as known when the decision was logged: the corrections made afterwards over its time
        undone (an assignment such a correction started left out, one it ended holding over its period)."""
        later = [c for c in self.corrections if c.unknown_to(decision)]
        if not later:
            return self.tenures
        started = {c.assignment_id for c in later if c.action == "assign"}
        ended = {c.assignment_id: c.period_to for c in later if c.action == "end"}
        known: list[Tenure] = []
        for t in self.tenures:
            if t.assignment_id in started:
                continue
            if t.assignment_id in ended and t.valid_to is not None and t.valid_to < ended[t.assignment_id]:
                t = replace(t, valid_to=ended[t.assignment_id])
            known.append(t)
        return known

    def at_decision(self, decision: Decision, requirements: Sequence[Requirement]) -> list[Seat]:
        """The seats as known when the decision was logged; the decision maker as recorded on it (the name, and
        the seat held; rows logged before that was recorded: as the roster shows)."""
        seats = seats_at(self.known_tenures(decision), self.parties, decision, requirements)
        if decision.decided_by_name is None:
            return seats
        others = [s for s in seats if s.role != "decision_maker"]
        return [recorded_maker(decision, [s for s in seats if s.role == "decision_maker"]), *others]

    def corrected_at_decision(self, decision: Decision, requirements: Sequence[Requirement]) -> list[Seat]:
        """The seats as the corrected roster shows them (empty when no later correction reaches the decision's
        time, or it shows the same as :meth:`at_decision`)."""
        if not any(c.unknown_to(decision) for c in self.corrections):
            return []
        corrected = seats_at(self.tenures, self.parties, decision, requirements)
        known = self.at_decision(decision, requirements)
        return [] if [s.key() for s in corrected] == [s.key() for s in known] else corrected


def recorded_maker(decision: Decision, found: list[Seat]) -> Seat:
    """The decision maker's seat as recorded when the decision was logged (the holders from the roster as then
    known, the decision maker named as recorded)."""
    name = decision.decided_by_name or ""
    if decision.decided_by_seat is None:
        return Seat(role="decision_maker", label=name, position_title=None, holders=(),
                    acting=Holder(decision.decided_by_id, name, -1), deputy_acting=False)
    seat = next((s for s in found if s.position_title == decision.decided_by_seat), found[0] if found else None)
    rank = seat.acting.rank if seat is not None and seat.acting is not None and seat.acting.rank >= 0 else 0
    acting = Holder(decision.decided_by_id, name, rank)
    holders = tuple(acting if h.person_id == decision.decided_by_id else h for h in seat.holders) \
        if seat is not None and seat.holders else (acting,)
    return Seat(role="decision_maker", label=decision.decided_by_seat, position_title=decision.decided_by_seat,
                holders=holders, acting=acting, deputy_acting=rank > 0)


def _holders(tenures: Sequence[Tenure], position_id: int, at: datetime) -> tuple[Holder, ...]:
    rows = sorted((t for t in tenures if t.position_id == position_id and t.holds_at(at)),
                  key=lambda t: (t.rank, t.person_name))
    return tuple(Holder(t.person_id, t.person_name, t.rank) for t in rows)


def seats_at(tenures: Sequence[Tenure], parties: dict[str, Party], decision: Decision,
             requirements: Sequence[Requirement]) -> list[Seat]:
    """Who held the decision maker's seat(s) and the required parties' seats at the decision's time, by
    ``tenures``."""
    at = decision.decided_at
    seats: list[Seat] = []
    maker_rows = [t for t in tenures
                  if t.person_id == decision.decided_by_id and t.staff_id == decision.staff_id and t.holds_at(at)]
    for row in sorted(maker_rows, key=lambda t: t.rank):
        acting = Holder(row.person_id, row.person_name, row.rank)
        seats.append(Seat(role="decision_maker", label=row.position_title, position_title=row.position_title,
                          holders=_holders(tenures, row.position_id, at), acting=acting,
                          deputy_acting=row.rank > 0))
    if not maker_rows:
        seats.append(Seat(role="decision_maker", label=decision.decided_by.name, position_title=None,
                          holders=(), acting=Holder(decision.decided_by_id, decision.decided_by.name, -1),
                          deputy_acting=False))
    for requirement in requirements:
        party = parties.get(requirement.party_key)
        if party is None or party.position_id is None:
            seats.append(Seat(role="party", label=requirement.name, position_title=None, holders=(),
                              acting=None, deputy_acting=False, party_key=requirement.party_key))
            continue
        holders = _holders(tenures, party.position_id, at)
        title = next((t.position_title for t in tenures if t.position_id == party.position_id), None)
        first = holders[0] if holders else None
        seats.append(Seat(role="party", label=requirement.name, position_title=title, holders=holders,
                          acting=first, deputy_acting=first is not None and first.rank > 0,
                          party_key=requirement.party_key))
    return seats


def load_rosters(decisions: Sequence[Decision], requirements: Iterable[Sequence[Requirement]]) -> Rosters:
    """The required parties and every assignment, over the decisions' time span, to the decisions' staffs or
    the parties' seats, and the roster corrections over that span: three queries (also without requirements:
    the same statements whatever the decisions, see the query-count tests)."""
    if not decisions:
        return Rosters()
    keys = {r.party_key for reqs in requirements for r in reqs}
    parties = {p.key: p for p in db.session.scalars(select(Party).where(Party.key.in_(keys)))}
    position_ids = {p.position_id for p in parties.values() if p.position_id is not None}
    staff_ids = {d.staff_id for d in decisions}
    times = [d.decided_at for d in decisions]
    query = (
        select(Assignment.id, Assignment.position_id, Position.staff_id, Position.title, Assignment.person_id,
               Person.name,
               Assignment.rank, Assignment.valid_from, Assignment.valid_to)
        .join(Position, Position.id == Assignment.position_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(or_(Position.staff_id.in_(staff_ids), Position.id.in_(position_ids)),
               Assignment.valid_from <= max(times),
               # Ended before the decisions by a correction: held over them as the roster was known then.
               or_(Assignment.valid_to.is_(None), Assignment.valid_to > min(times), Assignment.id.in_(
                   select(RosterCorrection.assignment_id).where(
                       RosterCorrection.staff_id.in_(staff_ids), RosterCorrection.action == "end",
                       RosterCorrection.period_to > min(times)))))
        .order_by(Assignment.position_id, Assignment.rank, Assignment.valid_from)
    )
    corrections = db.session.execute(
        select(RosterCorrection.staff_id, RosterCorrection.reason, RosterCorrection.by_name, RosterCorrection.at,
               RosterCorrection.period_from, RosterCorrection.period_to, RosterCorrection.assignment_id,
               RosterCorrection.action)
        .where(RosterCorrection.staff_id.in_(staff_ids), RosterCorrection.period_from <= max(times),
               RosterCorrection.period_to > min(times))
        .order_by(RosterCorrection.at, RosterCorrection.id)
    ).all()
    return Rosters(parties, [Tenure(*row) for row in db.session.execute(query).all()],
                   [Correction(*row) for row in corrections])
