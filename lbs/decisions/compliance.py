"""Consultation compliance of logged decisions: what each required, what was done, the gaps.

The consultation rules (:mod:`lbs.consultation.ruleset`) judge *facts*; this module reads the decision log for
them: the facts of a logged decision (:func:`facts_of`), the incident's cost totals of the decisions logged before
one (rule R14: :func:`incident_municipal_totals`, :class:`IncidentTotals`), and the decision log's entry point
:func:`required_consultations`, which gives the rules those totals. :class:`LoggedDecisions` answers the
consultation pages' questions about logged decisions (:mod:`lbs.consultation.decision_log`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import joinedload

from lbs.consultation import ruleset
from lbs.consultation.decision_log import LoggedRequirements
from lbs.consultation.facts import DecisionFacts, Requirement, logged_decision_facts
from lbs.consultation.judging import Judged, judge_requirements
from lbs.consultation.models import Consultation, Party
from lbs.consultation.rules import PreviewSubject
from lbs.decisions.heard import request_counts
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.scope import ambient_scope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality
from lbs.versioned_cache import VersionedCache

COMPLIANCE_PAGE = 100


# ------------------------------------------------------------------ the incident's cost totals (rule R14)


def incident_municipal_totals(*, incident_id: int, before: datetime | None = None) -> dict[str, Decimal]:
    """The incident's cost estimates per municipality code (lines not superseded), for R14."""
    query = (
        select(Municipality.code, func.coalesce(func.sum(CostLine.estimate_dkk), 0))
        .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
        .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
        .group_by(Municipality.code)
    )
    if before is not None:  # from the incident's decisions before the moment (index on incident and time)
        query = (
            select(Municipality.code, func.coalesce(func.sum(CostLine.estimate_dkk), 0))
            .select_from(Decision).join(CostLine, CostLine.decision_id == Decision.id)
            .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
            .where(Decision.incident_id == incident_id, Decision.decided_at < before,
                   CostLine.superseded_by_id.is_(None))
            .group_by(Municipality.code)
        )
    return {row[0]: Decimal(row[1]) for row in db.session.execute(query)}


class IncidentTotals:
    """An incident's cost estimates per municipality over time (lines not superseded), from ONE query:
    ``before(at)`` equals ``incident_municipal_totals(incident_id=…, before=at)`` without a query per call."""

    def __init__(self, incident_id: int) -> None:
        query = (
            select(Decision.decided_at, Municipality.code, CostLine.estimate_dkk)
            .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
            .join(Decision, Decision.id == CostLine.decision_id)
            .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
            .order_by(Decision.decided_at)
        )
        self._series: dict[str, tuple[list[datetime], list[Decimal]]] = {}
        for at, code, amount in db.session.execute(query):
            times, sums = self._series.setdefault(code, ([], []))
            times.append(at)
            sums.append((sums[-1] if sums else Decimal(0)) + Decimal(amount))

    def before(self, at: datetime) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for code, (times, sums) in self._series.items():
            index = bisect.bisect_left(times, at)
            if index:
                result[code] = sums[index - 1]
        return result


_TOTALS: ContextVar[dict[int, IncidentTotals] | None] = ContextVar("incident_totals_batch", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """``with batch():`` many :func:`required_consultations` calls (a list of decisions) share ONE rules lookup
    (:func:`lbs.consultation.ruleset.batch`) and one query per incident for the R14 totals, instead of queries per
    decision. Read-only use only: changes inside the block are not seen."""
    with ruleset.batch():
        token = _TOTALS.set({})
        try:
            yield
        finally:
            _TOTALS.reset(token)


def earlier_totals(incident_id: int, before: datetime) -> dict[str, Decimal]:
    """The incident's totals of the decisions logged before ``before`` (inside :func:`batch`: from its one query
    per incident)."""
    memo = _TOTALS.get()
    if memo is None:
        return incident_municipal_totals(incident_id=incident_id, before=before)
    totals = memo.get(incident_id)
    if totals is None:
        totals = memo[incident_id] = IncidentTotals(incident_id)
    return totals.before(before)


# ------------------------------------------------------------------ what a decision requires


def required_consultations(*, facts: DecisionFacts) -> list[Requirement]:
    """The parties that must be consulted for a decision with these facts (see
    :func:`lbs.consultation.ruleset.required_consultations`), with the incident's earlier totals from the log."""
    return ruleset.required_consultations(facts=facts, incident_totals=earlier_totals)


def logged_requirements(decision: Decision, facts: Callable[[], DecisionFacts]) -> list[Requirement]:
    """What a logged decision required: as stored when it was logged (the rules, parties and incident totals
    of that moment). Rows logged before requirements were stored are computed from ``facts()``."""
    stored = decision.required_consultations
    if stored is not None:
        return [Requirement.from_record(record) for record in stored]
    return required_consultations(facts=facts())


def facts_of(decision: Decision) -> DecisionFacts:
    """The facts of a logged decision (see :func:`lbs.consultation.facts.logged_decision_facts`)."""
    incident = db.session.get(Incident, decision.incident_id)

    def lines_of(decision_id: int | None) -> Sequence[CostLine]:
        if decision_id is None:
            return ()
        return db.session.scalars(select(CostLine).where(CostLine.decision_id == decision_id)
                                  .order_by(CostLine.id)).all()

    lines = lines_of(decision.id)
    return logged_decision_facts(
        decision, staff_code=decision.staff.code,
        municipalities=tuple(m.code for m in incident.municipalities) if incident else (),
        lines=lines, amended_lines=() if lines else lines_of(decision.amends_id),
    )


# ------------------------------------------------------------------ compliance per incident


@dataclass(frozen=True)
class DecisionCompliance:
    decision: Decision
    required: list[Requirement]
    done: list[Consultation]
    judged: list[Judged]  # each required consultation with its status, judged over every consultation done
    asked: int = 0  # consultation requests asked via LBS Register about this decision …
    unanswered: int = 0  # … and of them still unanswered

    @property
    def missing(self) -> list[Requirement]:
        """The required consultations not met (none, a lesser form, no answer or an objection)."""
        return [j.requirement for j in self.judged if not j.met]


@dataclass(frozen=True)
class ComplianceSummary:
    decisions: int
    with_gaps: int  # decisions that missed at least one required consultation
    missing: int  # required consultations missed, in all


@dataclass(frozen=True)
class CompliancePage:
    rows: list[DecisionCompliance]
    after: int  # the page shows decisions numbered after this …
    previous_after: int | None  # ``after`` of the previous page (None on the first)
    next_after: int | None  # ``after`` of the next page (None on the last)


def _compliance_rows(decisions: Sequence[Decision]) -> list[DecisionCompliance]:
    ids = [d.id for d in decisions]
    done_by_decision: dict[int, list[Consultation]] = {}
    if ids:
        for consultation in db.session.scalars(
            select(Consultation).where(Consultation.decision_id.in_(ids)).order_by(Consultation.id)
            .options(joinedload(Consultation.party))
        ):
            done_by_decision.setdefault(consultation.decision_id, []).append(consultation)
    requests = request_counts(ids)
    result = []
    with batch():
        for decision in decisions:
            required = logged_requirements(decision, partial(facts_of, decision))
            done = done_by_decision.get(decision.id, [])
            judged = judge_requirements(required, ((c.party.key, c.mode, c.outcome) for c in done))
            asked, unanswered = requests.get(decision.id, (0, 0))
            result.append(DecisionCompliance(decision=decision, required=required, done=done, judged=judged,
                                             asked=asked, unanswered=unanswered))
    return result


def unmet_counts(decisions: Sequence[Decision]) -> dict[int, int]:
    """How many required consultations of each decision are not met, by decision id: as stored
    (``unmet_count``, kept up to date when a consultation is appended), judged here for rows logged before
    that was stored."""
    counts = {d.id: d.unmet_count for d in decisions if d.unmet_count is not None}
    legacy = [d for d in decisions if d.unmet_count is None]
    counts.update({row.decision.id: len(row.missing) for row in _compliance_rows(legacy)})
    return counts


def _gap_filter(gaps_only: bool) -> ColumnElement[bool]:
    # Rows logged before gaps were stored (NULL) are judged on the page itself.
    return or_(Decision.unmet_count > 0, Decision.unmet_count.is_(None)) if gaps_only else true()


def compliance_page(*, incident_id: int, after: int = 0, gaps_only: bool = False,
                    size: int = COMPLIANCE_PAGE) -> CompliancePage:
    """Required vs. done consultations and the gaps of the decisions numbered after ``after`` (keyset by
    number), at most ``size``; ``gaps_only`` keeps the decisions that missed a required consultation."""
    where = and_(Decision.incident_id == incident_id, _gap_filter(gaps_only))
    decisions = db.session.scalars(
        select(Decision).where(where, Decision.number > after).order_by(Decision.number).limit(size + 1)
    ).all()
    following = decisions[size - 1].number if len(decisions) > size else None
    previous: int | None = None
    if after > 0:
        before = db.session.scalars(select(Decision.number).where(where, Decision.number <= after)
                                    .order_by(Decision.number.desc()).limit(size + 1)).all()
        previous = before[size] if len(before) > size else 0
    rows = _compliance_rows(decisions[:size])
    if gaps_only:
        rows = [row for row in rows if row.missing]
    return CompliancePage(rows=rows, after=after, previous_after=previous, next_after=following)


_summaries: VersionedCache[ComplianceSummary] = VersionedCache(256)


def compliance_summary(*, incident: Incident) -> ComplianceSummary:
    """Decisions, decisions with gaps and missed consultations of the incident, counted in SQL; kept per worker
    under the incident's versions (:mod:`lbs.versioned_cache`: a logged decision moves them)."""
    return _summaries.get(incident, lambda: _count_compliance(incident.id))


def _count_compliance(incident_id: int) -> ComplianceSummary:
    row = db.session.execute(
        select(func.count(), func.count().filter(Decision.unmet_count > 0),
               func.coalesce(func.sum(Decision.unmet_count), 0),
               func.count().filter(Decision.unmet_count.is_(None)))
        .where(Decision.incident_id == incident_id)
    ).one()
    decisions, with_gaps, missing, unknown = (int(value or 0) for value in row)
    if unknown:  # rows logged before gaps were stored: judged one by one
        legacy = _compliance_rows(db.session.scalars(
            select(Decision).where(Decision.incident_id == incident_id, Decision.unmet_count.is_(None))).all())
        with_gaps += sum(1 for row in legacy if row.missing)
        missing += sum(len(row.missing) for row in legacy)
    return ComplianceSummary(decisions=decisions, with_gaps=with_gaps, missing=missing)


# ------------------------------------------------------------------ what the consultation pages ask


def preview_subjects() -> Iterator[PreviewSubject]:
    """Every stored decision that is the current version (an amended one is judged in its amendment), by
    incident and number, to preview a rule change on; only the ids are read at once, each decision when asked."""
    amended = select(Decision.amends_id).where(Decision.amends_id.is_not(None))
    rows = db.session.execute(
        select(Decision.id, Incident.title).join(Incident, Incident.id == Decision.incident_id)
        .where(Decision.id.not_in(amended)).order_by(Decision.incident_id, Decision.number)
    ).all()
    for decision_id, incident_title in rows:
        decision = db.session.get(Decision, decision_id)
        if decision is None:
            continue
        yield PreviewSubject(number=decision.number, title=decision.title, facts=facts_of(decision),
                             earlier_totals=incident_municipal_totals(incident_id=decision.incident_id,
                                                                      before=decision.decided_at),
                             decision_id=decision.id, incident_title=incident_title)


class LoggedDecisions:
    """The decision log as the consultation pages ask it (:class:`lbs.consultation.decision_log.DecisionLog`)."""

    def earlier_totals(self, incident_id: int, before: datetime) -> Mapping[str, Decimal]:
        return earlier_totals(incident_id, before)

    def logged_requirements(self, decision_id: int) -> LoggedRequirements | None:
        decision = db.session.get(Decision, decision_id)
        if decision is None:
            return None
        ambient_scope().check_decision(decision.id)  # the reader's: out of scope is ``NotFound``
        facts = facts_of(decision)
        requirements = logged_requirements(decision, lambda: facts)
        consulted = db.session.execute(
            select(Party.key, Consultation.mode, Consultation.outcome).join(Party, Party.id == Consultation.party_id)
            .where(Consultation.decision_id == decision.id)).all()
        judged = judge_requirements(requirements, ((key, mode, outcome) for key, mode, outcome in consulted))
        statuses = {j.requirement.party_key: j.status.value for j in judged}
        return LoggedRequirements(number=decision.number, title=decision.title, facts=facts,
                                  requirements=requirements, statuses=statuses)

    def preview_subjects(self) -> Iterator[PreviewSubject]:
        return preview_subjects()
