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
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.costs.models import BudgetNote, CostCategory, CostChange, CostLine, CostStatus
from lbs.decisions.models import Decision
from lbs.errors import Conflict, Forbidden, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.money import money_str
from lbs.organisations.models import Municipality, Organisation
from lbs.types import Money

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
    """A cost line with what the lists show next to it."""

    line: CostLine
    decision_number: int
    decided_at: datetime
    incident_id: int
    incident_title: str
    bearer_name: str

    @property
    def variance(self) -> Decimal | None:
        if self.line.actual_dkk is None:
            return None
        return self.line.actual_dkk - self.line.estimate_dkk


LINE_PAGE = 100


@dataclass(frozen=True)
class LinePage:
    """One page of a cost-line table (offset pagination, ``page`` counted from 1)."""

    rows: list[LineRow]
    page: int
    pages: int
    total: int


def _line_rows(where: Sequence[ColumnElement[bool]], *, offset: int = 0, limit: int | None = None) -> list[LineRow]:
    stmt = (
        select(CostLine, Decision.number, Decision.decided_at, Incident.id, Incident.title, Organisation.name)
        .join(Decision, Decision.id == CostLine.decision_id)
        .join(Incident, Incident.id == CostLine.incident_id)
        .join(Organisation, Organisation.id == CostLine.bearer_id)
        .where(*where)
        .order_by(Incident.started_at.desc(), Incident.id, Decision.number, CostLine.id)
    )
    if limit is not None:
        stmt = stmt.offset(offset).limit(limit)
    return [LineRow(*row) for row in db.session.execute(stmt).all()]


def _line_page(where: Sequence[ColumnElement[bool]], page: int, per_page: int) -> LinePage:
    total = int(db.session.scalar(select(func.count(CostLine.id)).where(*where)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    return LinePage(_line_rows(where, offset=(page - 1) * per_page, limit=per_page), page, pages, total)


def incident_line_page(incident_id: int, *, page: int = 1, per_page: int = LINE_PAGE) -> LinePage:
    return _line_page([CostLine.incident_id == incident_id], page, per_page)


def open_line_page(bearer_id: int, *, page: int = 1, per_page: int = LINE_PAGE) -> LinePage:
    return _line_page(_open_where(bearer_id), page, per_page)


def _open_where(bearer_id: int) -> list[ColumnElement[bool]]:
    return [CostLine.bearer_id == bearer_id, CostLine.status.in_(OPEN_STATUSES), CostLine.superseded_by_id.is_(None)]


def list_incident_lines(incident_id: int) -> list[CostLine]:
    """An incident's lines (superseded ones too), ordered by decision number, then line id."""
    stmt = (
        select(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(CostLine.incident_id == incident_id)
        .order_by(Decision.number, CostLine.id)
    )
    return list(db.session.scalars(stmt))


def incident_line_rows(incident_id: int) -> list[LineRow]:
    return _line_rows([CostLine.incident_id == incident_id])


def open_line_rows(bearer_id: int) -> list[LineRow]:
    """Lines of a bearer that still need action: not settled, not superseded."""
    return _line_rows([
        CostLine.bearer_id == bearer_id,
        CostLine.status.in_(OPEN_STATUSES),
        CostLine.superseded_by_id.is_(None),
    ])


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


def _total_columns() -> tuple[Any, Any, Any, Any]:
    return (
        _sum(CostLine.estimate_dkk), _sum(CostLine.actual_dkk), _sum(_ACTUALISED_ESTIMATE),
        func.count(CostLine.id),
    )


def totals_by_bearer_and_category(
    *, incident_id: int | None = None, bearer_id: int | None = None
) -> list[BearerCategoryTotal]:
    """Totals per bearer and category, ordered by bearer name, bearer id, then category value."""
    stmt = (
        select(CostLine.bearer_id, Organisation.name, CostLine.category, *_total_columns())
        .join(Organisation, Organisation.id == CostLine.bearer_id)
        .where(CostLine.superseded_by_id.is_(None))
        .group_by(CostLine.bearer_id, Organisation.name, CostLine.category)
        .order_by(Organisation.name, CostLine.bearer_id, CostLine.category)
    )
    if incident_id is not None:
        stmt = stmt.where(CostLine.incident_id == incident_id)
    if bearer_id is not None:
        stmt = stmt.where(CostLine.bearer_id == bearer_id)
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
    stmt = (
        select(Incident.id, Incident.title, Municipality.code, Municipality.name, Municipality.budget_dkk,
               *_total_columns(), _sum(_BEST_KNOWN))
        .select_from(CostLine)
        .join(Incident, Incident.id == CostLine.incident_id)
        .join(Municipality, Municipality.organisation_id == CostLine.bearer_id)
        .where(CostLine.superseded_by_id.is_(None))
        .group_by(Incident.id, Incident.title, Incident.started_at, Municipality.code, Municipality.name,
                  Municipality.budget_dkk)
        .order_by(Incident.started_at.desc(), Incident.id, Municipality.name)
    )
    if municipality_code is not None:
        stmt = stmt.where(Municipality.code == municipality_code)
    if incident_id is not None:
        stmt = stmt.where(CostLine.incident_id == incident_id)
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


def incident_category_totals(*, bearer_id: int) -> list[IncidentCategoryTotal]:
    """A bearer's totals per incident and category (newest incident first, then category value)."""
    stmt = (
        select(Incident.id, Incident.title, CostLine.category, *_total_columns())
        .select_from(CostLine)
        .join(Incident, Incident.id == CostLine.incident_id)
        .where(CostLine.superseded_by_id.is_(None), CostLine.bearer_id == bearer_id)
        .group_by(Incident.id, Incident.title, Incident.started_at, CostLine.category)
        .order_by(Incident.started_at.desc(), Incident.id, CostLine.category)
    )
    return [
        IncidentCategoryTotal(incident_id=i, incident_title=t, category=c, estimate=e or ZERO, actual=a,
                              estimate_of_actualised=ea, lines=count)
        for i, t, c, e, a, ea, count in db.session.execute(stmt).all()
    ]


def category_totals(*, incident_id: int | None = None, bearer_id: int | None = None) -> list[Total]:
    """Per category (ordered by category value); attribute ``category`` on each row via the pairs."""
    return [row for _, row in category_total_pairs(incident_id=incident_id, bearer_id=bearer_id)]


def category_total_pairs(
    *, incident_id: int | None = None, bearer_id: int | None = None
) -> list[tuple[CostCategory, Total]]:
    stmt = (
        select(CostLine.category, *_total_columns())
        .where(CostLine.superseded_by_id.is_(None))
        .group_by(CostLine.category)
        .order_by(CostLine.category)
    )
    if incident_id is not None:
        stmt = stmt.where(CostLine.incident_id == incident_id)
    if bearer_id is not None:
        stmt = stmt.where(CostLine.bearer_id == bearer_id)
    return [
        (c, Total(estimate=e or ZERO, actual=a, estimate_of_actualised=ea, lines=count))
        for c, e, a, ea, count in db.session.execute(stmt).all()
    ]


def cumulative_costs(*, incident_id: int, bearer_id: int | None = None) -> list[tuple[datetime, Decimal]]:
    """Running total (actual where known, else estimate) at each decision time, oldest first."""
    stmt = (
        select(Decision.decided_at, _sum(_BEST_KNOWN))
        .select_from(CostLine)
        .join(Decision, Decision.id == CostLine.decision_id)
        .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
        .group_by(Decision.decided_at)
        .order_by(Decision.decided_at)
    )
    if bearer_id is not None:
        stmt = stmt.where(CostLine.bearer_id == bearer_id)
    running = ZERO
    points = []
    for at, amount in db.session.execute(stmt).all():
        running += amount or ZERO
        points.append((at, running))
    return points


CHART_POINTS = 120


def thin_points(points: list[tuple[datetime, Decimal]], limit: int = CHART_POINTS) -> list[tuple[datetime, Decimal]]:
    """At most ``limit`` evenly spaced points of a running total, always keeping the first and the last
    (the total), so a long incident's chart and its table stay small."""
    if len(points) <= limit:
        return points
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


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
