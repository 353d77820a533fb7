"""Municipal costs: the workflow of a cost line, its history, and the totals (summed in SQL).

Workflow (``ALLOWED_TRANSITIONS``)::

    estimated → accepted | disputed
    accepted  → disputed | settled
    disputed  → accepted | settled
    settled   → (frozen: any change is a 409)

* Going back to ``estimated`` is never allowed; ``estimated → settled`` is not allowed either (a line is
  accepted, or its dispute resolved, before it is settled).
* Moving to ``disputed`` needs a reason (``note``); who was informed is kept in the history (field
  ``informed``).
* ``settled`` needs an actual amount (already recorded, or given in the same change).
* A line superseded by an amendment no longer changes (409): the amendment's own lines are worked instead.
* Asking for the status a line already has is not a transition (nothing is written for it).

Totals leave superseded lines out. The "actual" of a total is the sum of the known actual amounts (null when
no line of the group has one); the variance is that actual minus the estimates *of the same lines*, so an
unsettled line does not show up as a saving. The incident's total for a municipality (the significant-event
flag, R14) counts each line at its actual amount where known, else at its estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import case, func, literal, select, type_coerce, union_all, update
from sqlalchemy.sql.elements import ColumnElement

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.costs.models import CostChange
from lbs.decisions.models import BudgetNote, CostCategory, CostLine, CostStatus, Decision
from lbs.errors import Conflict, Forbidden, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.money import money_str
from lbs.organisations.models import Municipality, Organisation
from lbs.types import Money
from lbs.versioned_cache import VersionedCache

S = CostStatus
ALLOWED_TRANSITIONS: dict[CostStatus, frozenset[CostStatus]] = {
    S.ESTIMATED: frozenset({S.ACCEPTED, S.DISPUTED}),
    S.ACCEPTED: frozenset({S.DISPUTED, S.SETTLED}),
    S.DISPUTED: frozenset({S.ACCEPTED, S.SETTLED}),
    S.SETTLED: frozenset(),
}
OPEN_STATUSES = (S.ESTIMATED, S.ACCEPTED, S.DISPUTED)
# R14: 0.2 % of the yearly budget (1/500).
SIGNIFICANT_SHARE = Decimal("0.002")
ZERO = Decimal("0.00")
TEXT_MAX = 10_000
REF_MAX = 200


# ---------------------------------------------------------------- reading lines


def get_line(line_id: int, *, for_update: bool = False) -> CostLine:
    """A cost line; ``for_update`` locks its row (PostgreSQL) so concurrent changes queue up."""
    line = db.session.get(CostLine, line_id, with_for_update=for_update, populate_existing=for_update)
    if line is None:
        raise NotFound("unknown cost line")
    return line


def get_incident(incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("unknown incident")
    return incident


@dataclass(frozen=True)
class LineRow:
    """A cost line as the lists show it: its own columns and its decision, incident and bearer (no ORM object)."""

    id: int
    category: CostCategory
    description: str | None
    estimate_dkk: Decimal
    actual_dkk: Decimal | None
    status: CostStatus
    provisional: bool
    superseded_by_id: int | None
    decision_number: int
    decided_at: datetime
    incident_id: int
    incident_title: str
    bearer_name: str

    @property
    def variance(self) -> Decimal | None:
        if self.actual_dkk is None:
            return None
        return self.actual_dkk - self.estimate_dkk


LINE_PAGE = 100


@dataclass(frozen=True)
class LinePage:
    """One page of a cost-line table (offset pagination, ``page`` counted from 1)."""

    rows: list[LineRow]
    page: int
    pages: int
    total: int


_LINE_COLUMNS = (
    CostLine.id, CostLine.category, CostLine.description, CostLine.estimate_dkk, CostLine.actual_dkk,
    CostLine.status, CostLine.provisional, CostLine.superseded_by_id, Decision.number, Decision.decided_at,
    Incident.id, Incident.title, Organisation.name,
)


def _page_line_ids(line_filter: Sequence[ColumnElement[bool]], spanned: list[int], offset: int,
                   per_page: int) -> list[int]:
    """The ids of one page of lines over the incidents it spans (in page order), ``offset`` into the first.

    Per incident, its decisions are walked in number order and their lines by decision (two indexes, no sort,
    stopping at the page's end); the incidents are put together in one statement and in page order here.
    ``line_filter`` must not be usable with an index on ``cost_lines`` (see :func:`_unindexed`), nor filter
    on ``cost_lines.incident_id``: with those the planner reads all the incident's (or the bearer's) lines
    and sorts them instead (10–20 ms at 5 000 lines).
    """
    if not spanned:
        return []
    parts = [
        select(literal(position).label("position"), Decision.number, CostLine.id)
        .select_from(Decision).join(CostLine, CostLine.decision_id == Decision.id)
        .where(Decision.incident_id == incident_id, *line_filter)
        .order_by(Decision.number, CostLine.id).offset(offset if position == 0 else 0).limit(per_page)
        for position, incident_id in enumerate(spanned)
    ]
    stmt: Any = parts[0] if len(parts) == 1 else union_all(*(select(part.subquery()) for part in parts))
    return [row[2] for row in sorted(db.session.execute(stmt).all())[:per_page]]


def _unindexed(column: Any) -> Any:
    """On SQLite ``column + 0``: the same value, but a condition on it does not make the planner pick an index
    on it — without statistics (which a SQLite database does not gather by itself) it would pick the bearer's
    index and sort. PostgreSQL has statistics and needs the bare column to estimate the condition."""
    return column + 0 if db.session.get_bind().dialect.name == "sqlite" else column


def _line_page(where: Sequence[ColumnElement[bool]], line_filter: Sequence[ColumnElement[bool]], page: int,
               per_page: int, counts: Sequence[tuple[int, int]] | None = None) -> LinePage:
    """Lines (``where`` on ``cost_lines``; ``line_filter`` the same condition for :func:`_page_line_ids`)
    ordered by incident (newest first), decision number and line id; a page beyond the last is the last.

    Three statements whatever the page: the number of lines per incident (from an index; or ``counts``, in page
    order, when the caller has them), the page's line ids (:func:`_page_line_ids`), then the shown columns of
    those ids.
    """
    if counts is None:
        per_incident = select(CostLine.incident_id, func.count().label("lines")).where(*where) \
            .group_by(CostLine.incident_id).subquery()
        counts = [(int(i), int(n)) for i, n in db.session.execute(
            select(per_incident.c.incident_id, per_incident.c.lines)
            .join(Incident, Incident.id == per_incident.c.incident_id)
            .order_by(Incident.started_at.desc(), Incident.id)
        ).all()]
    total = sum(int(lines) for _, lines in counts)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    offset = (page - 1) * per_page  # then: the offset within the first incident the page spans
    spanned: list[int] = []
    room = per_page
    for incident_id, lines in counts:
        if not spanned and offset >= lines:  # an incident before the page
            offset -= lines
            continue
        spanned.append(incident_id)
        room -= lines - (offset if len(spanned) == 1 else 0)
        if room <= 0:
            break
    ids = _page_line_ids(line_filter, spanned, offset, per_page)
    stmt = (
        select(*_LINE_COLUMNS)
        .join(Decision, Decision.id == CostLine.decision_id)
        .join(Incident, Incident.id == CostLine.incident_id)
        .join(Organisation, Organisation.id == CostLine.bearer_id)
        .where(CostLine.id.in_(ids))
    )
    rows = {row[0]: LineRow(*cast(Any, row)) for row in db.session.execute(stmt).all()} if ids else {}
    return LinePage([rows[i] for i in ids], page, pages, total)


def incident_line_page(incident_id: int, *, page: int = 1, per_page: int = LINE_PAGE) -> LinePage:
    return _line_page([CostLine.incident_id == incident_id], [], page, per_page)


def open_line_page(bearer_id: int, *, page: int = 1, per_page: int = LINE_PAGE,
                   kept: KeptSums | None = None) -> LinePage:
    """Lines of a bearer that still need action: not settled, not superseded. How many there are in each
    incident comes from the incidents' sums kept under their versions (counting them grew with the history);
    ``kept`` when the request already read them (:func:`kept_sums`)."""
    incidents, sums = kept or kept_sums()
    counts = [(incident.id, count) for incident in incidents
              if (count := sum(row[7] for row in sums[incident.id] if row[0] == bearer_id))]
    return _line_page([CostLine.bearer_id == bearer_id, CostLine.status.in_(OPEN_STATUSES),
                       CostLine.superseded_by_id.is_(None)],
                      [_unindexed(CostLine.bearer_id) == bearer_id, CostLine.status.in_(OPEN_STATUSES),
                       _unindexed(CostLine.superseded_by_id).is_(None)], page, per_page, counts)


def list_incident_lines(incident_id: int) -> list[CostLine]:
    """An incident's lines (superseded ones too), ordered by decision number, then line id."""
    stmt = (
        select(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(CostLine.incident_id == incident_id)
        .order_by(Decision.number, CostLine.id)
    )
    return list(db.session.scalars(stmt))


def list_history(line_id: int) -> list[tuple[CostChange, str]]:
    """The line's changes oldest first, each with the username of who made it."""
    stmt = (
        select(CostChange, User.username)
        .join(User, User.id == CostChange.by_id)
        .where(CostChange.cost_line_id == line_id)
        .order_by(CostChange.at, CostChange.id)
    )
    return [(change, username) for change, username in db.session.execute(stmt).all()]


# ---------------------------------------------------------------- totals (SQL)


def _sum(column: Any) -> ColumnElement[Decimal]:
    return type_coerce(func.sum(column), Money())


_ACTUALISED_ESTIMATE = case((CostLine.actual_dkk.is_not(None), CostLine.estimate_dkk), else_=None)
_BEST_KNOWN = func.coalesce(CostLine.actual_dkk, CostLine.estimate_dkk)


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
               _sum(_BEST_KNOWN).label("best_known"),
               func.count(case((CostLine.status.in_(OPEN_STATUSES), 1))).label("open_lines"))
        .where(CostLine.superseded_by_id.is_(None), *where)
        .group_by(*keys)
        .subquery()
    )


def totals_by_bearer_and_category(
    *, incident_id: int | None = None, bearer_id: int | None = None
) -> list[BearerCategoryTotal]:
    """Totals per bearer and category, ordered by bearer name, bearer id, then category value."""
    where = [CostLine.incident_id == incident_id] if incident_id is not None else []
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


def incident_totals_by_municipality(
    *, municipality_code: str | None = None, incident_id: int | None = None
) -> list[IncidentTotal]:
    """Per incident and municipal bearer: totals and the significant-financial-event flag.

    Ordered by incident start (newest first), incident id, then municipality name.
    """
    where = [CostLine.incident_id == incident_id] if incident_id is not None else []
    if municipality_code is not None:
        where.append(CostLine.bearer_id == select(Municipality.organisation_id)
                     .where(Municipality.code == municipality_code).scalar_subquery())
    sums = _grouped_sums(CostLine.incident_id, CostLine.bearer_id, where=where)
    stmt = (
        select(Incident.id, Incident.title, Municipality.code, Municipality.name, Municipality.budget_dkk,
               sums.c.estimate, sums.c.actual, sums.c.estimate_of_actualised, sums.c.lines, sums.c.best_known)
        .join(Incident, Incident.id == sums.c.incident_id)
        .join(Municipality, Municipality.organisation_id == sums.c.bearer_id)
        .order_by(Incident.started_at.desc(), Incident.id, Municipality.name)
    )
    return [
        IncidentTotal(incident_id=i, incident_title=t, municipality_code=code, municipality_name=name, budget=budget,
                      estimate=e or ZERO, actual=a, estimate_of_actualised=ea, lines=count, best_known=best or ZERO)
        for i, t, code, name, budget, e, a, ea, count, best in db.session.execute(stmt).all()
    ]


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


# bearer id, category, estimate, actual, estimate of actualised, lines, best known, open lines
_SumRow = tuple[int, CostCategory, Decimal | None, Decimal | None, Decimal | None, int, Decimal | None, int]
_ledger_sums: VersionedCache[list[_SumRow]] = VersionedCache(2048)
_IN_CHUNK = 500


def _incident_sums(incident_ids: list[int]) -> dict[int, list[_SumRow]]:
    """Each incident's sums per bearer and category (an empty list for an incident without lines)."""
    found: dict[int, list[_SumRow]] = {incident_id: [] for incident_id in incident_ids}
    for start in range(0, len(incident_ids), _IN_CHUNK):
        sums = _grouped_sums(CostLine.incident_id, CostLine.bearer_id, CostLine.category,
                             where=[CostLine.incident_id.in_(incident_ids[start:start + _IN_CHUNK])])
        for row in db.session.execute(select(sums)).all():
            found[row.incident_id].append((row.bearer_id, row.category, row.estimate, row.actual,
                                           row.estimate_of_actualised, int(row.lines), row.best_known,
                                           int(row.open_lines)))
    return found


KeptSums = tuple[Sequence[Any], dict[int, list[_SumRow]]]


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
                     rows: Sequence[_SumRow]) -> IncidentTotal:
    """One municipality's total in one incident, with the R14 flag, from its rows of the incident's sums."""
    merged = _merged(Total(estimate=e or ZERO, actual=a, estimate_of_actualised=ea, lines=count)
                     for _b, _c, e, a, ea, count, _best, _open in rows)
    return IncidentTotal(
        incident_id=incident_id, incident_title=incident_title, municipality_code=code, municipality_name=name,
        budget=budget, best_known=sum((row[6] or ZERO for row in rows), ZERO), estimate=merged.estimate,
        actual=merged.actual, estimate_of_actualised=merged.estimate_of_actualised, lines=merged.lines)


def overview_totals() -> list[IncidentTotal]:
    """What ``incident_totals_by_municipality()`` returns (every incident, every municipal bearer, same order),
    from each incident's sums kept under its versions: a request reads the incidents and the municipalities and
    sums only the incidents whose versions moved, so the police overview does not grow with the history."""
    incidents, sums = kept_sums()
    municipalities = {m.organisation_id: m for m in db.session.scalars(
        select(Municipality).order_by(Municipality.name))}  # the database's order of the names
    rank = {organisation_id: index for index, organisation_id in enumerate(municipalities)}
    totals: list[IncidentTotal] = []
    for incident in incidents:
        groups: dict[int, list[_SumRow]] = {}
        for row in sums[incident.id]:
            if row[0] in municipalities:
                groups.setdefault(row[0], []).append(row)
        for bearer_id in sorted(groups, key=rank.__getitem__):
            municipality = municipalities[bearer_id]
            totals.append(_municipal_total(incident.id, incident.title, municipality.code, municipality.name,
                                           municipality.budget_dkk, groups[bearer_id]))
    return totals


def ledger_totals(incident: Incident) -> LedgerTotals:
    """An incident's totals per bearer and category (ordered as ``totals_by_bearer_and_category``), per
    category (by category value) and per municipal bearer with the R14 flag (by municipality name, as
    ``incident_totals_by_municipality``). The sums are one grouped statement, kept per worker under the
    incident's versions (:mod:`lbs.versioned_cache`); the bearers' names and budgets are read each time."""
    sums = _ledger_sums.get(incident, lambda: _incident_sums([incident.id])[incident.id])
    if not sums:
        return LedgerTotals([], [], [], grand_total([]))
    bearers = db.session.execute(
        select(Organisation.id, Organisation.name, Municipality.code, Municipality.name.label("municipality_name"),
               Municipality.budget_dkk,
               # the database's order of the names (its collation, not Python's)
               func.row_number().over(order_by=(Organisation.name, Organisation.id)).label("rank"),
               func.dense_rank().over(order_by=Municipality.name).label("name_rank"))
        .outerjoin(Municipality, Municipality.organisation_id == Organisation.id)
        .where(Organisation.id.in_(sorted({row[0] for row in sums})))
    ).all()
    bearer = {row.id: row for row in bearers}
    totals: list[BearerCategoryTotal] = []
    municipal: dict[int, list[_SumRow]] = {}  # bearer id → its rows, if a municipality
    for row in sorted(sums, key=lambda r: (bearer[r[0]].rank, r[1].value)):
        bearer_id, category, estimate, actual, actualised, lines, _best, _open = row
        totals.append(BearerCategoryTotal(bearer_id=bearer_id, bearer_name=bearer[bearer_id].name,
                                          category=category, estimate=estimate or ZERO, actual=actual,
                                          estimate_of_actualised=actualised, lines=lines))
        if bearer[bearer_id].code is not None:
            municipal.setdefault(bearer_id, []).append(row)
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
        mine = sorted((row for row in sums[incident.id] if row[0] == municipality.organisation_id),
                      key=lambda row: row[1].value)
        if not mine:
            continue
        group = [IncidentCategoryTotal(incident_id=incident.id, incident_title=incident.title, category=c,
                                       estimate=e or ZERO, actual=a, estimate_of_actualised=ea, lines=count)
                 for _b, c, e, a, ea, count, _best, _open in mine]
        rows.extend(group)
        by_incident.append(_municipal_total(incident.id, incident.title, municipality.code, municipality.name,
                                            municipality.budget_dkk, mine))
    by_category = _by_category((r.category, r) for r in rows)
    return DashboardTotals(by_incident, rows, by_category, grand_total(t for _, t in by_category))


CHART_POINTS = 120


def _pick(i: Any, last: Any, steps: Any) -> Any:
    """Index of the ``i``-th of ``steps + 1`` evenly spaced points over ``0 … last``: ``i · last / steps``
    rounded half up, in integer arithmetic so Python and SQL pick the very same points."""
    return (2 * i * last + steps) // (2 * steps)


def thin_points(points: list[tuple[datetime, Decimal]], limit: int = CHART_POINTS) -> list[tuple[datetime, Decimal]]:
    """At most ``limit`` evenly spaced points of a running total, always keeping the first and the last
    (the total), so a long incident's chart and its table stay small."""
    if len(points) <= limit:
        return points
    return [points[_pick(i, len(points) - 1, limit - 1)] for i in range(limit)]


def cumulative_costs(*, incident_id: int, bearer_id: int | None = None) -> list[tuple[datetime, Decimal]]:
    """Running total (actual where known, else estimate) at each decision time, oldest first."""
    return _running_totals(incident_id=incident_id, bearer_id=bearer_id, limit=None)[0]


ChartPoints = tuple[list[tuple[datetime, Decimal]], int]
_chart_cache: VersionedCache[ChartPoints] = VersionedCache(64)


def cumulative_chart_points(*, incident: Incident, limit: int = CHART_POINTS) -> ChartPoints:
    """``thin_points(cumulative_costs(...), limit)`` and the number of decision times, thinned in SQL so only
    the shown points leave the database; kept per worker under the incident's versions
    (:mod:`lbs.versioned_cache`)."""
    return _chart_cache.get(incident, lambda: _running_totals(incident_id=incident.id, bearer_id=None,
                                                              limit=limit), limit)


def _running_totals(*, incident_id: int, bearer_id: int | None,
                    limit: int | None) -> tuple[list[tuple[datetime, Decimal]], int]:
    where = [CostLine.incident_id == incident_id, Decision.incident_id == incident_id,
             CostLine.superseded_by_id.is_(None)]
    if bearer_id is not None:
        where.append(CostLine.bearer_id == bearer_id)
    per_time = (
        select(Decision.decided_at.label("at"), func.sum(_BEST_KNOWN).label("amount"))
        .select_from(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(*where)
        .group_by(Decision.decided_at)
        .subquery()
    )
    running = select(
        per_time.c.at,
        # one row per time, so a ROWS frame (cheaper than the default RANGE) gives the same running total
        type_coerce(func.sum(per_time.c.amount).over(order_by=per_time.c.at, rows=(None, 0)), Money()).label("total"),
        (func.row_number().over(order_by=per_time.c.at) - 1).label("index"),
        (func.count().over() - 1).label("last"),
    ).subquery()
    stmt = select(running.c.at, running.c.total, running.c.last).order_by(running.c.at)
    if limit is not None:
        # Keep index j when the point picked nearest to it (i = j · steps / last, rounded) is j itself.
        steps, j, last = limit - 1, running.c.index, running.c.last
        stmt = stmt.where(case((last < limit, True), else_=_pick(_pick(j, steps, last), last, steps) == j))
    rows = db.session.execute(stmt).all()
    return [(at, total) for at, total, _ in rows], (int(rows[0].last) + 1 if rows else 0)


# ---------------------------------------------------------------- changing lines


def may_edit(user: User | None, line: CostLine) -> bool:
    return can(user, Action.COST_EDIT, bearer_organisation_id=line.bearer_id)


def check_may_edit(user: User, line: CostLine) -> None:
    if not may_edit(user, line):
        raise Forbidden("only users of the bearing municipality may change this cost line")


def _frozen(line: CostLine) -> None:
    if line.status is CostStatus.SETTLED:
        raise Conflict("the cost line is settled and no longer changes")
    if line.superseded_by_id is not None:
        raise Conflict("the cost line is superseded by an amendment and no longer changes")


def _text(value: str | None, name: str, max_len: int, errors: dict[str, list[str]]) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if "\x00" in value:
        errors.setdefault(name, []).append("may not contain a NUL byte")
    elif len(value) > max_len:
        errors.setdefault(name, []).append(f"may have at most {max_len} characters")
    return value or None


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, CostStatus | BudgetNote):
        return value.value
    return str(value)


def _apply(line: CostLine, *, by: User, changes: dict[str, tuple[object, object]], action: str, summary: str) -> None:
    # In SQL, so concurrent changes each count (and the caches keyed on the version see every one); first,
    # so that the incident row is locked before the line, in the same order as a decision write (no deadlock
    # with an amendment superseding this line).
    db.session.execute(update(Incident).where(Incident.id == line.incident_id)
                       .values(costs_version=Incident.costs_version + 1))
    for field, (old, new) in changes.items():
        if field in CostLine.__table__.c:
            setattr(line, field, new)
        db.session.add(CostChange(cost_line_id=line.id, by_id=by.id, field=field,
                                  old=_as_text(old), new=_as_text(new)))
    audit.record(by=by, action=action, object_type="cost_line", object_id=line.id, summary=summary,
                 changes=changes)
    db.session.flush()


def update_line(
    *,
    line: CostLine,
    by: User,
    actual_dkk: Decimal | None = None,
    status: CostStatus | None = None,
    note: str | None = None,
    invoice_ref: str | None = None,
    informed: str | None = None,
) -> CostLine:
    """Record an actual amount, a status move, a note (and invoice reference / who was informed).

    Order of checks: 403 (not the bearer's user), 422 (the request itself), 409 (settled/superseded),
    422 (the transition). Nothing is written when any check fails.
    """
    check_may_edit(by, line)
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", TEXT_MAX, errors)
    invoice_ref = _text(invoice_ref, "invoice_ref", REF_MAX, errors)
    informed = _text(informed, "informed", TEXT_MAX, errors)
    if actual_dkk is not None and (actual_dkk < 0 or actual_dkk >= Decimal(10) ** 12
                                   or actual_dkk != actual_dkk.quantize(Decimal("0.01"))):
        errors.setdefault("actual_dkk", []).append("must be 0 … 999999999999.99 with at most two decimals")
    if status is CostStatus.DISPUTED and note is None and line.status is not CostStatus.DISPUTED:
        errors.setdefault("note", []).append("a dispute needs a reason")
    if all(v is None for v in (actual_dkk, status, note, invoice_ref, informed)):
        errors.setdefault("", []).append("nothing to change: give actual_dkk, status or note")
    if errors:
        raise ValidationError("the change is not valid", {k or "body": v for k, v in errors.items()})
    _frozen(line)
    if status is not None and status is not line.status and status not in ALLOWED_TRANSITIONS[line.status]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[line.status])) or "none"
        raise ValidationError(
            f"a cost line cannot move from {line.status.value} to {status.value} (allowed: {allowed})",
            {"status": [f"cannot move from {line.status.value} to {status.value}"]},
        )
    new_actual = actual_dkk.quantize(Decimal("0.01")) if actual_dkk is not None else line.actual_dkk
    if status is CostStatus.SETTLED and new_actual is None:
        raise ValidationError("record the actual amount before settling",
                              {"actual_dkk": ["is required to settle the line"]})

    changes: dict[str, tuple[object, object]] = {}
    if actual_dkk is not None and new_actual != line.actual_dkk:
        changes["actual_dkk"] = (line.actual_dkk, new_actual)
    if invoice_ref is not None and invoice_ref != line.invoice_ref:
        changes["invoice_ref"] = (line.invoice_ref, invoice_ref)
    if note is not None and note != line.note:
        changes["note"] = (line.note, note)
    if informed is not None:
        changes["informed"] = (None, informed)
    if status is not None and status is not line.status:
        changes["status"] = (line.status, status)
    if changes:
        summary = f"cost line {line.id}: " + ", ".join(
            f"{f} {_as_text(o) or '–'} → {_as_text(n) or '–'}" for f, (o, n) in changes.items() if f != "note"
        )
        _apply(line, by=by, changes=changes, action="cost.update", summary=summary)
    return line


def set_budget_note(*, line: CostLine, by: User, budget_note: BudgetNote,
                    council_meeting_on: date | None = None) -> CostLine:
    """Mark how the line is funded: statutory (grant to follow) or needs a supplementary grant."""
    check_may_edit(by, line)
    if budget_note is BudgetNote.NONE and council_meeting_on is not None:
        raise ValidationError("a council meeting date belongs to a budget note",
                              {"council_meeting_on": ["give a budget note with the meeting date"]})
    _frozen(line)
    changes: dict[str, tuple[object, object]] = {}
    if budget_note is not line.budget_note:
        changes["budget_note"] = (line.budget_note, budget_note)
    if council_meeting_on != line.council_meeting_on:
        changes["council_meeting_on"] = (line.council_meeting_on, council_meeting_on)
    if changes:
        _apply(line, by=by, changes=changes, action="cost.budget_note",
               summary=f"cost line {line.id}: budget note {budget_note.value}")
    return line
