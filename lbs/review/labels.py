"""Human labels (translated) for the enumerations the review shows."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

DECISION_TYPES: dict[str, Any] = {
    "evacuation": _l("Evacuation"), "shelter": _l("Shelter"), "cordon": _l("Cordon"), "warning": _l("Warning"),
    "resource_request": _l("Resource request"), "assistance_request": _l("Assistance request"),
    "closure": _l("Closure"), "traffic": _l("Traffic"), "communication": _l("Communication"),
    "stand_down": _l("Stand-down"), "other": _l("Other"),
}
INCIDENT_KINDS: dict[str, Any] = {
    "severe_weather": _l("Severe weather"), "flood": _l("Flood"), "storm_surge": _l("Storm surge"),
    "fire": _l("Fire"), "cbrne": _l("CBRNE"), "terror": _l("Terror"), "utility_failure": _l("Utility failure"),
    "health": _l("Health"), "migration": _l("Migration"), "planned_event": _l("Planned event"), "other": _l("Other"),
}
COST_CATEGORIES: dict[str, Any] = {
    "evacuation_transport": _l("Evacuation transport"), "emergency_accommodation": _l("Emergency accommodation"),
    "catering": _l("Catering for evacuees"), "responder_catering": _l("Catering for responders"),
    "supplies": _l("Supplies and sanitation"), "rehousing": _l("Long-term rehousing"),
    "extra_staff": _l("Extra staff costs"), "equipment": _l("Equipment hire and purchase"),
    "external_assistance": _l("External assistance"), "psychosocial": _l("Psychosocial support"),
    "public_information": _l("Public information"), "clean_up": _l("Acute clean-up"),
    "restoration": _l("Restoration"), "private_compensation": _l("Compensation to private persons"),
    "administration": _l("Administration"), "lost_income": _l("Lost income"),
}
COST_STATUSES: dict[str, Any] = {
    "estimated": _l("estimated"), "accepted": _l("accepted"), "disputed": _l("disputed"), "settled": _l("settled"),
}
MODES: dict[str, Any] = {"inform": _l("inform"), "consult": _l("consult"), "approve": _l("approve")}
OUTCOMES: dict[str, Any] = {
    "agreed": _l("agreed"), "agreed_with_reservation": _l("agreed with reservation"), "objected": _l("objected"),
    "no_answer": _l("no answer"),
}
READINESS: dict[str, Any] = {"standby": _l("standby"), "activated": _l("activated"), "stood_down": _l("stood down")}


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
