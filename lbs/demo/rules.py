"""Demo seed: the standard rules R1–R14 (and one superseded earlier version of R5)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lbs.consultation import ruleset
from lbs.consultation.models import Mode, Rule, Timing
from lbs.consultation.rulebook import STANDARD_RULES
from lbs.extensions import db


def seed(now: datetime) -> None:
    """Load the rules, valid from well before now; R5 has an older version (approve only above 100.000 kr.)."""
    since = now - timedelta(days=2 * 365)
    changed = now - timedelta(days=365)
    for spec in STANDARD_RULES:
        start = since
        version = 1
        if spec["code"] == "R5":
            old = dict(spec["condition"], min="100000.00")
            db.session.add(Rule(code="R5", version=1, name=spec["name"], condition=old,
                                target_role=spec.get("target_role"), mode=Mode(spec["mode"]),
                                timing=Timing(spec["timing"]), valid_from=since, valid_to=changed,
                                description="Earlier version: the kommunaldirektør approved from 100.000 kr."))
            start, version = changed, 2
        db.session.add(Rule(code=spec["code"], version=version, name=spec["name"], condition=spec["condition"],
                            source_role=spec.get("source_role"), target_role=spec.get("target_role"),
                            target_party_key=spec.get("target_party_key"), mode=Mode(spec["mode"]),
                            timing=Timing(spec["timing"]), valid_from=start))
    db.session.flush()
    ruleset.bump_rules_version()
