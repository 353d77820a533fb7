"""Search across incidents for the review: filters in SQL, one page of incidents with their figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, type_coerce

from lbs.auth.models import Role, User
from lbs.consultation.facts import DecisionType
from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.decisions.scope import ReadScope
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentKind, incident_municipalities
from lbs.organisations.models import Municipality
from lbs.review.figures import money_sum
from lbs.review.models import SignOff
from lbs.review.rows import has_missing, legacy_rows, municipality_codes, not_stored
from lbs.staffs.models import Staff
from lbs.types import Money
from lbs.versioned_cache import VersionedCache


@dataclass(frozen=True)
class SearchFilter:
    text: str | None = None
    kind: IncidentKind | None = None
    decision_type: DecisionType | None = None
    municipality: str | None = None
    staff: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    missing_only: bool = False
    disputed_only: bool = False


@dataclass(frozen=True)
class SearchRow:
    incident: Incident
    municipalities: tuple[str, ...]
    decisions: int
    urgent: int
    disputed: int
    estimate_dkk: Decimal
    signed_off: bool
    missing: int | None = None  # missing consultations, counted when the filter asks for them


@dataclass
class SearchPage:
    rows: list[SearchRow]
    page: int
    per_page: int
    has_next: bool
    total: int | None = field(default=None)


@dataclass(frozen=True)
class FilterOptions:
    """What the search form offers: the municipalities the user may filter by, and the staff codes."""

    municipalities: list[Municipality]
    staff_codes: list[str]


def filter_options(user: User) -> FilterOptions:
    municipalities = list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
    if user.role is Role.MUNICIPALITY:
        municipalities = [m for m in municipalities if m.code == user.municipality_code]
    codes = list(db.session.scalars(select(Staff.code).order_by(Staff.code)))
    return FilterOptions(municipalities, codes)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_query(scope: ReadScope, filters: SearchFilter) -> Select[Any]:
    """The ids of the incidents in ``scope`` that match the SQL filters, newest first ("disputed lines only"
    looks at the lines in ``scope`` alone)."""
    decisions_of = Decision.incident_id == Incident.id
    query = select(Incident.id).where(scope.incidents(Incident.id))
    if filters.text:
        pattern = f"%{_escape_like(filters.text.lower())}%"
        query = query.where(or_(
            func.lower(Incident.title).like(pattern, escape="\\"),
            func.lower(Incident.description).like(pattern, escape="\\"),
            exists().where(decisions_of, or_(func.lower(Decision.title).like(pattern, escape="\\"),
                                             func.lower(Decision.decision).like(pattern, escape="\\"))),
        ))
    if filters.kind is not None:
        query = query.where(Incident.kind == filters.kind)
    if filters.decision_type is not None:
        query = query.where(exists().where(decisions_of, Decision.type == filters.decision_type))
    if filters.municipality:
        query = query.where(exists().where(incident_municipalities.c.incident_id == Incident.id,
                                           incident_municipalities.c.municipality_code == filters.municipality))
    if filters.staff:
        query = query.where(exists().where(decisions_of, Decision.staff_id == Staff.id, Staff.code == filters.staff))
    if filters.date_to is not None:
        query = query.where(Incident.started_at <= filters.date_to)
    if filters.date_from is not None:
        query = query.where(or_(Incident.ended_at.is_(None), Incident.ended_at >= filters.date_from))
    if filters.disputed_only:
        query = query.where(exists().where(CostLine.incident_id == Incident.id, CostLine.superseded_by_id.is_(None),
                                           CostLine.status == CostStatus.DISPUTED, scope.lines()))
    return query.order_by(Incident.started_at.desc(), Incident.id.desc())


_search_figures: VersionedCache[tuple[int, int, Decimal]] = VersionedCache(1024)


def _figures_of(ids: list[int], scope: ReadScope) -> dict[int, tuple[int, int, Decimal]]:
    """Per incident: urgent decisions, disputed lines and the estimate total (of the lines in ``scope``) — one
    query (indexes on decisions (incident, urgent) and cost lines (incident, status, superseded); the sum reads
    the covering totals index)."""
    urgent_count = (select(func.count(Decision.id)).where(Decision.incident_id == Incident.id,
                                                          Decision.urgent.is_(True))
                    .correlate(Incident).scalar_subquery())
    live = and_(CostLine.incident_id == Incident.id, CostLine.superseded_by_id.is_(None), scope.lines())
    disputed = (select(func.count(CostLine.id)).where(live, CostLine.status == CostStatus.DISPUTED)
                .correlate(Incident).scalar_subquery())
    estimate = type_coerce((select(func.sum(CostLine.estimate_dkk)).where(live)
                            .correlate(Incident).scalar_subquery()), Money())
    query = select(Incident.id, urgent_count, disputed, estimate).where(Incident.id.in_(ids))
    return {row[0]: (int(row[1]), int(row[2]), money_sum(row[3])) for row in db.session.execute(query)}


def _summaries(incidents: Sequence[Incident], scope: ReadScope) -> dict[int, tuple[int, int, int, Decimal, bool]]:
    """Per incident: decisions, urgent, disputed lines, estimate total (of the lines in ``scope``), signed off.
    The figures are kept per worker under the incident's versions and the scope's bearer
    (:mod:`lbs.versioned_cache`); whether it is signed off is read."""
    figures = _search_figures.get_many(incidents, lambda ids: _figures_of(ids, scope), scope.organisation_id)
    signed = set(db.session.scalars(select(SignOff.incident_id).where(
        SignOff.incident_id.in_([i.id for i in incidents])).distinct()))
    # The decision counter is the number of decisions (numbers run 1..n without a gap).
    return {i.id: (i.last_decision_number, *figures[i.id], i.id in signed) for i in incidents}


def _missing_counts(ids: Sequence[int]) -> dict[int, int]:
    """Per incident: the required consultations its decisions missed. Summed in SQL over what each decision
    stored when it was logged (``unmet_count``, as the review page does); decisions logged before that was
    stored are judged in Python."""
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    unknown: list[int] = []
    for incident_id, missing, legacy in db.session.execute(
        select(Decision.incident_id, func.coalesce(func.sum(Decision.unmet_count), 0),
               func.count().filter(not_stored()))
        .where(Decision.incident_id.in_(ids)).group_by(Decision.incident_id)
    ):
        counts[incident_id] = int(missing or 0)
        if legacy:
            unknown.append(incident_id)
    if unknown:
        legacy_ids = list(db.session.scalars(select(Decision.id).where(Decision.incident_id.in_(unknown), not_stored())
                                             .order_by(Decision.incident_id, Decision.number)))
        for row in legacy_rows(unknown, legacy_ids):
            counts[row.decision.incident_id] += len(row.missing)
    return counts


def _decision_where(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Decision.incident_id == Incident.id, condition)


def _with_missing(query: Select[Any]) -> Select[Any]:
    """``query`` narrowed in SQL to the incidents whose decisions missed a required consultation: those with a
    stored ``unmet_count`` above 0, and those whose decisions logged before it was stored (judged in Python,
    a bounded set: only data from before the migration) missed one."""
    legacy_only = list(db.session.scalars(query.order_by(None).where(~_decision_where(has_missing()),
                                                                     _decision_where(not_stored()))))
    counts = _missing_counts(legacy_only)
    judged_missing = [i for i in legacy_only if counts[i] > 0]
    return query.where(or_(_decision_where(has_missing()), Incident.id.in_(judged_missing)))


def _missing_page(query: Select[Any], page: int, per_page: int) -> tuple[list[int], int, int]:
    """One page of the incidents with a missed consultation (a page past the end is the last page): the ids,
    the page number served and how many match."""
    narrowed = _with_missing(query)
    total = db.session.scalar(select(func.count()).select_from(narrowed.order_by(None).subquery())) or 0
    page = min(page, max(1, -(-total // per_page)))
    ids = list(db.session.scalars(narrowed.offset((page - 1) * per_page).limit(per_page)))
    return ids, page, total


def search(*, user: User, filters: SearchFilter, page: int = 1, per_page: int = 25) -> SearchPage:
    """Incidents matching the filters, newest first, one page at a time.

    The filters run in the database, "missing consultations only" too, over the counts each decision stored
    (see :func:`_with_missing`); with it a page past the end is the last page.
    """
    page = max(page, 1)
    scope = ReadScope.of(user)
    query = _search_query(scope, filters)
    missing: dict[int, int] = {}
    if not filters.missing_only:
        ids = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)))
        has_next = len(ids) > per_page
        ids = ids[:per_page]
        total = None
    else:
        ids, page, total = _missing_page(query, page, per_page)
        has_next = page * per_page < total
        missing = _missing_counts(ids)
    if not ids:
        return SearchPage([], page, per_page, has_next, total)
    incidents = {i.id: i for i in db.session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    codes = municipality_codes(ids)
    summaries = _summaries(list(incidents.values()), scope)
    rows = [SearchRow(incidents[i], codes.get(i, ()), *summaries[i], missing=missing.get(i)) for i in ids]
    return SearchPage(rows, page, per_page, has_next, total)
