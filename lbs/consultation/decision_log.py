"""What the consultation pages ask of the decision log, which sits above this package.

Three consultation pages look at logged decisions: the graph page explains what a logged decision required, the
rule editor previews a change on the stored decisions, and the decision form's panel needs the incident's
cost totals of the decisions logged before (rule R14). The decision log imports the consultation rules, never the
other way round, so it answers through this protocol: :mod:`lbs.decisions.compliance_views` installs its answer
when its blueprint is registered on the app, and these pages find it with :func:`decision_log`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from flask import current_app
from flask.sansio.app import App

from lbs.consultation.facts import DecisionFacts, Requirement
from lbs.consultation.rules import PreviewSubject

EXTENSION = "lbs.decision_log"


@dataclass(frozen=True)
class LoggedRequirements:
    """What a logged decision required (as stored when it was logged), with its facts and each requirement's
    status now (party key → ``lbs.consultation.judging.Status`` value)."""

    number: int
    title: str
    facts: DecisionFacts
    requirements: list[Requirement]
    statuses: Mapping[str, str] = field(default_factory=dict)


class DecisionLog(Protocol):
    def earlier_totals(self, incident_id: int, before: datetime) -> Mapping[str, Decimal]:
        """Municipality code → the incident's cost estimate of the decisions logged before ``before``."""

    def logged_requirements(self, decision_id: int) -> LoggedRequirements | None:
        """What the decision required when it was logged (None: no such decision); ``lbs.errors.NotFound`` when
        the decision is outside what the request's reader may read."""

    def preview_subjects(self) -> Iterable[PreviewSubject]:
        """The stored decisions a rule change is previewed on (their current versions)."""


def install(app: App, log: DecisionLog) -> None:
    app.extensions[EXTENSION] = log


def decision_log() -> DecisionLog:
    """The app's decision log (see the module's docstring)."""
    log: DecisionLog | None = current_app.extensions.get(EXTENSION)
    if log is None:
        raise RuntimeError("no decision log: register the compliance blueprint (lbs.decisions.compliance_views)")
    return log
