"""Costs routes: reads for every role; changes only for the bearing municipality's users (herning here)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from lbs.decisions.models import CostLine, CostStatus
from lbs.extensions import db
from lbs.organisations.models import Municipality
from tests.matrix import ALL, Case

MUNICIPALITY = ("municipality",)


def _herning_line() -> CostLine:
    """An open, non-superseded Herning line (the demo's if there is one, else a fresh one)."""
    herning = db.session.get(Municipality, "657")
    assert herning is not None
    line = db.session.scalar(
        select(CostLine).where(CostLine.bearer_id == herning.organisation_id,
                               CostLine.status == CostStatus.ESTIMATED, CostLine.superseded_by_id.is_(None))
        .order_by(CostLine.id).limit(1))
    if line is None:
        from tests import factories as f

        decision = f.decision_with_costs(f.incident("Matrix costs"), [
            {"bearer": "657", "category": "catering", "estimate": "1000.00"}])
        line = decision.test_lines[0]
        db.session.commit()
    return line


def line_path(suffix: str = "") -> Callable[[], str]:
    return lambda: f"/costs/lines/{_herning_line().id}{suffix}"


def api_line_path(suffix: str = "") -> Callable[[], str]:
    return lambda: f"/api/v1/costs/{_herning_line().id}{suffix}"


def incident_path(suffix: str) -> Callable[[], str]:
    return lambda: f"/costs/incidents/{_herning_line().incident_id}{suffix}"


CASES = [
    Case("GET", lambda: f"/api/v1/incidents/{_herning_line().incident_id}/costs", ALL,
         rule="/api/v1/incidents/<id:incident_id>/costs"),
    Case("PATCH", api_line_path(), MUNICIPALITY, rule="/api/v1/costs/<id:line_id>"),
    Case("GET", api_line_path("/history"), ALL, rule="/api/v1/costs/<id:line_id>/history"),
    Case("GET", "/costs/", ALL),
    Case("GET", incident_path(""), ALL, rule="/costs/incidents/<id:incident_id>"),
    Case("GET", incident_path("/costs.csv"), ALL, rule="/costs/incidents/<id:incident_id>/costs.csv"),
    Case("GET", incident_path("/costs.xlsx"), ALL, rule="/costs/incidents/<id:incident_id>/costs.xlsx"),
    Case("GET", "/costs/municipalities/657/costs.csv", ALL,
         rule="/costs/municipalities/<string(length=3):code>/costs.csv"),
    Case("GET", "/costs/municipalities/657/costs.xlsx", ALL,
         rule="/costs/municipalities/<string(length=3):code>/costs.xlsx"),
    Case("GET", line_path(), ALL, rule="/costs/lines/<id:line_id>"),
    *[Case("POST", line_path(f"/{verb}"), MUNICIPALITY, rule=f"/costs/lines/<id:line_id>/{verb}")
      for verb in ("accept", "dispute", "settle", "actual", "budget-note")],
]
