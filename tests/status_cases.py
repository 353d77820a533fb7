"""Decisions whose required approval was not met, logged through the decision log, for the tests of how a
required consultation's status is shown: one where the mayor's approval was only *informed*
(``insufficient_form``), one where the mayor *objected* (``objected``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from lbs.consultation.facts import DecisionType
from lbs.consultation.models import Mode, Outcome
from lbs.decisions import log
from lbs.decisions.draft import ConsultationDraft, CostDraft, DecisionDraft
from lbs.decisions.models import CostCategory, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories

MAYOR = "657:borgmester"
INSUFFICIENT = "utilstrækkelig høringsform"
OBJECTED = "imod (indsigelse)"


@dataclass
class StatusCases:
    incident: Incident
    informed: Decision  # the mayor's approval (R6) was only informed
    objected: Decision  # the mayor objected


def log_evacuation(incident: Incident, title: str, mode: Mode, outcome: Outcome, minutes_ago: int) -> Decision:
    herning = factories.organisation("Herning Kommune").id
    maker = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    at = utcnow() - timedelta(minutes=minutes_ago)
    draft = DecisionDraft(
        staff="LBS-O", decided_at=at, decided_by_id=maker, owner_id=herning, type=DecisionType.EVACUATION,
        title=title, decision="Beboerne evakueres og indkvarteres på hotel.", rationale="Vandet stiger.",
        costs=[CostDraft(herning, CostCategory.EMERGENCY_ACCOMMODATION, Decimal("300000.00"), False, "Hotel")],
        consultations=[ConsultationDraft(MAYOR, at, mode, outcome)])
    return log.log_decision(incident=incident, draft=draft, by=None).decision


def status_cases(title: str = "Skybrud i Herning") -> StatusCases:
    incident = factories.incident(title)
    informed = log_evacuation(incident, "Evakuering af Fredhøj", Mode.INFORM, Outcome.AGREED, 10)
    objected = log_evacuation(incident, "Evakuering af Gullestrup", Mode.APPROVE, Outcome.OBJECTED, 5)
    mayor = [r for r in informed.required_consultations or [] if r["party"] == MAYOR]
    assert mayor and mayor[0]["mode"] == "approve", "a 300.000 kr. evacuation needs the mayor's approval (R6)"
    return StatusCases(incident, informed, objected)


def forget_stored_requirements(*decisions: Decision) -> None:
    """Make the decisions look logged before requirements and their gaps were stored (NULL): every read path
    must then judge them itself."""
    db.session.execute(update(Decision).where(Decision.id.in_([d.id for d in decisions]))
                       .values(required_consultations=None, missing_count=None, unmet_count=None))
    db.session.expire_all()


def row_of(html: str, *markers: str) -> str:
    """The first table row (``<tr …>…</tr>``) of ``html`` that contains every one of ``markers``."""
    for row in re.findall(r"<tr\b.*?</tr>", html, flags=re.S):
        if all(marker in row for marker in markers):
            return str(row)
    raise AssertionError(f"no row with {markers!r}")


def text_of(html: Any) -> str:
    """The text of an HTML fragment, tags dropped and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", str(html)).split())
