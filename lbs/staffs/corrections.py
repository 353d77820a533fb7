"""Roster corrections: a change that reaches back over a logged decision needs a reason.

An assignment that starts before now, or an end set before now, changes the roster of the past. When a decision
of the staff was logged in the changed period, the change needs a ``reason`` (422 without); the reason is kept as
a :class:`RosterCorrection`, audit-logged with the change, and shown in the position's history and beside the
decisions concerned in the review. The decision log sits above this package, so the decisions table is read
through a bare Core table here (its ``staff_id`` and ``decided_at`` only), never through :mod:`lbs.decisions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import column, exists, select, table

from lbs.auth.models import User
from lbs.errors import N_, ValidationError
from lbs.extensions import db
from lbs.staffs.models import Assignment, RosterCorrection
from lbs.timeutil import utcnow
from lbs.types import UTCDateTime

MAX_REASON = 2000
REASON_NEEDED = N_("a logged decision of the staff falls in the changed period: give a reason for the correction "
                   "(reason)")

_decisions = table("decisions", column("staff_id"), column("decided_at", UTCDateTime()))


def past_period(start: datetime, end: datetime | None, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The part of ``[start, end)`` before now (None when there is none)."""
    now = now or utcnow()
    stop = now if end is None else min(end, now)
    return (start, stop) if start < stop else None


def decision_logged_in(staff_id: int, start: datetime, end: datetime) -> bool:
    """Was a decision of the staff logged (decided) in ``[start, end)``?"""
    condition = exists(select(_decisions.c.staff_id).where(
        _decisions.c.staff_id == staff_id, _decisions.c.decided_at >= start, _decisions.c.decided_at < end))
    return bool(db.session.scalar(select(condition)))


def clean_reason(reason: str | None) -> str | None:
    """The reason stripped (None when blank); 422 on ``reason`` when too long or holding control characters."""
    text = (reason or "").strip()
    if not text:
        return None
    if len(text) > MAX_REASON:
        message = N_("reason: at most %(max)s characters", max=MAX_REASON)
        raise ValidationError(message, {"reason": [message]})
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        message = N_("reason: control characters are not allowed")
        raise ValidationError(message, {"reason": [message]})
    return text


def needed(*, staff_id: int, start: datetime, end: datetime | None,
           reason: str | None) -> tuple[str, datetime, datetime] | None:
    """Check a change of the roster over ``[start, end)`` before anything is written: the reason and the past
    period when a logged decision of the staff falls in that period's past part, None when no reason is needed;
    422 on ``reason`` when one is needed and none is given."""
    text = clean_reason(reason)
    period = past_period(start, end)
    if period is None or not decision_logged_in(staff_id, *period):
        return None
    if text is None:
        raise ValidationError(REASON_NEEDED, {"reason": [REASON_NEEDED]})
    return text, period[0], period[1]


def audit_changes(correction: tuple[str, datetime, datetime] | None) -> dict[str, tuple[None, object]]:
    """What the change's audit event adds for a correction: its reason and the past period it changed."""
    if correction is None:
        return {}
    reason, start, end = correction
    return {"reason": (None, reason), "corrected_from": (None, start), "corrected_to": (None, end)}


def record(*, by: User | None, assignment: Assignment, staff_id: int, action: str,
           correction: tuple[str, datetime, datetime] | None) -> RosterCorrection | None:
    """Keep the correction (see :func:`needed`; None: nothing to keep). The change's own audit event holds its
    reason (:func:`audit_changes`)."""
    if correction is None:
        return None
    reason, start, end = correction
    row = RosterCorrection(assignment_id=assignment.id, staff_id=staff_id, action=action, reason=reason,
                           period_from=start, period_to=end, by_id=by.id if by else None,
                           by_name=(by.display_name or by.username) if by else None)
    db.session.add(row)
    db.session.flush()
    return row


def for_assignments(assignment_ids: Sequence[int]) -> dict[int, list[RosterCorrection]]:
    """Assignment id → its corrections, oldest first."""
    found: dict[int, list[RosterCorrection]] = {}
    if not assignment_ids:
        return found
    rows = db.session.scalars(select(RosterCorrection).where(RosterCorrection.assignment_id.in_(assignment_ids))
                              .order_by(RosterCorrection.at, RosterCorrection.id))
    for row in rows:
        found.setdefault(row.assignment_id, []).append(row)
    return found
