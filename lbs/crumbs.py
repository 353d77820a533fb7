"""Breadcrumbs of the deep pages: the trail from a list page down to the page shown.

Views build the trail from the objects they have already loaded (no query here) and pass it to the template as
``crumbs``; ``templates/_macros/breadcrumbs.html`` renders it, the last crumb being the page itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str | None = None  # None: the page itself (the last crumb)


def trail(*steps: Crumb, current: str) -> list[Crumb]:
    """The crumbs ``steps`` followed by the page itself, ``current``."""
    return [*steps, Crumb(current)]


def incident_steps(incident: Any) -> list[Crumb]:
    return [Crumb(_("Incidents"), url_for("incidents.index")),
            Crumb(str(incident.title), url_for("incidents.show", incident_id=incident.id))]


def decision_label(decision: Any) -> str:
    return str(_("Decision %(number)s: %(title)s", number=decision.number, title=decision.title))


def decision_steps(decision: Any, incident: Any) -> list[Crumb]:
    return [*incident_steps(incident),
            Crumb(decision_label(decision), url_for("decisions.show", decision_id=decision.id))]


def staff_steps(staff: Any) -> list[Crumb]:
    return [Crumb(_("Rosters"), url_for("staffs.index")),
            Crumb(str(staff.code), url_for("staffs.show", code=staff.code))]


def people_steps() -> list[Crumb]:
    return [Crumb(_("Rosters"), url_for("staffs.index")), Crumb(_("People"), url_for("staffs.people"))]


def rule_steps() -> list[Crumb]:
    return [Crumb(_("Consultation graph"), url_for("consultation.graph")),
            Crumb(_("Consultation rules"), url_for("consultation.rules"))]
