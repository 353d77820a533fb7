"""The cost charts: the points of an incident's running total, and plain, accessible SVG (no script).

The running total's points are thinned in SQL to at most ``CHART_POINTS`` evenly spaced ones, so a long
incident's chart and its data table stay small. The SVG functions are pure: they take numbers and labels and
return markup with <title>/<desc> and text labels, print friendly; the pages show a data table next to each
chart as the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import case, func, select, type_coerce

from lbs.costs.totals import BEST_KNOWN
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.types import Money
from lbs.versioned_cache import VersionedCache

CHART_POINTS = 120
ChartPoints = tuple[list[tuple[datetime, Decimal]], int]
_chart_cache: VersionedCache[ChartPoints] = VersionedCache(64)


def _pick(i: Any, last: Any, steps: Any) -> Any:
    """Index of the ``i``-th of ``steps + 1`` evenly spaced points over ``0 … last``: ``i · last / steps``
    rounded half up, in integer arithmetic so Python and SQL pick the very same points."""
    return (2 * i * last + steps) // (2 * steps)


def thin_points(points: list[tuple[datetime, Decimal]], limit: int = CHART_POINTS) -> list[tuple[datetime, Decimal]]:
    """At most ``limit`` evenly spaced points of a running total, always keeping the first and the last
    (the total): the points :func:`cumulative_chart_points` picks in SQL."""
    if len(points) <= limit:
        return points
    return [points[_pick(i, len(points) - 1, limit - 1)] for i in range(limit)]


def cumulative_chart_points(*, incident: Incident, limit: int = CHART_POINTS,
                            scope: ReadScope = EVERYTHING) -> ChartPoints:
    """The incident's running total (actual where known, else estimate; superseded lines left out) at each
    decision time, oldest first, thinned as :func:`thin_points` does, and the number of decision times.

    Thinned in SQL so only the shown points leave the database; kept per worker under the incident's versions
    (:mod:`lbs.versioned_cache`). Only the lines in ``scope`` count; a scoped total is kept under the scope's
    bearer, never under the key of everything."""
    return _chart_cache.get(incident, lambda: _running_totals(incident.id, limit, scope), limit,
                            scope.organisation_id)


def _running_totals(incident_id: int, limit: int, scope: ReadScope) -> ChartPoints:
    per_time = (
        select(Decision.decided_at.label("at"), func.sum(BEST_KNOWN).label("amount"))
        .select_from(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(CostLine.incident_id == incident_id, Decision.incident_id == incident_id,
               CostLine.superseded_by_id.is_(None), scope.lines())
        .group_by(Decision.decided_at)
        .subquery()
    )
    running = select(
        per_time.c.at,
        # one row per time, so a ROWS frame (cheaper than the default RANGE) gives the same running total
        type_coerce(func.sum(per_time.c.amount).over(order_by=per_time.c.at, rows=(None, 0)), Money()).label("total"),
        (func.row_number().over(order_by=per_time.c.at) - 1).label("index"),
        (func.count().over() - 1).label("last"),
    ).subquery()
    # Keep index j when the point picked nearest to it (i = j · steps / last, rounded) is j itself.
    steps, j, last = limit - 1, running.c.index, running.c.last
    stmt = (
        select(running.c.at, running.c.total, running.c.last)
        .where(case((last < limit, True), else_=_pick(_pick(j, steps, last), last, steps) == j))
        .order_by(running.c.at)
    )
    rows = db.session.execute(stmt).all()
    return [(at, total) for at, total, _ in rows], (int(rows[0].last) + 1 if rows else 0)


WIDTH = 640
BAR_HEIGHT = 14
ROW_HEIGHT = 40
LABEL_WIDTH = 190
RIGHT_PAD = 20


def _scale(maximum: Decimal, span: int) -> Callable[[Decimal], float]:
    if maximum <= 0:
        return lambda value: 0.0
    return lambda value: float(value / maximum * span)


def estimate_vs_actual_bars(
    rows: Sequence[tuple[str, Decimal, Decimal | None]],
    *,
    title: str,
    description: str,
    estimate_label: str,
    actual_label: str,
    fmt: Callable[[Decimal], str],
    chart_id: str = "chart-categories",
) -> Markup:
    """Horizontal paired bars per category: the estimate (hatched outline) and the actual (solid)."""
    top = 30
    height = top + ROW_HEIGHT * max(len(rows), 1) + 10
    span = WIDTH - LABEL_WIDTH - RIGHT_PAD - 110
    maximum = max([r[1] for r in rows] + [r[2] for r in rows if r[2] is not None] + [Decimal(0)])
    x = _scale(maximum, span)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<g class="legend"><rect x="{LABEL_WIDTH}" y="6" width="12" height="12" class="bar-estimate"/>'
        f'<text x="{LABEL_WIDTH + 18}" y="16">{escape(estimate_label)}</text>'
        f'<rect x="{LABEL_WIDTH + 160}" y="6" width="12" height="12" class="bar-actual"/>'
        f'<text x="{LABEL_WIDTH + 178}" y="16">{escape(actual_label)}</text></g>',
    ]
    for index, (label, estimate, actual) in enumerate(rows):
        y = top + index * ROW_HEIGHT
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT + 4}" text-anchor="end" '
                     f'class="axis-label">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{x(estimate):.1f}" height="{BAR_HEIGHT}" '
                     f'class="bar-estimate"/>')
        parts.append(f'<text x="{LABEL_WIDTH + x(estimate) + 4:.1f}" y="{y + 11}" class="value">'
                     f'{escape(fmt(estimate))}</text>')
        if actual is not None:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + BAR_HEIGHT + 2}" width="{x(actual):.1f}" '
                         f'height="{BAR_HEIGHT}" class="bar-actual"/>')
            parts.append(f'<text x="{LABEL_WIDTH + x(actual) + 4:.1f}" y="{y + BAR_HEIGHT + 13}" class="value">'
                         f'{escape(fmt(actual))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def cumulative_line(
    points: Sequence[tuple[datetime, Decimal]],
    *,
    title: str,
    description: str,
    fmt: Callable[[Decimal], str],
    time_fmt: Callable[[datetime], str],
    chart_id: str = "chart-cumulative",
) -> Markup:
    """A step line of the running total over the incident's time, labelled at each step."""
    height = 260
    left, right, top, bottom = 110, WIDTH - 30, 20, height - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="axis"/>',
    ]
    if points:
        start, end = points[0][0], points[-1][0]
        seconds = max((end - start).total_seconds(), 1.0)
        maximum = max(p[1] for p in points)
        y_of = _scale(maximum, bottom - top)

        def px(at: datetime) -> float:
            return left + (at - start).total_seconds() / seconds * (right - left) if len(points) > 1 else left

        path = [f"M {left} {bottom}"]
        previous_y = float(bottom)
        for at, total in points:
            x = px(at)
            y = bottom - y_of(total)
            path.append(f"L {x:.1f} {previous_y:.1f} L {x:.1f} {y:.1f}")
            previous_y = y
        parts.append(f'<path d="{" ".join(path)}" class="line"/>')
        for index, (at, total) in enumerate(points):
            x, y = px(at), bottom - y_of(total)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="point"/>')
            if index == len(points) - 1 or index == 0:
                parts.append(f'<text x="{min(x, right - 4):.1f}" y="{max(y - 6, top + 8):.1f}" '
                             f'text-anchor="{"end" if index else "start"}" class="value">{escape(fmt(total))}</text>')
        parts.append(f'<text x="{left}" y="{bottom + 18}" class="axis-label">{escape(time_fmt(start))}</text>')
        if len(points) > 1:
            parts.append(f'<text x="{right}" y="{bottom + 18}" text-anchor="end" class="axis-label">'
                         f'{escape(time_fmt(end))}</text>')
        parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis-label">'
                     f'{escape(fmt(maximum))}</text>')
        parts.append(f'<text x="{left - 6}" y="{bottom}" text-anchor="end" class="axis-label">'
                     f'{escape(fmt(Decimal(0)))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
