"""Changing a cost line: who may, which status moves are allowed, and recording each change in its history.

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
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import update

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.costs.models import CostChange
from lbs.decisions.models import BudgetNote, CostLine, CostStatus
from lbs.errors import N_, Conflict, Forbidden, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.money import money_str
from lbs.validation import TEXT_MAX, clean_text

ALLOWED_TRANSITIONS: dict[CostStatus, frozenset[CostStatus]] = {
    CostStatus.ESTIMATED: frozenset({CostStatus.ACCEPTED, CostStatus.DISPUTED}),
    CostStatus.ACCEPTED: frozenset({CostStatus.DISPUTED, CostStatus.SETTLED}),
    CostStatus.DISPUTED: frozenset({CostStatus.ACCEPTED, CostStatus.SETTLED}),
    CostStatus.SETTLED: frozenset(),
}
# The statuses of lines that still need action (not settled).
OPEN_STATUSES = (CostStatus.ESTIMATED, CostStatus.ACCEPTED, CostStatus.DISPUTED)
REF_MAX = 200


def may_edit(user: User | None, line: CostLine) -> bool:
    """Whether ``user`` is one of the bearing municipality's users (the line's state aside)."""
    return can(user, Action.COST_EDIT, bearer_organisation_id=line.bearer_id)


def is_frozen(line: CostLine) -> bool:
    """A settled or superseded line no longer changes."""
    return line.status is CostStatus.SETTLED or line.superseded_by_id is not None


def _check_may_edit(user: User, line: CostLine) -> None:
    if not may_edit(user, line):
        raise Forbidden("only users of the bearing municipality may change this cost line")


def _check_not_frozen(line: CostLine) -> None:
    if line.status is CostStatus.SETTLED:
        raise Conflict("the cost line is settled and no longer changes")
    if line.superseded_by_id is not None:
        raise Conflict("the cost line is superseded by an amendment and no longer changes")


def _as_text(value: object) -> str | None:
    """A value as the history stores it (money with two decimals, dates in ISO form, enums by value)."""
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
    """Write ``changes`` (field → old, new) to the line, its history and the audit log."""
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


# The statuses as a refused move names them: an HTML page translates them with the message (lbs.i18n.translated).
STATUS_WORDS = (N_("estimated"), N_("accepted"), N_("disputed"), N_("settled"))


def _check_request(line: CostLine, *, actual_dkk: Decimal | None, status: CostStatus | None, note: str | None,
                   invoice_ref: str | None, informed: str | None) -> tuple[str | None, str | None, str | None]:
    """The 422 checks of the request itself; returns ``note``, ``invoice_ref`` and ``informed`` cleaned."""
    errors: dict[str, list[str]] = {}
    note = clean_text(note, "note", errors, max_len=TEXT_MAX)
    invoice_ref = clean_text(invoice_ref, "invoice_ref", errors, max_len=REF_MAX)
    informed = clean_text(informed, "informed", errors, max_len=TEXT_MAX)
    if actual_dkk is not None and (actual_dkk < 0 or actual_dkk >= Decimal(10) ** 12
                                   or actual_dkk != actual_dkk.quantize(Decimal("0.01"))):
        errors.setdefault("actual_dkk", []).append("must be 0 … 999999999999.99 with at most two decimals")
    if status is CostStatus.DISPUTED and note is None and line.status is not CostStatus.DISPUTED:
        errors.setdefault("note", []).append(N_("a dispute needs a reason"))
    if all(v is None for v in (actual_dkk, status, note, invoice_ref, informed)):
        errors.setdefault("body", []).append("nothing to change: give actual_dkk, status or note")
    if errors:
        raise ValidationError("the change is not valid", errors)
    return note, invoice_ref, informed


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
    _check_may_edit(by, line)
    note, invoice_ref, informed = _check_request(line, actual_dkk=actual_dkk, status=status, note=note,
                                                 invoice_ref=invoice_ref, informed=informed)
    _check_not_frozen(line)
    if status is not None and status is not line.status and status not in ALLOWED_TRANSITIONS[line.status]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[line.status])) or "none"
        raise ValidationError(
            N_("a cost line cannot move from %(old)s to %(new)s (allowed: %(allowed)s)",
               old=line.status.value, new=status.value, allowed=allowed),
            {"status": [N_("cannot move from %(old)s to %(new)s", old=line.status.value, new=status.value)]},
        )
    new_actual = actual_dkk.quantize(Decimal("0.01")) if actual_dkk is not None else line.actual_dkk
    if status is CostStatus.SETTLED and new_actual is None:
        raise ValidationError(N_("record the actual amount before settling"),
                              {"actual_dkk": [N_("is required to settle the line")]})

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
    _check_may_edit(by, line)
    if budget_note is BudgetNote.NONE and council_meeting_on is not None:
        raise ValidationError(N_("a council meeting date belongs to a budget note"),
                              {"council_meeting_on": [N_("give a budget note with the meeting date")]})
    _check_not_frozen(line)
    changes: dict[str, tuple[object, object]] = {}
    if budget_note is not line.budget_note:
        changes["budget_note"] = (line.budget_note, budget_note)
    if council_meeting_on != line.council_meeting_on:
        changes["council_meeting_on"] = (line.council_meeting_on, council_meeting_on)
    if changes:
        _apply(line, by=by, changes=changes, action="cost.budget_note",
               summary=f"cost line {line.id}: budget note {budget_note.value}")
    return line
