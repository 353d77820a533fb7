"""The timeline chart's layout (pure): staff activations as bars, decisions as markers, on a time axis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

WIDTH = 900
LEFT = 90
RIGHT = 20
ROW = 34
TOP = 24


@dataclass(frozen=True)
class Bar:
    row: int
    x: float
    width: float
    y: float
    label: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    number: int
    urgent: bool
    amendment: bool
    title: str
    at: datetime
    staff: str


@dataclass(frozen=True)
class Tick:
    x: float
    at: datetime


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    rows: list[tuple[str, float]]  # staff code, y of the row's middle
    bars: list[Bar]
    markers: list[Marker]
    ticks: list[Tick]
    start: datetime
    end: datetime


def build(*, start: datetime, end: datetime, activations: list[Any], decisions: list[Any],
          clip: bool = False) -> Timeline:
    """``activations``: objects with staff.code, readiness, active_from, active_until;
    ``decisions``: review rows with staff_code and decision (number, decided_at, urgent, amends_id, title).
    ``clip``: the axis spans ``start``–``end`` and the decisions only; activations that began earlier are
    drawn from ``start`` (one page of a long incident)."""
    times = [start, end] + [r.decision.decided_at for r in decisions]
    if not clip:
        times += [a.active_from for a in activations]
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 60.0)
    inner = WIDTH - LEFT - RIGHT

    def x_of(at: datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * inner, 1)

    staffs = sorted({a.staff.code for a in activations} | {r.staff_code for r in decisions}, reverse=True)
    y_of = {code: TOP + i * ROW + ROW / 2 for i, code in enumerate(staffs)}
    bars = [
        Bar(row=staffs.index(a.staff.code), x=x_of(max(a.active_from, start)),
            width=max(round(x_of(min(a.active_until or end, end)) - x_of(max(a.active_from, start)), 1), 2.0),
            y=y_of[a.staff.code] - 8, label=a.staff.code, start=a.active_from, end=a.active_until)
        for a in activations
    ]
    markers = [
        Marker(x=x_of(r.decision.decided_at), y=y_of[r.staff_code], number=r.decision.number,
               urgent=r.decision.urgent, amendment=r.decision.amends_id is not None, title=r.decision.title,
               at=r.decision.decided_at, staff=r.staff_code)
        for r in decisions
    ]
    ticks = [Tick(x=x_of(start + timedelta(seconds=span * i / 4)), at=start + timedelta(seconds=span * i / 4))
             for i in range(5)]
    height = TOP + max(len(staffs), 1) * ROW + 30
    return Timeline(WIDTH, height, [(code, y_of[code]) for code in staffs], bars, markers, ticks, start, end)


def for_review(review: Any, *, now: datetime) -> Timeline:
    incident = review.incident
    return build(start=incident.started_at, end=incident.ended_at or now, activations=review.activations,
                 decisions=review.decisions)


def for_page(page: Any) -> Timeline:
    """The timeline of one page of a review: its decisions and the activations overlapping their span."""
    return build(start=page.start, end=page.end, activations=page.activations, decisions=page.rows, clip=True)
