"""The demo data behind ``flask --app wsgi lbs seed-demo``. Each step lives with its domain."""

from __future__ import annotations

from datetime import datetime

from lbs.modules import optional_modules
from lbs.timeutil import utcnow

# Run in this order on an empty database; each module has ``seed(now)``. Later domains add theirs.
SEED_STEPS = [
    "lbs.demo.district",          # organisations, municipalities, staffs, positions, people, parties, users
    "lbs.consultation.demo",      # rules R1–R14 and thresholds
    "lbs.decisions.demo",         # the demo incidents with decisions, costs and consultations
]


def seed_demo(now: datetime | None = None) -> None:
    """Load the whole demo district (the caller has checked that the database is empty; it commits)."""
    now = now or utcnow()
    for module in optional_modules(SEED_STEPS):
        module.seed(now)
