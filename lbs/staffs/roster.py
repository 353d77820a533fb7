"""Pure roster rules (no database): validity, overlap, the roster as of a time, gaps and warnings.

Assignments hold over half-open periods ``[valid_from, valid_to)``; ``valid_to`` ``None`` is open-ended.
The functions work on anything shaped like a position or an assignment (the ORM models, or plain
objects in tests).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from lbs.errors import N_

ENDING_SOON = timedelta(days=30)


class SeatLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def mandatory(self) -> bool: ...
    @property
    def min_deputies(self) -> int: ...
    @property
    def sort_order(self) -> int: ...


class HoldingLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def position_id(self) -> int: ...
    @property
    def person_id(self) -> int: ...
    @property
    def rank(self) -> int: ...
    @property
    def valid_from(self) -> datetime: ...
    @property
    def valid_to(self) -> datetime | None: ...


S = TypeVar("S", bound=SeatLike)
H = TypeVar("H", bound=HoldingLike)
# Unbounded twins for the result container (bounds on a generic class trip mypy on ORM classes).
SeatT = TypeVar("SeatT")
HoldT = TypeVar("HoldT")


class Problem(enum.StrEnum):
    """Gaps of the contract (``no_primary``, ``too_few_deputies``) and the page's extra warnings."""

    NO_PRIMARY = "no_primary"
    TOO_FEW_DEPUTIES = "too_few_deputies"
    ENDING_SOON = "ending_soon"
    SHARED_HOLDER = "shared_holder"
    HANDOVER = "handover"


CONTRACT_GAPS = (Problem.NO_PRIMARY, Problem.TOO_FEW_DEPUTIES)
# Not a problem: a planned change of holder at the moment the current assignment ends (shown as a notice).
NOTICES = (Problem.HANDOVER,)


def holds_at(valid_from: datetime, valid_to: datetime | None, at: datetime) -> bool:
    return valid_from <= at and (valid_to is None or at < valid_to)


def periods_overlap(a_from: datetime, a_to: datetime | None, b_from: datetime, b_to: datetime | None) -> bool:
    """Half-open periods overlap; touching ends (one ends exactly when the other starts) do not."""
    return (b_to is None or a_from < b_to) and (a_to is None or b_from < a_to)


def period_error(valid_from: datetime, valid_to: datetime | None) -> str | None:
    if valid_to is not None and valid_to <= valid_from:
        return N_("valid_to must be after valid_from")
    return None


def period_text(holding: HoldingLike) -> str:
    """``valid_from – valid_to`` in ISO 8601 (for the API's and the CLI's English messages)."""
    until = holding.valid_to.isoformat() if holding.valid_to else "open-ended"
    return f"{holding.valid_from.isoformat()} – {until}"


def find_overlap(
    existing: Iterable[H],
    *,
    position_id: int,
    rank: int,
    valid_from: datetime,
    valid_to: datetime | None,
    ignore_id: int | None = None,
) -> H | None:
    """The first assignment of the same position and rank whose period overlaps the given one."""
    return _first_overlapping(existing, valid_from, valid_to, ignore_id,
                              lambda h: h.position_id == position_id and h.rank == rank)


def find_other_rank(
    existing: Iterable[H],
    *,
    position_id: int,
    person_id: int,
    rank: int,
    valid_from: datetime,
    valid_to: datetime | None,
    ignore_id: int | None = None,
) -> H | None:
    """The first assignment in which the same person holds another rank of the same position in an
    overlapping period: one person holds at most one rank of a seat at a time."""
    return _first_overlapping(existing, valid_from, valid_to, ignore_id,
                              lambda h: h.position_id == position_id and h.person_id == person_id and h.rank != rank)


def _first_overlapping(existing: Iterable[H], valid_from: datetime, valid_to: datetime | None,
                       ignore_id: int | None, matches: Callable[[H], bool]) -> H | None:
    """The earliest of ``existing`` (but ``ignore_id``) that ``matches`` and overlaps ``[valid_from, valid_to)``."""
    for other in sorted(existing, key=lambda h: (h.valid_from, h.id)):
        if other.id != ignore_id and matches(other) and periods_overlap(valid_from, valid_to, other.valid_from,
                                                                        other.valid_to):
            return other
    return None


def end_error(holding: HoldingLike, at: datetime) -> str | None:
    """Why ``holding`` cannot end at ``at`` (for "end" and "replace"), or ``None``."""
    if at <= holding.valid_from:
        return N_("the end must be after the assignment's start")
    return None


@dataclass
class Gap:
    position_id: int
    problem: Problem
    person_id: int | None = None


@dataclass
class SeatRoster(Generic[SeatT, HoldT]):
    position: SeatT
    primary: HoldT | None = None
    deputies: list[HoldT] = field(default_factory=list)
    problems: list[Gap] = field(default_factory=list)
    # The planned next holder of each current holding's rank (by the holding's id); see add_successors.
    successors: dict[int, HoldT] = field(default_factory=dict)

    @property
    def holders(self) -> list[HoldT]:
        return ([self.primary] if self.primary is not None else []) + self.deputies

    @property
    def warnings(self) -> list[Gap]:
        """The gaps and warnings, without the notices (a planned handover is no problem)."""
        return [g for g in self.problems if g.problem not in NOTICES]

    @property
    def gaps(self) -> list[Gap]:
        return [g for g in self.problems if g.problem in CONTRACT_GAPS]

    def has(self, problem: Problem) -> bool:
        return any(g.problem is problem for g in self.problems)


def roster_at(positions: Iterable[S], holdings: Iterable[H], at: datetime) -> list[SeatRoster[S, H]]:
    """Positions in sort order, each with its primary (rank 0) and deputies in rank order at ``at``.

    Contract gaps are computed here; see :func:`add_warnings` for the page's extra warnings.
    """
    by_position: dict[int, list[H]] = defaultdict(list)
    for holding in holdings:
        if holds_at(holding.valid_from, holding.valid_to, at):
            by_position[holding.position_id].append(holding)
    result: list[SeatRoster[S, H]] = []
    for position in sorted(positions, key=lambda p: (p.sort_order, p.id)):
        seat: SeatRoster[S, H] = SeatRoster(position)
        for holding in sorted(by_position.get(position.id, []), key=lambda h: (h.rank, h.valid_from, h.id)):
            if holding.rank == 0 and seat.primary is None:
                seat.primary = holding
            else:
                seat.deputies.append(holding)
        if position.mandatory and seat.primary is None:
            seat.problems.append(Gap(position.id, Problem.NO_PRIMARY))
        if len(seat.deputies) < position.min_deputies:
            seat.problems.append(Gap(position.id, Problem.TOO_FEW_DEPUTIES))
        result.append(seat)
    return result


def contract_gaps(seats: Iterable[SeatRoster[S, H]]) -> list[Gap]:
    return [g for seat in seats for g in seat.gaps]


def add_successors(seats: list[SeatRoster[S, H]], later: Iterable[H]) -> None:
    """Record, for each current holding that ends, the incoming holder: the earliest of ``later`` of the same
    position and rank that starts at or after the end (the seat's holder changes at a known time)."""
    candidates: dict[tuple[int, int], list[H]] = defaultdict(list)
    for holding in later:
        candidates[(holding.position_id, holding.rank)].append(holding)
    for seat in seats:
        for holding in seat.holders:
            end = holding.valid_to
            if end is None:
                continue
            following = [c for c in candidates.get((holding.position_id, holding.rank), [])
                         if c.id != holding.id and c.valid_from >= end]
            if following:
                seat.successors[holding.id] = min(following, key=lambda c: (c.valid_from, c.id))


def add_warnings(
    seats: list[SeatRoster[S, H]], at: datetime, *, other_holdings: Iterable[HoldingLike] = ()
) -> None:
    """Add the page's warnings to ``seats``: assignments ending within 30 days of ``at`` (a notice instead when
    the incoming holder, see :func:`add_successors`, takes over at that very moment), and seats whose only
    holder also holds another seat at ``at`` (in this staff or in ``other_holdings``, e.g. the other staff) —
    when both are needed at once, one of them stays empty."""
    seats_of: dict[int, set[int]] = defaultdict(set)
    for seat in seats:
        for holding in seat.holders:
            seats_of[holding.person_id].add(holding.position_id)
    for other in other_holdings:
        if holds_at(other.valid_from, other.valid_to, at):
            seats_of[other.person_id].add(other.position_id)
    for seat in seats:
        for holding in seat.holders:
            if holding.valid_to is not None and holding.valid_to - at <= ENDING_SOON:
                successor = seat.successors.get(holding.id)
                seamless = successor is not None and successor.valid_from == holding.valid_to
                kind = Problem.HANDOVER if seamless else Problem.ENDING_SOON
                seat.problems.append(Gap(seat.position.id, kind, holding.person_id))
        people = {h.person_id for h in seat.holders}
        if len(people) == 1:
            (only,) = people
            if len(seats_of[only]) > 1:
                seat.problems.append(Gap(seat.position.id, Problem.SHARED_HOLDER, only))
