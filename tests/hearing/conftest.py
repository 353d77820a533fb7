"""Shared set-up of the hearing tests: an incident and a proposal body that costs Herning money."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lbs.extensions import db
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories


def proposal_body(**overrides: Any) -> dict[str, Any]:
    """An evacuation costing Herning 300 000 kr.: Herning's parties must be heard (approve among them)."""
    herning = factories.organisation("Herning Kommune").id
    data: dict[str, Any] = {
        "staff": "LBS-S", "owner": factories.organisation("Midt- og Vestjyllands Politi").id,
        "type": "evacuation", "title": "Evakuering af Sunds", "decision": "Sunds evakueres til Herning Hallerne.",
        "rationale": "Dæmningen kan bryde inden for 6 timer.",
        "costs": [{"bearer": herning, "category": "evacuation_transport", "estimate_dkk": "300000"}],
        "respond_by": (utcnow() + timedelta(hours=1)).isoformat(),
    }
    data.update(overrides)
    return data


def decision_maker() -> int:
    return db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()


@pytest.fixture
def incident(app: Any) -> Any:
    inc = factories.incident()
    db.session.commit()
    return inc


@pytest.fixture
def proposal(api_as: Any, incident: Any) -> dict[str, Any]:
    response = api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body())
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def request_for(proposal: dict[str, Any], party: str) -> dict[str, Any]:
    return next(r for r in proposal["requests"] if r["party"] == party)
