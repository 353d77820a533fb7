"""Reading cost lines: one line, its history, an incident's lines, and the paged line tables of the pages.

A line table (the ledger's, the dashboard's open lines) is ordered by incident (newest first), decision number
and line id, and paged by offset; :func:`_line_page` reads a page in three statements whatever its number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from lbs.auth.models import User
from lbs.costs.models import CostChange
from lbs.costs.totals import KeptSums, kept_sums
from lbs.costs.workflow import OPEN_STATUSES
from lbs.decisions.models import CostCategory, CostLine, CostStatus, Decision
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation

LINE_PAGE = 100


def get_line(line_id: int, *, for_update: bool = False) -> CostLine:
    """A cost line; ``for_update`` locks its incident's row, then its own (PostgreSQL), so concurrent changes
    queue up in the order a decision write takes them: an amendment superseding the line (which holds the
    incident's row) is then seen before the line is judged, and the two never deadlock."""
    if for_update:
        incident_id = db.session.scalar(select(CostLine.incident_id).where(CostLine.id == line_id))
        if incident_id is not None:
            db.session.execute(select(Incident.id).where(Incident.id == incident_id).with_for_update())
    line = db.session.get(CostLine, line_id, with_for_update=for_update, populate_existing=for_update)
    if line is None:
        raise NotFound("unknown cost line")
    return line


def get_incident(incident_id: int) -> Incident:
    """The incident whose costs are read (the incident row alone)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("unknown incident")
    return incident


def list_incident_lines(incident_id: int, scope: ReadScope = EVERYTHING) -> list[CostLine]:
    """An incident's lines in ``scope`` (superseded ones too), ordered by decision number, then line id."""
    stmt = (
        select(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(CostLine.incident_id == incident_id, scope.lines())
        .order_by(Decision.number, CostLine.id)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Change:
    """One entry of a line's history: a stored :class:`CostChange`, or the line's supersession by an amendment
    (``field`` ``superseded_by``, ``new`` the amendment's number), read from the line and its amendment."""

    at: datetime
    field: str
    old: str | None
    new: str | None


def list_history(line_id: int) -> list[tuple[Change, str]]:
    """The line's changes oldest first, each with the username of who made it; a superseded line ends with the
    amendment that superseded it (who logged it and when)."""
    stmt = (
        select(CostChange, User.username)
        .join(User, User.id == CostChange.by_id)
        .where(CostChange.cost_line_id == line_id)
        .order_by(CostChange.at, CostChange.id)
    )
    history = [(Change(change.at, change.field, change.old, change.new), username)
               for change, username in db.session.execute(stmt).all()]
    superseded = db.session.execute(
        select(Decision.number, Decision.recorded_at, User.username)
        .join(CostLine, CostLine.superseded_by_id == Decision.id)
        .outerjoin(User, User.id == Decision.recorded_by_id)
        .where(CostLine.id == line_id)
    ).first()
    if superseded is not None:
        number, at, username = superseded
        history.append((Change(at, "superseded_by", None, str(number)), username or "–"))
    return history


@dataclass(frozen=True)
class DecisionRef:
    """A decision as a line's page names it: its id (for the link), number and title."""

    id: int
    number: int
    title: str


@dataclass(frozen=True)
class LineContext:
    """Where a line comes from and where it stands: its decision and incident, the amendment that superseded it
    (``None`` while it is live) and the amendments of its decision (an amendment without costs of its own leaves
    the line live)."""

    decision: DecisionRef
    incident_id: int
    incident_title: str
    superseded_by: DecisionRef | None
    amendments: list[DecisionRef]


def _decision_ref(decision_id: int | None) -> DecisionRef | None:
    if decision_id is None:
        return None
    row = db.session.execute(select(Decision.id, Decision.number, Decision.title)
                             .where(Decision.id == decision_id)).one_or_none()
    return None if row is None else DecisionRef(*row)


def line_context(line: CostLine) -> LineContext:
    """The line's decision, incident and amendment state (three small reads)."""
    decision = _decision_ref(line.decision_id)
    if decision is None:
        raise NotFound("unknown decision")
    incident_title = db.session.scalar(select(Incident.title).where(Incident.id == line.incident_id)) or ""
    amendments = [DecisionRef(*row) for row in db.session.execute(
        select(Decision.id, Decision.number, Decision.title)
        .where(Decision.amends_id == line.decision_id).order_by(Decision.number))]
    return LineContext(decision, line.incident_id, incident_title, _decision_ref(line.superseded_by_id),
                       amendments)


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


@dataclass(frozen=True)
class LinePage:
    """One page of a cost-line table (offset pagination, ``page`` counted from 1)."""

    rows: list[LineRow]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class LineFilter:
    """Which lines a table shows, stated once; :func:`_conditions` turns it into SQL for each statement."""

    incident_id: int | None = None
    bearer_id: int | None = None
    open_only: bool = False  # lines still needing action: not settled, not superseded


_LINE_COLUMNS = (
    CostLine.id, CostLine.category, CostLine.description, CostLine.estimate_dkk, CostLine.actual_dkk,
    CostLine.status, CostLine.provisional, CostLine.superseded_by_id, Decision.number, Decision.decided_at,
    Incident.id, Incident.title, Organisation.name,
)


def _unindexed(column: Any) -> Any:
    """On SQLite ``column + 0``: the same value, but a condition on it does not make the planner pick an index
    on it — without statistics (which a SQLite database does not gather by itself) it would pick the bearer's
    index and sort. PostgreSQL has statistics and needs the bare column to estimate the condition."""
    return column + 0 if db.session.get_bind().dialect.name == "sqlite" else column


def _conditions(lines: LineFilter, *, walking: bool = False) -> list[ColumnElement[bool]]:
    """``lines`` as conditions on ``cost_lines``; ``walking`` gives the form that :func:`_page_line_ids` needs.

    That statement walks each incident's decisions in number order and their lines by decision (two indexes,
    no sort, stopping at the page's end). A condition the planner could serve from an index on ``cost_lines``
    would make it read all the incident's (or the bearer's) lines from that index and sort them instead. So
    the walking form leaves out the incident (the walk goes per incident already) and states the indexed
    columns ``bearer_id`` and ``superseded_by_id`` through :func:`_unindexed`. ``status`` stays bare: no index
    starts with it, and ``+ 0`` would turn its text into a number.
    """
    column: Callable[[Any], Any] = _unindexed if walking else (lambda bare: bare)
    where: list[ColumnElement[bool]] = []
    if lines.incident_id is not None and not walking:
        where.append(CostLine.incident_id == lines.incident_id)
    if lines.bearer_id is not None:
        where.append(column(CostLine.bearer_id) == lines.bearer_id)
    if lines.open_only:
        where += [CostLine.status.in_(OPEN_STATUSES), column(CostLine.superseded_by_id).is_(None)]
    return where


def _page_line_ids(lines: LineFilter, spanned: list[int], offset: int, per_page: int) -> list[int]:
    """The ids of one page of lines over the incidents it spans (in page order), ``offset`` into the first.

    Per incident, its decisions are walked in number order and their lines by decision (see :func:`_conditions`
    for why the filter takes its walking form); the incidents are put together in one statement and in page
    order here.
    """
    if not spanned:
        return []
    where = _conditions(lines, walking=True)
    parts = [
        select(literal(position).label("position"), Decision.number, CostLine.id)
        .select_from(Decision).join(CostLine, CostLine.decision_id == Decision.id)
        .where(Decision.incident_id == incident_id, *where)
        .order_by(Decision.number, CostLine.id).offset(offset if position == 0 else 0).limit(per_page)
        for position, incident_id in enumerate(spanned)
    ]
    stmt: Any = parts[0] if len(parts) == 1 else union_all(*(select(part.subquery()) for part in parts))
    return [row[2] for row in sorted(db.session.execute(stmt).all())[:per_page]]


def _lines_per_incident(lines: LineFilter) -> list[tuple[int, int]]:
    """How many of ``lines`` each incident has (from an index), in page order; incidents without any left out."""
    per_incident = select(CostLine.incident_id, func.count().label("lines")).where(*_conditions(lines)) \
        .group_by(CostLine.incident_id).subquery()
    return [(int(i), int(n)) for i, n in db.session.execute(
        select(per_incident.c.incident_id, per_incident.c.lines)
        .join(Incident, Incident.id == per_incident.c.incident_id)
        .order_by(Incident.started_at.desc(), Incident.id)
    ).all()]


def _line_page(lines: LineFilter, page: int, per_page: int,
               counts: list[tuple[int, int]] | None = None) -> LinePage:
    """A page of ``lines`` ordered by incident (newest first), decision number and line id; a page beyond the
    last is the last.

    Three statements whatever the page: the number of lines per incident (:func:`_lines_per_incident`, or
    ``counts`` in page order when the caller has them), the page's line ids (:func:`_page_line_ids`), then the
    shown columns of those ids.
    """
    if counts is None:
        counts = _lines_per_incident(lines)
    total = sum(count for _, count in counts)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    offset = (page - 1) * per_page  # then: the offset within the first incident the page spans
    spanned: list[int] = []
    room = per_page
    for incident_id, count in counts:
        if not spanned and offset >= count:  # an incident before the page
            offset -= count
            continue
        spanned.append(incident_id)
        room -= count - (offset if len(spanned) == 1 else 0)
        if room <= 0:
            break
    ids = _page_line_ids(lines, spanned, offset, per_page)
    stmt = (
        select(*_LINE_COLUMNS)
        .join(Decision, Decision.id == CostLine.decision_id)
        .join(Incident, Incident.id == CostLine.incident_id)
        .join(Organisation, Organisation.id == CostLine.bearer_id)
        .where(CostLine.id.in_(ids))
    )
    rows = {row[0]: LineRow(*cast(Any, row)) for row in db.session.execute(stmt).all()} if ids else {}
    return LinePage([rows[i] for i in ids], page, pages, total)


def incident_line_page(incident_id: int, *, page: int = 1, per_page: int = LINE_PAGE,
                       scope: ReadScope = EVERYTHING) -> LinePage:
    """One page of an incident's lines in ``scope`` (superseded ones too)."""
    bearer_id = None if scope.everything else scope.organisation_id or 0
    return _line_page(LineFilter(incident_id=incident_id, bearer_id=bearer_id), page, per_page)


def open_line_page(bearer_id: int, *, page: int = 1, per_page: int = LINE_PAGE,
                   kept: KeptSums | None = None) -> LinePage:
    """Lines of a bearer that still need action: not settled, not superseded. How many there are in each
    incident comes from the incidents' sums kept under their versions (counting them grew with the history);
    ``kept`` when the request already read them (:func:`~lbs.costs.totals.kept_sums`)."""
    incidents, sums = kept or kept_sums()
    counts = [(incident.id, count) for incident in incidents
              if (count := sum(row.open_lines for row in sums[incident.id] if row.bearer_id == bearer_id))]
    return _line_page(LineFilter(bearer_id=bearer_id, open_only=True), page, per_page, counts)
