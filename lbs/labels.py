"""Translated labels for the stored enum values, shared by forms, views, templates and exports."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context
from flask_babel import lazy_gettext as _l

from lbs.i18n import current_locale

DECISION_TYPE = {
    "evacuation": _l("Evacuation"), "shelter": _l("Shelter"), "cordon": _l("Cordon"), "warning": _l("Warning"),
    "resource_request": _l("Resource request"), "assistance_request": _l("Assistance request"),
    "closure": _l("Closure"), "traffic": _l("Traffic"), "communication": _l("Communication"),
    "stand_down": _l("Stand down"), "other": _l("Other"),
}
COST_CATEGORY = {
    "evacuation_transport": _l("Evacuation transport"), "emergency_accommodation": _l("Emergency accommodation"),
    "catering": _l("Catering for evacuees"), "responder_catering": _l("Catering for responders"),
    "supplies": _l("Supplies and sanitation"), "rehousing": _l("Long-term rehousing"),
    "extra_staff": _l("Extra staff costs"), "equipment": _l("Equipment hire and purchase"),
    "external_assistance": _l("External assistance"), "psychosocial": _l("Psychosocial support"),
    "public_information": _l("Public information"), "clean_up": _l("Acute clean-up"),
    "restoration": _l("Restoration"), "private_compensation": _l("Compensation to private persons"),
    "administration": _l("Administration"), "lost_income": _l("Lost income"),
}
COST_STATUS = {
    "estimated": _l("Estimated"), "accepted": _l("Accepted"), "disputed": _l("Disputed"), "settled": _l("Settled"),
}
BUDGET_NOTE = {
    "none": _l("No budget note"),
    "statutory_grant_to_follow": _l("Statutory measure, grant to follow"),
    "needs_supplementary_grant": _l("Needs a supplementary grant"),
}
MODE = {"inform": _l("Inform"), "consult": _l("Consult"), "approve": _l("Approve")}
TIMING = {"before": _l("before"), "after": _l("after"), "at_once": _l("at once"),
          "next_meeting": _l("at the next meeting")}
OUTCOME = {"agreed": _l("Agreed"), "agreed_with_reservation": _l("Agreed with reservation"),
           "objected": _l("Objected"), "no_answer": _l("No answer")}
# The status of a required consultation (``lbs.consultation.judging.Status``), in words: never colour alone.
CONSULTATION_STATUS = {"met": _l("met"), "objected": _l("objected"), "no_answer": _l("no answer"),
                       "insufficient_form": _l("insufficient form"), "missing": _l("missing")}
READINESS = {"standby": _l("standby"), "activated": _l("activated"), "stood_down": _l("stood down")}
INCIDENT_KIND = {
    "severe_weather": _l("Severe weather"), "flood": _l("Flood"), "storm_surge": _l("Storm surge"),
    "fire": _l("Fire"), "cbrne": _l("CBRNE"), "terror": _l("Terror"), "utility_failure": _l("Utility failure"),
    "health": _l("Health"), "migration": _l("Migration"), "planned_event": _l("Planned event"), "other": _l("Other"),
}

LABELS: dict[str, dict[str, Any]] = {
    "decision_type": DECISION_TYPE,
    "cost_category": COST_CATEGORY,
    "cost_status": COST_STATUS,
    "budget_note": BUDGET_NOTE,
    "mode": MODE,
    "timing": TIMING,
    "outcome": OUTCOME,
    "incident_kind": INCIDENT_KIND,
    "readiness": READINESS,
    "consultation_status": CONSULTATION_STATUS,
}


def translated(table: dict[str, Any]) -> dict[str, str]:
    """A table of lazy labels translated into the request's language, once per request: a page shows
    hundreds of labels, and each lazy string would look up the language and catalogue again."""
    if not has_app_context():
        return {k: str(v) for k, v in table.items()}
    memo: dict[tuple[int, str], dict[str, str]] = g.setdefault("_lbs_labels", {})
    key = (id(table), current_locale())
    found = memo.get(key)
    if found is None:
        found = memo[key] = {k: str(v) for k, v in table.items()}
    return found


def label_of(table: dict[str, Any], value: object) -> str:
    """The translated label of an enumeration value (or string) in ``table``; unknown values as they are."""
    key = str(getattr(value, "value", value))
    return translated(table).get(key, key)


def label(kind: str, value: object) -> str:
    """``label("cost_category", "catering")`` → the translated label; unknown values are shown as they are."""
    return label_of(LABELS[kind], value)


def register_labels(app: Flask) -> None:
    app.add_template_global(label, "label")
