"""Server-side charts as plain, accessible SVG (no script): <title>/<desc>, text labels, print friendly.

Pure functions: they take numbers and labels and return markup. The pages show a data table next to each
chart as the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup, escape

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
