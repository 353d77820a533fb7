"""The review page of one incident, sized for long incidents.

Key figures, cost totals and the consultation compliance summary are aggregated in SQL over what each
decision stored when it was logged (``decisions.required_consultations`` and ``unmet_count``); only
decisions logged before that was stored (NULL) are judged in Python. The decision-derived figures are cached
per state of the decision log. The per-decision detail is shown one keyset page at a time (by decision
number), and the "missing consultations only" filter runs in SQL.
The hash chain is verified on every view only for small incidents; otherwise the latest stored check is
shown with its time, and a reviewer can ask for a new one.

A constant number of queries per page view, whatever the number of decisions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from lbs.consultation.models import Consultation, Mode, Outcome, Party
from lbs.decisions.models import Decision
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.closing import HistoryEntry, history
from lbs.incidents.models import Activation, Incident
from lbs.review import integrity
from lbs.review.figures import KeyFigures, costs_per_bearer
from lbs.review.findings import FindingRow, list_findings
from lbs.review.models import SignOff, SummaryCache
from lbs.review.rows import (
    DELAY_LIMIT_MINUTES,
    DecisionReview,
    has_missing,
    legacy_rows,
    load_decisions,
    municipality_codes,
    not_stored,
    review_rows,
)
from lbs.review.whole import list_sign_offs
from lbs.staffs.models import Staff
from lbs.timeutil import utcnow

PAGE_SIZE = 25
# The shape and meaning of the cached decision figures; a row cached under another version is recomputed
# (2: a party counts as done only where its requirement is met, judged by form and outcome).
FIGURES_VERSION = 2
# Up to this many decisions the chain is verified on every view (the verifier re-hashes every decision).
LIVE_VERIFY_LIMIT = 500
# ``DecisionReview.delay_needs_reason`` compares the delay rounded to 0.1 minute: rounded above the limit
# means at least limit + 0.05 minutes.
_LATE_SECONDS = (DELAY_LIMIT_MINUTES + 0.05) * 60


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# --- stored requirements in SQL ----------------------------------------------------------------------


def _requirements() -> tuple[Any, ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """The stored requirement records of ``Decision`` as a table-valued function (one row per record), with
    expressions for a record's party key, party name and required form."""
    if _dialect() == "postgresql":
        table = func.json_array_elements(Decision.required_consultations).table_valued("value").alias("req")
        field = table.c.value.op("->>")
        return table, field("party"), field("name"), field("mode")
    table = func.json_each(Decision.required_consultations).table_valued("value").alias("req")
    return (table, func.json_extract(table.c.value, "$.party"), func.json_extract(table.c.value, "$.name"),
            func.json_extract(table.c.value, "$.mode"))


def _met(key: ColumnElement[Any], mode: ColumnElement[Any]) -> ColumnElement[bool]:
    """The decision has a consultation with the party ``key`` that meets a requirement of form ``mode``
    (:func:`lbs.consultation.judging.judge`: at least that form; for ``approve`` agreed, with or without a
    reservation; for ``consult`` answered). Driven by the decision's consultations (a few rows by
    ``ix_consultations_decision_id``), the party's key looked up by primary key: joined on the key instead,
    SQLite scans every consultation of the party."""
    party_key = select(Party.key).where(Party.id == Consultation.party_id).scalar_subquery()
    meets = or_(
        mode == "inform",
        and_(mode == "consult", Consultation.mode.in_([Mode.CONSULT, Mode.APPROVE]),
             Consultation.outcome != Outcome.NO_ANSWER),
        and_(mode == "approve", Consultation.mode == Mode.APPROVE,
             Consultation.outcome.in_([Outcome.AGREED, Outcome.AGREED_WITH_RESERVATION])),
    )
    return (select(Consultation.id).where(Consultation.decision_id == Decision.id, party_key == key, meets)
            .correlate_except(Consultation).exists())


def _delay_seconds() -> ColumnElement[Any]:
    if _dialect() == "postgresql":
        return func.extract("epoch", Decision.recorded_at - Decision.decided_at)
    return (func.julianday(Decision.recorded_at) - func.julianday(Decision.decided_at)) * 86400.0


# --- the summary (first screen) ----------------------------------------------------------------------


@dataclass(frozen=True)
class PartyCompliance:
    party_key: str
    name: str
    required: int
    done: int

    @property
    def missing(self) -> int:
        return self.required - self.done


@dataclass(frozen=True)
class IntegrityStatus:
    """``live``: checked on this view (small incidents); else ``stored``: the latest stored check, if any.
    ``total``: the incident's decisions now, to tell how many the stored check did not cover."""

    live: integrity.IntegrityResult | None
    stored: integrity.StoredCheck | None
    total: int

    @property
    def unchecked(self) -> int:
        if self.stored is None:
            return self.total
        return max(self.total - self.stored.check.last_decision_number, 0)


@dataclass
class ReviewSummary:
    incident: Incident
    municipalities: tuple[str, ...]
    figures: KeyFigures
    compliance: list[PartyCompliance]
    findings: list[FindingRow]
    sign_offs: list[SignOff]
    after_sign_off: int  # decisions logged after the last sign-off
    integrity: IntegrityStatus
    chain_head: str | None
    history: list[HistoryEntry]  # closings and reopenings, oldest first

    @property
    def last_sign_off(self) -> SignOff | None:
        return self.sign_offs[-1] if self.sign_offs else None


def _decision_figures(incident_id: int) -> tuple[dict[str, Any], int]:
    """The figures that depend only on the decision log (and the consultations logged with it), as JSON
    data; and how many decisions have no stored requirements (judged in Python here)."""
    of_incident = Decision.incident_id == incident_id
    late = _delay_seconds() >= _LATE_SECONDS
    # An amendment's reason stands in for the delay reason.
    late_unexplained = and_(late, func.coalesce(Decision.delay_reason, Decision.amendment_reason, "") == "")
    data: dict[str, Any] = {"decisions": 0, "urgent": 0, "amendments": 0, "delayed": 0, "late_unexplained": 0,
                            "per_staff": {}, "per_type": {}}
    for code, kind, count, urgent, amendments, delayed, unexplained in db.session.execute(
        select(Staff.code, Decision.type, func.count(Decision.id),
               func.sum(case((Decision.urgent.is_(True), 1), else_=0)),
               func.sum(case((Decision.amends_id.is_not(None), 1), else_=0)),
               func.sum(case((late, 1), else_=0)),
               func.sum(case((late_unexplained, 1), else_=0)))
        .join(Staff, Staff.id == Decision.staff_id).where(of_incident).group_by(Staff.code, Decision.type)
    ):
        for figure, value in (("decisions", count), ("urgent", urgent), ("amendments", amendments),
                              ("delayed", delayed), ("late_unexplained", unexplained)):
            data[figure] += int(value or 0)
        data["per_staff"][code] = data["per_staff"].get(code, 0) + int(count)
        data["per_type"][kind.value] = data["per_type"].get(kind.value, 0) + int(count)

    table, key, name, mode = _requirements()
    required: dict[str, list[Any]] = {}  # party key → [name, times required, times met]
    for party_key, party_name, n, done in db.session.execute(
        select(key, func.max(name), func.count(), func.sum(case((_met(key, mode), 1), else_=0)))
        .select_from(Decision).join(table, true())
        .where(of_incident, ~not_stored()).group_by(key)
    ):
        required[party_key] = [party_name, int(n), int(done or 0)]
    with_missing = int(db.session.scalar(select(func.count(Decision.id)).where(of_incident, has_missing())) or 0)
    legacy = list(db.session.scalars(select(Decision.id).where(of_incident, not_stored()).order_by(Decision.number)))
    for row in legacy_rows([incident_id], legacy):
        with_missing += 1 if row.missing else 0
        missing_keys = [r.party_key for r in row.missing]
        for requirement in row.required:
            entry = required.setdefault(requirement.party_key, [requirement.name, 0, 0])
            entry[1] += 1
            if requirement.party_key not in missing_keys:
                entry[2] += 1
    data["with_missing"] = with_missing
    data["compliance"] = [[k, *v] for k, v in required.items()]
    data["version"] = FIGURES_VERSION
    return data, len(legacy)


def _cached_decision_figures(incident: Incident, *, store: bool = True) -> dict[str, Any]:
    """``_decision_figures`` from the cache row when it matches the incident's last decision number; else
    computed (and, with ``store``, stored when every decision has stored requirements)."""
    cached = db.session.get(SummaryCache, incident.id)
    if (cached is not None and cached.last_decision_number == incident.last_decision_number
            and cached.data.get("version") == FIGURES_VERSION):
        return cached.data
    data, legacy = _decision_figures(incident.id)
    if legacy == 0 and store:
        try:
            with db.session.begin_nested():
                if cached is None:
                    db.session.add(SummaryCache(incident_id=incident.id, data=data, computed_at=utcnow(),
                                                last_decision_number=incident.last_decision_number))
                else:
                    cached.data, cached.computed_at = data, utcnow()
                    cached.last_decision_number = incident.last_decision_number
        except (IntegrityError, OperationalError):
            # Another worker stored it first, or (SQLite) is writing it now: this view computed it anyway.
            pass
    return data


def _figures(incident: Incident, *, now: datetime, scope: ReadScope,
             store: bool = True) -> tuple[KeyFigures, list[PartyCompliance]]:
    data = _cached_decision_figures(incident, store=store)
    compliance = sorted((PartyCompliance(k, name, int(n), int(done)) for k, name, n, done in data["compliance"]),
                        key=lambda c: (-c.missing, c.name, c.party_key))
    end = incident.ended_at or now
    figures = KeyFigures(
        started_at=incident.started_at, ended_at=incident.ended_at,
        duration=max(end - incident.started_at, timedelta(0)),
        decisions=data["decisions"], per_staff=dict(sorted(data["per_staff"].items())),
        per_type=dict(sorted(data["per_type"].items())), urgent=data["urgent"], amendments=data["amendments"],
        consultations_missing=sum(c.missing for c in compliance), decisions_with_missing=data["with_missing"],
        delayed=data["delayed"], costs=costs_per_bearer(incident, scope),
        late_unexplained=data["late_unexplained"],
    )
    return figures, compliance


def summary(incident: Incident, *, now: datetime | None = None, scope: ReadScope = EVERYTHING,
            store: bool = True) -> ReviewSummary:
    """Everything on the review page except the per-decision detail: a constant number of queries (plus the
    chain verification on small incidents). The costs are those in ``scope``. ``store`` False: a read only (the
    pack's builder, which must not take a write lock for the length of its read)."""
    now = now or utcnow()
    figures, compliance = _figures(incident, now=now, scope=scope, store=store)
    sign_offs = list_sign_offs(incident.id)
    total = incident.last_decision_number
    after_sign_off = 0
    if sign_offs:
        after_sign_off = int(db.session.scalar(select(func.count(Decision.id)).where(
            Decision.incident_id == incident.id, Decision.number > sign_offs[-1].last_decision_number)) or 0)
    live = integrity.check_chain(incident.id) if total <= LIVE_VERIFY_LIMIT else None
    stored = integrity.latest_check(incident.id) if live is None else None
    return ReviewSummary(
        incident=incident, municipalities=municipality_codes([incident.id]).get(incident.id, ()),
        figures=figures, compliance=compliance, findings=list_findings(incident.id),
        sign_offs=sign_offs, after_sign_off=after_sign_off,
        integrity=IntegrityStatus(live=live, stored=stored, total=total),
        chain_head=integrity.chain_head(incident.id), history=history(incident.id),
    )


# --- one page of decisions ---------------------------------------------------------------------------


@dataclass
class DecisionPage:
    rows: list[DecisionReview]
    activations: list[Activation]
    after: int  # the page shows the (matching) decisions numbered after this …
    missing_only: bool
    previous_after: int | None  # ``after`` of the previous page (None on the first)
    next_after: int | None  # ``after`` of the next page (None on the last)
    latest_after: int | None  # ``after`` of the last page (None on the last)
    start: datetime  # the time span of the page's timeline
    end: datetime

    @property
    def first(self) -> int | None:
        return self.rows[0].decision.number if self.rows else None

    @property
    def last(self) -> int | None:
        return self.rows[-1].decision.number if self.rows else None


def _matches(incident_id: int, *, missing_only: bool, limit: int, after: int | None = None,
             before: int | None = None) -> list[tuple[int, int]]:
    """(number, id) of the decisions matching the filter: the first ``limit`` after ``after`` (ascending) or
    the last ``limit`` before ``before`` (descending). The filter runs in SQL; decisions without stored
    requirements are candidates judged in Python, a chunk at a time."""
    query = select(Decision.id, Decision.number, not_stored()).where(Decision.incident_id == incident_id)
    if missing_only:
        query = query.where(or_(not_stored(), has_missing()))
    found: list[tuple[int, int]] = []
    cursor_after, cursor_before = after, before
    while len(found) < limit:
        step = query
        if cursor_before is not None:
            step = step.where(Decision.number < cursor_before).order_by(Decision.number.desc())
        else:
            step = step.where(Decision.number > (cursor_after or 0)).order_by(Decision.number)
        size = limit - len(found) if not missing_only else max(limit, 50)
        chunk = db.session.execute(step.limit(size)).all()
        judged: set[int] = set()
        if missing_only:
            unknown = [row[0] for row in chunk if row[2]]
            judged = {r.decision.id for r in legacy_rows([incident_id], unknown) if not r.missing}
        found += [(number, decision_id) for decision_id, number, _not_stored in chunk if decision_id not in judged]
        if len(chunk) < size:  # no more candidates
            break
        if cursor_before is not None:
            cursor_before = chunk[-1][1]
        else:
            cursor_after = chunk[-1][1]
    return found[:limit]


def _page_rows(incident: Incident, ids: list[int], *, summary: ReviewSummary | None,
               scope: ReadScope) -> list[DecisionReview]:
    """The review rows (with rosters) of the page's decisions ``ids``. ``summary`` (of the same view) saves
    looking up the municipalities and the last sign-off again."""
    if not ids:
        return []
    loaded = load_decisions([incident.id], decision_ids=ids, municipalities=None if summary is None else {
        incident.id: summary.municipalities}, with_attachments=True)
    # The numbers of the decisions the page's decisions amend, and of those amending them: one query.
    amends_ids = {d.amends_id for d in loaded.decisions if d.amends_id is not None}
    amends_numbers: dict[int, int] = {}
    amended_by: dict[int, list[int]] = defaultdict(list)
    for decision_id, number, amends_id in db.session.execute(
        select(Decision.id, Decision.number, Decision.amends_id)
        .where(or_(Decision.id.in_(amends_ids), Decision.amends_id.in_(ids))).order_by(Decision.number)
    ):
        if decision_id in amends_ids:
            amends_numbers[decision_id] = number
        if amends_id in ids:
            amended_by[amends_id].append(number)
    if summary is not None:
        last = summary.last_sign_off
        sign_off = last.last_decision_number if last is not None else None
    else:
        sign_off = db.session.scalar(select(SignOff.last_decision_number).where(
            SignOff.incident_id == incident.id).order_by(SignOff.signed_at.desc(), SignOff.id.desc()).limit(1))
    return review_rows(loaded, with_rosters=True, signed_up_to={incident.id: sign_off} if sign_off is not None else {},
                       amends_numbers=amends_numbers, amended_by=amended_by, scope=scope)


def decision_page(incident: Incident, *, after: int = 0, missing_only: bool = False, limit: int | None = None,
                  now: datetime | None = None, summary: ReviewSummary | None = None,
                  scope: ReadScope = EVERYTHING) -> DecisionPage:
    """One page of the per-decision detail: the matching decisions numbered after ``after`` (keyset), with
    rosters, required vs. done consultations and costs; the activations overlapping their time span.
    ``summary`` (of the same view) saves looking up the municipalities and the last sign-off again. The costs
    shown are those in ``scope``."""
    now = now or utcnow()
    limit = limit or PAGE_SIZE
    total = incident.last_decision_number

    def numbers_before(number: int) -> list[int]:
        return [n for n, _id in _matches(incident.id, missing_only=True, limit=limit + 1, before=number)]

    if not missing_only and after >= total:  # past the end: the last page (numbered 1..total, no gaps)
        after = max(0, total - limit)
    matches = _matches(incident.id, missing_only=missing_only, limit=limit + 1, after=after)
    if not matches and after > 0:  # past the end (filtered): the last page
        tail = numbers_before(after + 1)
        after = tail[limit] if len(tail) > limit else 0
        matches = _matches(incident.id, missing_only=missing_only, limit=limit + 1, after=after)
    has_next = len(matches) > limit
    matches = matches[:limit]
    numbers = [n for n, _id in matches]
    previous_after = None
    latest_after = None
    if not missing_only:  # the links are arithmetic
        previous_after = max(0, numbers[0] - 1 - limit) if numbers and numbers[0] > 1 else None
        latest_after = max(0, total - limit) if has_next else None
    else:
        if numbers and after > 0:
            before = numbers_before(numbers[0])
            if before:
                previous_after = before[limit] if len(before) > limit else 0
        if has_next:
            tail = numbers_before(total + 1)
            latest_after = tail[limit] if len(tail) > limit else 0
    rows = _page_rows(incident, [decision_id for _n, decision_id in matches], summary=summary, scope=scope)
    times = [r.decision.decided_at for r in rows]
    start = incident.started_at if previous_after is None or not times else min(times)
    end = (incident.ended_at or now) if not has_next or not times else max(times)
    end = max(end, start)
    activations = list(db.session.scalars(
        select(Activation).where(Activation.incident_id == incident.id, Activation.active_from <= end,
                                 or_(Activation.active_until.is_(None), Activation.active_until >= start))
        .options(joinedload(Activation.staff)).order_by(Activation.active_from, Activation.id)
    ))
    return DecisionPage(rows=rows, activations=activations, after=after, missing_only=missing_only,
                        previous_after=previous_after, next_after=numbers[-1] if has_next else None,
                        latest_after=latest_after, start=start, end=end)
