"""The review templates' helpers: the labels of the enumerations they show (from :mod:`lbs.labels`), the
fixed texts of a decision's section, and durations."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lbs import labels


def labels_context() -> dict[str, Any]:
    """Template globals for the review templates."""
    return {
        "decision_type_label": lambda v: labels.label_of(labels.DECISION_TYPE, v),
        "incident_kind_label": lambda v: labels.label_of(labels.INCIDENT_KIND, v),
        "cost_category_label": lambda v: labels.label_of(labels.COST_CATEGORY, v),
        "cost_status_label": lambda v: labels.label_of(labels.COST_STATUS, v),
        "mode_label": lambda v: labels.label_of(labels.MODE, v),
        "outcome_label": lambda v: labels.label_of(labels.OUTCOME, v),
        "consultation_status_label": lambda v: labels.label_of(labels.CONSULTATION_STATUS, v),
        "readiness_label": lambda v: labels.label_of(labels.READINESS, v),
        "duration_text": duration_text,
        "decision_texts": decision_texts,
    }


# The fixed texts of a decision's review section. The section is rendered for every decision of a page
# (and of the PDF): a gettext call per text and decision was most of the page's time, so they are
# translated once per request. Texts with %(…)s placeholders are formatted in the template.
_DECISION_TEXTS: dict[str, Any] = {
    "decision_n": _l("Decision %(n)d"), "decision_lower_n": _l("decision %(n)d"),
    "after_sign_off": _l("after sign-off"), "urgent": _l("urgent"), "staff": _l("Staff"), "type": _l("Type"),
    "decided": _l("Decided"), "recorded": _l("Recorded"), "delay_m": _l("delay %(m)d min."),
    "reason": _l("reason"), "no_reason": _l("no reason given"), "decided_by": _l("Decided by"),
    "not_on_roster": _l("not on the roster"), "owner": _l("Owning authority"), "amends": _l("Amends"),
    "amended_by": _l("Amended by"), "rationale": _l("Rationale"), "roster_at": _l("Roster at %(at)s"),
    "seat": _l("Seat"), "holders": _l("Holders (primary first)"), "acting": _l("Acting"),
    "decision_maker": _l("Decision maker"), "deputy_n": _l("deputy %(n)d"),
    "no_seat": _l("no seat on the roster"), "deputy_acting": _l("deputy acting"),
    "consultations": _l("Consultations: required and done"), "party": _l("Party"), "required": _l("Required"),
    "done": _l("Done"), "outcome": _l("Outcome"), "missing": _l("missing"), "not_required": _l("not required"),
    "no_consultations": _l("No consultations required or made."), "costs_of": _l("Costs of decision %(n)d"),
    "bearer": _l("Bearer"), "category": _l("Category"), "estimate": _l("Estimate"), "actual": _l("Actual"),
    "status": _l("Status"), "provisional": _l("provisional bearer"), "superseded": _l("superseded"),
    "amendment_reason": _l("Reason for the amendment"),
    "see_amendment_reason": _l("an amendment: see the reason for the amendment"),
    # A consultation appended after its decision was logged (as the decision's page marks it).
    "appended": _l("added afterwards %(time)s by %(user)s"), "system": _l("system"),
}


def decision_texts() -> dict[str, str]:
    """``_DECISION_TEXTS`` translated into the request's language (once per request)."""
    return labels.translated(_DECISION_TEXTS)


def duration_text(value: Any) -> str:
    """``2 d. 5 t. 30 min.`` — days, hours, minutes of a timedelta."""
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
