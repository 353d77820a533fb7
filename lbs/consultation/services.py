"""Consultation services: what a decision requires, parties, rules.

``required_consultations`` is the interface the decision log calls. The rule graph behind it is built
by the consultation issue (#5).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lbs.consultation.facts import DecisionFacts, Requirement
from lbs.consultation.models import Party
from lbs.extensions import db


def list_parties() -> Sequence[Party]:
    return db.session.scalars(select(Party).order_by(Party.key)).all()


def get_party_by_key(key: str) -> Party | None:
    return db.session.scalar(select(Party).where(Party.key == key))


def required_consultations(*, facts: DecisionFacts) -> list[Requirement]:
    """The parties that must be consulted for a decision with these facts, by the rules in force at
    ``facts.at``, transitively. Ordered by party key."""
    del facts
    return []
