"""Cost figures computed the plain way, straight from ``cost_lines`` and without kept sums or thinning: the
references the ledger, dashboard, overview and chart must equal."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from lbs.costs.totals import ZERO, IncidentTotal
from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality
from lbs.types import Money

_BEST_KNOWN = func.coalesce(CostLine.actual_dkk, CostLine.estimate_dkk)


def _sum(column: Any) -> ColumnElement[Decimal]:
    return type_coerce(func.sum(column), Money())


def incident_totals_by_municipality(*, municipality_code: str | None = None,
                                    incident_id: int | None = None) -> list[IncidentTotal]:
    """Per incident and municipal bearer: totals of the non-superseded lines and the R14 flag, ordered by
    incident start (newest first), incident id, then municipality name."""
    where = [CostLine.superseded_by_id.is_(None)]
    if incident_id is not None:
        where.append(CostLine.incident_id == incident_id)
    if municipality_code is not None:
        where.append(Municipality.code == municipality_code)
    stmt = (
        select(Incident.id, Incident.title, Municipality.code, Municipality.name, Municipality.budget_dkk,
               _sum(CostLine.estimate_dkk), _sum(CostLine.actual_dkk),
               _sum(case((CostLine.actual_dkk.is_not(None), CostLine.estimate_dkk), else_=None)), func.count(),
               _sum(_BEST_KNOWN))
        .select_from(CostLine)
        .join(Incident, Incident.id == CostLine.incident_id)
        .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
        .where(*where)
        .group_by(Incident.id, Incident.title, Incident.started_at, Municipality.code, Municipality.name,
                  Municipality.budget_dkk)
        .order_by(Incident.started_at.desc(), Incident.id, Municipality.name)
    )
    return [
        IncidentTotal(incident_id=i, incident_title=t, municipality_code=code, municipality_name=name, budget=budget,
                      estimate=e or ZERO, actual=a, estimate_of_actualised=ea, lines=count, best_known=best or ZERO)
        for i, t, code, name, budget, e, a, ea, count, best in db.session.execute(stmt).all()
    ]


def cumulative_costs(*, incident_id: int) -> list[tuple[datetime, Decimal]]:
    """The running total (actual where known, else estimate) at every decision time, oldest first."""
    per_time = db.session.execute(
        select(Decision.decided_at, _sum(_BEST_KNOWN))
        .select_from(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
        .group_by(Decision.decided_at)
        .order_by(Decision.decided_at)
    ).all()
    points: list[tuple[datetime, Decimal]] = []
    running = ZERO
    for at, amount in per_time:
        running += amount
        points.append((at, running))
    return points
