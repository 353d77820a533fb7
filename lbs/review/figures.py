"""Key figures of an incident's review: decisions per staff and type, urgent decisions, amendments, missing
consultations, late recordings, and the costs per bearer (estimate vs. actual)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, type_coerce

from lbs.decisions.models import CostLine, CostStatus
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.review.rows import DecisionReview
from lbs.timeutil import utcnow
from lbs.types import Money
from lbs.versioned_cache import VersionedCache


@dataclass(frozen=True)
class BearerSums:
    """One bearer's cost lines of an incident, summed (superseded lines left out)."""

    estimate_dkk: Decimal
    actual_dkk: Decimal
    lines: int
    lines_with_actual: int
    disputed: int
    provisional: int
    # The estimates of just the lines that have an actual amount (what the actuals compare with).
    estimate_with_actual_dkk: Decimal


@dataclass(frozen=True, kw_only=True)
class BearerCosts(BearerSums):
    bearer_id: int
    bearer_name: str

    @property
    def difference_dkk(self) -> Decimal | None:
        """Actual minus estimate over the lines with an actual amount; None while there is none."""
        if not self.lines_with_actual:
            return None
        return self.actual_dkk - self.estimate_with_actual_dkk


@dataclass
class KeyFigures:
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta
    decisions: int
    per_staff: dict[str, int]
    per_type: dict[str, int]
    urgent: int
    amendments: int
    consultations_missing: int
    decisions_with_missing: int
    delayed: int
    costs: list[BearerCosts]
    # Recorded late (more than DELAY_LIMIT_MINUTES) without a reason given.
    late_unexplained: int = 0

    @property
    def estimate_total(self) -> Decimal:
        return sum((c.estimate_dkk for c in self.costs), Decimal("0.00"))

    @property
    def actual_total(self) -> Decimal:
        return sum((c.actual_dkk for c in self.costs), Decimal("0.00"))

    @property
    def difference_total(self) -> Decimal | None:
        differences = [c.difference_dkk for c in self.costs if c.difference_dkk is not None]
        return sum(differences, Decimal("0.00")) if differences else None


def money_sum(value: Decimal | None) -> Decimal:
    """A SQL sum of a money column (converted from øre by the Money type); no lines is 0.00."""
    return Decimal("0.00") if value is None else value


_bearer_sums: VersionedCache[dict[int, BearerSums]] = VersionedCache(256)


def _sums_per_bearer(incident_id: int) -> dict[int, BearerSums]:
    query = (
        select(
            CostLine.bearer_id,
            type_coerce(func.sum(CostLine.estimate_dkk), Money()),
            type_coerce(func.sum(CostLine.actual_dkk), Money()),
            func.count(CostLine.id),
            func.count(CostLine.actual_dkk),
            func.sum(case((CostLine.status == CostStatus.DISPUTED, 1), else_=0)),
            func.sum(case((CostLine.provisional.is_(True), 1), else_=0)),
            type_coerce(func.sum(case((CostLine.actual_dkk.is_not(None), CostLine.estimate_dkk), else_=None)),
                        Money()),
        )
        .where(CostLine.incident_id == incident_id, CostLine.superseded_by_id.is_(None))
        .group_by(CostLine.bearer_id)
    )
    return {
        bearer_id: BearerSums(money_sum(estimate), money_sum(actual), int(lines), int(with_actual),
                               int(disputed or 0), int(provisional or 0), money_sum(compared))
        for bearer_id, estimate, actual, lines, with_actual, disputed, provisional, compared
        in db.session.execute(query)
    }


def costs_per_bearer(incident: Incident, scope: ReadScope = EVERYTHING) -> list[BearerCosts]:
    """Estimate vs. actual per bearer in ``scope``, by the bearer's name; superseded lines are left out. The
    sums (every bearer's) are kept per worker under the incident's versions (:mod:`lbs.versioned_cache`) and
    narrowed to ``scope`` after reading them; the names are read."""
    kept = _bearer_sums.get(incident, lambda: _sums_per_bearer(incident.id))
    sums = {bearer_id: s for bearer_id, s in kept.items() if scope.sees_bearer(bearer_id)}
    if not sums:
        return []
    names = db.session.execute(select(Organisation.id, Organisation.name)
                               .where(Organisation.id.in_(list(sums))).order_by(Organisation.name))
    return [BearerCosts(bearer_id=bearer_id, bearer_name=name, **vars(sums[bearer_id])) for bearer_id, name in names]


def key_figures(incident: Incident, rows: Sequence[DecisionReview], *, now: datetime | None = None,
                scope: ReadScope = EVERYTHING) -> KeyFigures:
    """The key figures counted over the incident's review rows (the whole review; the review page counts them
    in SQL, see :mod:`lbs.review.page`); the costs are those in ``scope``."""
    end = incident.ended_at or now or utcnow()
    return KeyFigures(
        started_at=incident.started_at, ended_at=incident.ended_at,
        duration=max(end - incident.started_at, timedelta(0)),
        decisions=len(rows),
        per_staff=dict(sorted(Counter(r.staff_code for r in rows).items())),
        per_type=dict(sorted(Counter(r.decision.type.value for r in rows).items())),
        urgent=sum(1 for r in rows if r.decision.urgent),
        amendments=sum(1 for r in rows if r.decision.amends_id is not None),
        consultations_missing=sum(len(r.missing) for r in rows),
        decisions_with_missing=sum(1 for r in rows if r.missing),
        delayed=sum(1 for r in rows if r.delay_needs_reason),
        costs=costs_per_bearer(incident, scope),
        late_unexplained=sum(1 for r in rows if r.late_unexplained),
    )
