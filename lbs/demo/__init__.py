"""The demo data behind ``flask --app wsgi lbs seed-demo``: the district, its rules, its incidents."""

from __future__ import annotations

from datetime import datetime

from lbs.demo import district, hearing, incidents, rules
from lbs.timeutil import utcnow

# Run in this order on an empty database; each module has ``seed(now)``.
SEED_STEPS = [
    district,   # organisations, municipalities, staffs, positions, people, parties, users
    rules,      # rules R1–R14 and thresholds
    incidents,  # the demo incidents with decisions, costs and consultations
    hearing,    # an open proposal in the demo incident, waiting for Herning's answers
]


def seed_demo(now: datetime | None = None) -> None:
    """Load the whole demo district (the caller has checked that the database is empty; it commits)."""
    now = now or utcnow()
    for module in SEED_STEPS:
        module.seed(now)
