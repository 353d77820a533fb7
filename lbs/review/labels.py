"""Human labels (translated) for the enumerations the review shows."""

from __future__ import annotations

from typing import Any

from lbs import labels

# The shared tables of lbs.labels, under the names the review code uses.
DECISION_TYPES: dict[str, Any] = labels.DECISION_TYPE
INCIDENT_KINDS: dict[str, Any] = labels.INCIDENT_KIND
COST_CATEGORIES: dict[str, Any] = labels.COST_CATEGORY
COST_STATUSES: dict[str, Any] = labels.COST_STATUS
MODES: dict[str, Any] = labels.MODE
OUTCOMES: dict[str, Any] = labels.OUTCOME
READINESS: dict[str, Any] = labels.READINESS


def label(table: dict[str, Any], value: Any) -> str:
    key = getattr(value, "value", value)
    return str(table.get(str(key), key))


def labels_context() -> dict[str, Any]:
    """Template globals for the review templates."""
    return {
        "decision_type_label": lambda v: label(DECISION_TYPES, v),
        "incident_kind_label": lambda v: label(INCIDENT_KINDS, v),
        "cost_category_label": lambda v: label(COST_CATEGORIES, v),
        "cost_status_label": lambda v: label(COST_STATUSES, v),
        "mode_label": lambda v: label(MODES, v),
        "outcome_label": lambda v: label(OUTCOMES, v),
        "readiness_label": lambda v: label(READINESS, v),
        "duration_text": duration_text,
    }


def duration_text(value: Any) -> str:
    """``2 d. 5 t. 30 min.`` — days, hours, minutes of a timedelta."""
    from flask_babel import gettext as _

    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d.", n=days))
    if hours or days:
        parts.append(_("%(n)d h.", n=hours))
    parts.append(_("%(n)d min.", n=mins))
    return " ".join(parts)
