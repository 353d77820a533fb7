"""Pure roster rules: as-of lookup, gaps, overlap (touching ends), replace, warnings — no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lbs.staffs import roster
from lbs.staffs.roster import Problem

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Seat:
    id: int
    mandatory: bool = True
    min_deputies: int = 0
    sort_order: int = 0


@dataclass
class Hold:
    id: int
    position_id: int
    person_id: int
    rank: int
    valid_from: datetime
    valid_to: datetime | None = None


def days(n: int) -> datetime:
    return T0 + timedelta(days=n)


def test_periods_are_half_open_and_touching_ends_do_not_overlap():
    assert roster.holds_at(days(0), days(10), days(0))
    assert not roster.holds_at(days(0), days(10), days(10))
    assert roster.holds_at(days(0), None, days(9999))
    assert not roster.holds_at(days(1), None, days(0))
    assert not roster.periods_overlap(days(0), days(10), days(10), None)
    assert not roster.periods_overlap(days(10), None, days(0), days(10))
    assert roster.periods_overlap(days(0), days(11), days(10), None)
    assert roster.periods_overlap(days(0), None, days(5), days(6))
    assert roster.periods_overlap(days(5), days(6), days(0), None)
    assert roster.periods_overlap(days(0), None, days(100), None)


def test_find_overlap_only_same_position_and_rank():
    existing = [Hold(1, 10, 100, 0, days(0), days(10)), Hold(2, 10, 101, 1, days(0), None),
                Hold(3, 11, 102, 0, days(0), None)]
    assert roster.find_overlap(existing, position_id=10, rank=0, valid_from=days(10), valid_to=None) is None
    clash = roster.find_overlap(existing, position_id=10, rank=0, valid_from=days(9), valid_to=None)
    assert clash is existing[0]
    assert roster.find_overlap(existing, position_id=10, rank=1, valid_from=days(50), valid_to=days(51)) is existing[1]
    assert roster.find_overlap(existing, position_id=10, rank=2, valid_from=days(0), valid_to=None) is None
    # an assignment never clashes with itself (when it is being ended or changed)
    assert roster.find_overlap(existing, position_id=10, rank=0, valid_from=days(0), valid_to=days(5),
                               ignore_id=1) is None


def test_period_and_end_errors():
    assert roster.period_error(days(1), days(1)) is not None
    assert roster.period_error(days(2), days(1)) is not None
    assert roster.period_error(days(1), None) is None
    assert roster.period_error(days(1), days(2)) is None
    hold = Hold(1, 10, 100, 0, days(5))
    assert roster.end_error(hold, days(5)) is not None
    assert roster.end_error(hold, days(4)) is not None
    assert roster.end_error(hold, days(6)) is None


def test_roster_as_of_orders_positions_and_ranks():
    seats = [Seat(2, sort_order=2), Seat(1, sort_order=1, min_deputies=1)]
    holds = [
        Hold(1, 1, 100, 0, days(0), days(10)),   # old primary
        Hold(2, 1, 101, 0, days(10)),            # new primary (replace at day 10)
        Hold(3, 1, 103, 2, days(0)),             # second deputy
        Hold(4, 1, 102, 1, days(0)),             # first deputy
        Hold(5, 2, 104, 0, days(20)),            # starts later
    ]
    before = roster.roster_at(seats, holds, days(9))
    assert [s.position.id for s in before] == [1, 2]
    assert before[0].primary is not None and before[0].primary.person_id == 100
    assert [d.person_id for d in before[0].deputies] == [102, 103]
    assert before[1].primary is None
    at_change = roster.roster_at(seats, holds, days(10))
    assert at_change[0].primary is not None and at_change[0].primary.person_id == 101
    later = roster.roster_at(seats, holds, days(20))
    assert later[1].primary is not None and later[1].primary.person_id == 104


def test_gaps_no_primary_and_too_few_deputies():
    seats = [Seat(1, mandatory=True, min_deputies=1, sort_order=1), Seat(2, mandatory=False, min_deputies=0,
                                                                          sort_order=2),
             Seat(3, mandatory=True, min_deputies=2, sort_order=3)]
    holds = [Hold(1, 3, 100, 0, days(0)), Hold(2, 3, 101, 1, days(0))]
    result = roster.roster_at(seats, holds, days(1))
    gaps = [(g.position_id, g.problem) for g in roster.contract_gaps(result)]
    assert gaps == [(1, Problem.NO_PRIMARY), (1, Problem.TOO_FEW_DEPUTIES), (3, Problem.TOO_FEW_DEPUTIES)]
    # a deputy alone does not make a primary
    only_deputy = roster.roster_at([Seat(1)], [Hold(1, 1, 100, 1, days(0))], days(1))
    assert only_deputy[0].primary is None and only_deputy[0].has(Problem.NO_PRIMARY)
    # the gap disappears once a second deputy holds
    holds.append(Hold(3, 3, 102, 2, days(0)))
    assert not roster.roster_at(seats, holds, days(1))[2].problems


def test_replace_keeps_the_seat_filled_without_overlap():
    old = Hold(1, 1, 100, 0, days(0))
    replaced_at = days(7)
    assert roster.end_error(old, replaced_at) is None
    ended = Hold(1, 1, 100, 0, days(0), replaced_at)
    new = Hold(2, 1, 101, 0, replaced_at)
    assert roster.find_overlap([ended], position_id=1, rank=0, valid_from=new.valid_from, valid_to=None) is None
    for moment, holder in ((days(6), 100), (replaced_at, 101), (days(30), 101)):
        seat = roster.roster_at([Seat(1)], [ended, new], moment)[0]
        assert seat.primary is not None and seat.primary.person_id == holder
        assert not seat.has(Problem.NO_PRIMARY)


def test_warnings_ending_soon_and_shared_holder():
    seats = [Seat(1, sort_order=1), Seat(2, sort_order=2), Seat(3, sort_order=3)]
    holds = [
        Hold(1, 1, 100, 0, days(0), days(40)),   # ends 30 days after day 10: warned
        Hold(2, 2, 200, 0, days(0), days(41)),   # ends 31 days after day 10: not warned
        Hold(3, 3, 200, 0, days(0)),             # person 200 also holds seat 3 alone: both seats shared
    ]
    result = roster.roster_at(seats, holds, days(10))
    roster.add_warnings(result, days(10))
    assert result[0].has(Problem.ENDING_SOON)
    assert not result[1].has(Problem.ENDING_SOON)
    assert result[1].has(Problem.SHARED_HOLDER) and result[2].has(Problem.SHARED_HOLDER)
    assert not result[0].has(Problem.SHARED_HOLDER)
    # warnings never show up as contract gaps
    assert roster.contract_gaps(result) == []


def test_shared_holder_across_staffs_and_not_when_a_deputy_covers():
    seats = [Seat(1, sort_order=1)]
    other_staff = [Hold(9, 99, 100, 0, days(0))]
    alone = roster.roster_at(seats, [Hold(1, 1, 100, 0, days(0))], days(1))
    roster.add_warnings(alone, days(1), other_holdings=other_staff)
    assert alone[0].has(Problem.SHARED_HOLDER)
    covered = roster.roster_at(seats, [Hold(1, 1, 100, 0, days(0)), Hold(2, 1, 101, 1, days(0))], days(1))
    roster.add_warnings(covered, days(1), other_holdings=other_staff)
    assert not covered[0].has(Problem.SHARED_HOLDER)
    # a seat in the other staff that is not held at the time does not count
    ended = roster.roster_at(seats, [Hold(1, 1, 100, 0, days(0))], days(1))
    roster.add_warnings(ended, days(1), other_holdings=[Hold(9, 99, 100, 0, days(0), days(1))])
    assert not ended[0].has(Problem.SHARED_HOLDER)
