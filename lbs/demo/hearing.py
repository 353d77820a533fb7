"""Demo hearing: one open proposal in the Herning cloudburst that waits for Herning's answers.

Made through the real service (:func:`lbs.hearing.proposals.propose`), so its consultation requests are exactly
those the rules require; the municipality user ``herning`` finds them waiting when signing in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lbs.auth.models import User
from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.hearing.proposals import propose
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation


def _org_id(name: str) -> int:
    return db.session.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def seed(now: datetime) -> None:
    """A second evacuation centre proposed by the police, costing Herning Kommune 120 000 kr., answers wanted
    within three hours."""
    incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    police = db.session.scalars(select(User).where(User.username == "politi")).first()
    herning = _org_id("Herning Kommune")
    propose(incident=incident, by=police, now=now, data={
        "staff": "LBS-S", "owner": herning, "type": "shelter",
        "title": "Ekstra evakueringscenter på Gullestrup Skole",
        "decision": "Herning Kommune åbner et ekstra evakueringscenter på Gullestrup Skole med 80 pladser.",
        "information": "Herning Hallen er ved at være fuld; flere beboere i Nørregade-kvarteret skal ud i nat.",
        "rationale": "Skolen ligger tørt og tæt på Nørregade-kvarteret; ingen anden ledig kapacitet i nat.",
        "legal_basis": "Beredskabsloven § 12, stk. 1",
        "costs": [{"bearer": herning, "category": "emergency_accommodation", "estimate_dkk": "120000",
                   "description": "Drift af ekstra evakueringscenter, 80 pladser"}],
        "respond_by": (now + timedelta(hours=3)).isoformat(),
    })
