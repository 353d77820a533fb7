"""Cost totals, summed in SQL: per bearer and category, per municipality with the R14 flag, the incident
ledger, a municipality's dashboard and the police overview.

Totals leave superseded lines out. The "actual" of a total is the sum of the known actual amounts (null when
no line of the group has one); the variance is that actual minus the estimates *of the same lines*, so an
unsettled line does not show up as a saving. The incident's total for a municipality (the significant-event
flag, R14) counts each line at its actual amount where known, else at its estimate.

The pages read each incident's sums per bearer and category from :func:`kept_sums`: kept per worker under the
incident's versions (:mod:`lbs.versioned_cache`), so only incidents whose lines changed are summed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from lbs.costs.workflow import OPEN_STATUSES
from lbs.decisions.models import CostCategory, CostLine
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality, Organisation
from lbs.types import Money
from lbs.versioned_cache import VersionedCache

# R14: 0.2 % of the yearly budget (1/500).
SIGNIFICANT_SHARE = Decimal("0.002")
ZERO = Decimal("0.00")


def _sum(column: Any) -> ColumnElement[Decimal]:
    return type_coerce(func.sum(column), Money())


_ACTUALISED_ESTIMATE = case((CostLine.actual_dkk.is_not(None), CostLine.estimate_dkk), else_=None)
# A line's amount as best known: its actual where recorded, else its estimate.
BEST_KNOWN = func.coalesce(CostLine.actual_dkk, CostLine.estimate_dkk)


@dataclass(frozen=True)
class Total:
    """Estimate vs actual of one group of non-superseded lines."""

    estimate: Decimal
    actual: Decimal | None
    estimate_of_actualised: Decimal | None
    lines: int

    @property
    def variance(self) -> Decimal | None:
        if self.actual is None:
            return None
        return self.actual - (self.estimate_of_actualised or ZERO)


@dataclass(frozen=True)
class BearerCategoryTotal(Total):
    bearer_id: int
    bearer_name: str
    category: CostCategory


def _grouped_sums(*keys: Any, where: Sequence[ColumnElement[bool]]) -> Any:
    """Totals of the non-superseded lines per ``keys``, from ``cost_lines`` alone (a subquery to join names
    to: grouping first keeps the joins to the few groups). Columns: the keys, ``estimate``, ``actual``,
    ``estimate_of_actualised``, ``lines``, ``best_known`` (actual where known, else estimate) and ``open_lines``
    (lines still needing action: not settled)."""
    return (
        select(*keys, _sum(CostLine.estimate_dkk).label("estimate"), _sum(CostLine.actual_dkk).label("actual"),
               _sum(_ACTUALISED_ESTIMATE).label("estimate_of_actualised"), func.count().label("lines"),
               _sum(BEST_KNOWN).label("best_known"),
               func.count(case((CostLine.status.in_(OPEN_STATUSES), 1))).label("open_lines"))
        .where(CostLine.superseded_by_id.is_(None), *where)
        .group_by(*keys)
        .subquery()
    )


def totals_by_bearer_and_category(
    *, incident_id: int | None = None, bearer_id: int | None = None, scope: ReadScope = EVERYTHING
) -> list[BearerCategoryTotal]:
    """Totals per bearer and category over the lines in ``scope``, ordered by bearer name, bearer id, then
    category value."""
    where = [scope.lines()]
    if incident_id is not None:
        where.append(CostLine.incident_id == incident_id)
    if bearer_id is not None:
        where.append(CostLine.bearer_id == bearer_id)
    sums = _grouped_sums(CostLine.bearer_id, CostLine.category, where=where)
    stmt = (
        select(sums.c.bearer_id, Organisation.name, sums.c.category, sums.c.estimate, sums.c.actual,
               sums.c.estimate_of_actualised, sums.c.lines)
        .join(Organisation, Organisation.id == sums.c.bearer_id)
        .order_by(Organisation.name, sums.c.bearer_id, sums.c.category)
    )
    return [
        BearerCategoryTotal(bearer_id=b, bearer_name=n, category=c, estimate=e or ZERO, actual=a,
                            estimate_of_actualised=ea, lines=count)
        for b, n, c, e, a, ea, count in db.session.execute(stmt).all()
    ]


def grand_total(rows: Iterable[Total]) -> Total:
    """Adds group totals (Decimal, exact) for a table's last row."""
    rows = list(rows)
    actuals = [r.actual for r in rows if r.actual is not None]
    return Total(
        estimate=sum((r.estimate for r in rows), ZERO),
        actual=sum(actuals, ZERO) if actuals else None,
        estimate_of_actualised=sum((r.estimate_of_actualised or ZERO for r in rows), ZERO),
        lines=sum(r.lines for r in rows),
    )


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """Sum of two SQL sums: null only when both are null (no line had a value)."""
    return b if a is None else a if b is None else a + b


def _merged(totals: Iterable[Total]) -> Total:
    """The total of several groups, with SQL's null semantics (unlike ``grand_total``, which shows 0.00)."""
    merged = Total(estimate=ZERO, actual=None, estimate_of_actualised=None, lines=0)
    for t in totals:
        merged = Total(estimate=merged.estimate + t.estimate, actual=_add(merged.actual, t.actual),
                       estimate_of_actualised=_add(merged.estimate_of_actualised, t.estimate_of_actualised),
                       lines=merged.lines + t.lines)
    return merged


def _by_category(rows: Iterable[tuple[CostCategory, Total]]) -> list[tuple[CostCategory, Total]]:
    """Group totals added up per category, ordered by category value."""
    groups: dict[CostCategory, list[Total]] = {}
    for category, total in rows:
        groups.setdefault(category, []).append(total)
    return [(c, _merged(groups[c])) for c in sorted(groups, key=lambda c: c.value)]


@dataclass(frozen=True)
class IncidentTotal(Total):
    """One incident's non-superseded lines borne by one municipality, with the R14 flag."""

    incident_id: int
    incident_title: str
    municipality_code: str
    municipality_name: str
    best_known: Decimal
    budget: Decimal | None

    @property
    def threshold(self) -> Decimal | None:
        return None if self.budget is None else (self.budget * SIGNIFICANT_SHARE).quantize(Decimal("0.01"))

    @property
    def significant(self) -> bool:
        return self.threshold is not None and self.best_known > self.threshold


@dataclass(frozen=True)
class IncidentCategoryTotal(Total):
    incident_id: int
    incident_title: str
    category: CostCategory


@dataclass(frozen=True)
class LedgerTotals:
    """Everything the incident ledger sums, from one statement."""

    by_bearer_and_category: list[BearerCategoryTotal]
    by_category: list[tuple[CostCategory, Total]]
    municipalities: list[IncidentTotal]
    grand: Total


class BearerCategorySums(NamedTuple):
    """One bearer's and category's sums in one incident (a row of :func:`_grouped_sums`, kept per worker)."""

    bearer_id: int
    category: CostCategory
    estimate: Decimal | None
    actual: Decimal | None
    estimate_of_actualised: Decimal | None
    lines: int
    best_known: Decimal | None
    open_lines: int

    def total(self) -> Total:
        return Total(estimate=self.estimate or ZERO, actual=self.actual,
                     estimate_of_actualised=self.estimate_of_actualised, lines=self.lines)


_ledger_sums: VersionedCache[list[BearerCategorySums]] = VersionedCache(2048)
_IN_CHUNK = 500


def _incident_sums(incident_ids: list[int]) -> dict[int, list[BearerCategorySums]]:
    """Each incident's sums per bearer and category (an empty list for an incident without lines)."""
    found: dict[int, list[BearerCategorySums]] = {incident_id: [] for incident_id in incident_ids}
    for start in range(0, len(incident_ids), _IN_CHUNK):
        sums = _grouped_sums(CostLine.incident_id, CostLine.bearer_id, CostLine.category,
                             where=[CostLine.incident_id.in_(incident_ids[start:start + _IN_CHUNK])])
        for row in db.session.execute(select(sums)).all():
            found[row.incident_id].append(BearerCategorySums(
                row.bearer_id, row.category, row.estimate, row.actual, row.estimate_of_actualised, int(row.lines),
                row.best_known, int(row.open_lines)))
    return found


KeptSums = tuple[Sequence[Any], dict[int, list[BearerCategorySums]]]


def kept_sums() -> KeptSums:
    """Every incident (id, title and versions; newest start first, the order of the totals pages) and its sums
    per bearer and category, kept per worker under its versions: only the incidents whose versions moved since
    are summed (one statement for all of them)."""
    incidents = db.session.execute(
        select(Incident.id, Incident.title, Incident.created_at, Incident.last_decision_number,
               Incident.costs_version).order_by(Incident.started_at.desc(), Incident.id)
    ).all()
    return incidents, _ledger_sums.get_many(incidents, _incident_sums)


def _municipal_total(incident_id: int, incident_title: str, code: str, name: str, budget: Decimal | None,
                     rows: Sequence[BearerCategorySums]) -> IncidentTotal:
    """One municipality's total in one incident, with the R14 flag, from its rows of the incident's sums."""
    merged = _merged(row.total() for row in rows)
    return IncidentTotal(
        incident_id=incident_id, incident_title=incident_title, municipality_code=code, municipality_name=name,
        budget=budget, best_known=sum((row.best_known or ZERO for row in rows), ZERO), estimate=merged.estimate,
        actual=merged.actual, estimate_of_actualised=merged.estimate_of_actualised, lines=merged.lines)


def _in_scope(rows: list[BearerCategorySums], scope: ReadScope) -> list[BearerCategorySums]:
    """The rows of the bearers in ``scope``: the kept sums are every bearer's (kept under the incident's
    versions alone), so a scoped read narrows them after reading them, never before keeping them."""
    seen = scope.bearer_ids()
    return rows if seen is None else [row for row in rows if row.bearer_id in seen]


def overview_totals(scope: ReadScope = EVERYTHING) -> list[IncidentTotal]:
    """Per incident (newest start first, then id) and municipal bearer (by municipality name) in ``scope``:
    totals and the R14 flag. From each incident's sums kept under its versions: a request reads the incidents
    and the municipalities and sums only the incidents whose versions moved, so the police overview does not
    grow with the history."""
    incidents, sums = kept_sums()
    municipalities = {m.organisation_id: m for m in db.session.scalars(
        select(Municipality).order_by(Municipality.name))}  # the database's order of the names
    rank = {organisation_id: index for index, organisation_id in enumerate(municipalities)}
    totals: list[IncidentTotal] = []
    for incident in incidents:
        groups: dict[int, list[BearerCategorySums]] = {}
        for row in _in_scope(sums[incident.id], scope):
            if row.bearer_id in municipalities:
                groups.setdefault(row.bearer_id, []).append(row)
        for bearer_id in sorted(groups, key=rank.__getitem__):
            municipality = municipalities[bearer_id]
            totals.append(_municipal_total(incident.id, incident.title, municipality.code, municipality.name,
                                           municipality.budget_dkk, groups[bearer_id]))
    return totals


def ledger_totals(incident: Incident, scope: ReadScope = EVERYTHING) -> LedgerTotals:
    """An incident's totals per bearer and category (ordered as ``totals_by_bearer_and_category``), per
    category (by category value) and per municipal bearer with the R14 flag (by municipality name, as
    :func:`overview_totals`). The sums are one grouped statement, kept per worker under the
    incident's versions (:mod:`lbs.versioned_cache`); the bearers' names and budgets are read each time. Only
    the bearers in ``scope`` are summed up (the kept sums stay every bearer's)."""
    sums = _in_scope(_ledger_sums.get(incident, lambda: _incident_sums([incident.id])[incident.id]), scope)
    if not sums:
        return LedgerTotals([], [], [], grand_total([]))
    bearers = db.session.execute(
        select(Organisation.id, Organisation.name, Municipality.code, Municipality.name.label("municipality_name"),
               Municipality.budget_dkk,
               # the database's order of the names (its collation, not Python's)
               func.row_number().over(order_by=(Organisation.name, Organisation.id)).label("rank"),
               func.dense_rank().over(order_by=Municipality.name).label("name_rank"))
        .outerjoin(Municipality, Municipality.organisation_id == Organisation.id)
        .where(Organisation.id.in_(sorted({row.bearer_id for row in sums})))
    ).all()
    bearer = {row.id: row for row in bearers}
    totals: list[BearerCategoryTotal] = []
    municipal: dict[int, list[BearerCategorySums]] = {}  # bearer id → its rows, if a municipality
    for row in sorted(sums, key=lambda r: (bearer[r.bearer_id].rank, r.category.value)):
        totals.append(BearerCategoryTotal(bearer_id=row.bearer_id, bearer_name=bearer[row.bearer_id].name,
                                          category=row.category, estimate=row.estimate or ZERO, actual=row.actual,
                                          estimate_of_actualised=row.estimate_of_actualised, lines=row.lines))
        if bearer[row.bearer_id].code is not None:
            municipal.setdefault(row.bearer_id, []).append(row)
    municipalities = [
        _municipal_total(incident.id, incident.title, bearer[bearer_id].code, bearer[bearer_id].municipality_name,
                         bearer[bearer_id].budget_dkk, rows)
        for bearer_id, rows in sorted(municipal.items(), key=lambda item: int(bearer[item[0]].name_rank))
    ]
    return LedgerTotals(totals, _by_category((t.category, t) for t in totals), municipalities, grand_total(totals))


@dataclass(frozen=True)
class DashboardTotals:
    """Everything a municipality's dashboard sums."""

    by_incident: list[IncidentTotal]
    by_incident_and_category: list[IncidentCategoryTotal]
    by_category: list[tuple[CostCategory, Total]]
    grand: Total


def dashboard_totals(municipality: Municipality, kept: KeptSums | None = None) -> DashboardTotals:
    """A municipality's totals per incident and category (newest incident first, then category value), per
    incident with the R14 flag, and per category (by category value).

    From each incident's sums kept under its versions (:func:`kept_sums`; ``kept`` when the request already read
    them), so the dashboard does not grow with the district's history."""
    incidents, sums = kept or kept_sums()
    rows: list[IncidentCategoryTotal] = []
    by_incident = []
    for incident in incidents:
        mine = sorted((row for row in sums[incident.id] if row.bearer_id == municipality.organisation_id),
                      key=lambda row: row.category.value)
        if not mine:
            continue
        group = [IncidentCategoryTotal(incident_id=incident.id, incident_title=incident.title,
                                       category=row.category, estimate=row.estimate or ZERO, actual=row.actual,
                                       estimate_of_actualised=row.estimate_of_actualised, lines=row.lines)
                 for row in mine]
        rows.extend(group)
        by_incident.append(_municipal_total(incident.id, incident.title, municipality.code, municipality.name,
                                            municipality.budget_dkk, mine))
    by_category = _by_category((r.category, r) for r in rows)
    return DashboardTotals(by_incident, rows, by_category, grand_total(t for _, t in by_category))


