"""The decision log's hash chain as the review shows it: checked live by the decision log's own verifier, or
the latest stored check (who ran it, when, how far the log reached)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.decisions.models import Decision
from lbs.decisions.verification import verify_incident
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review.access import may_read_incident
from lbs.review.models import IntegrityCheck
from lbs.timeutil import utcnow


@dataclass(frozen=True)
class IntegrityResult:
    """``available`` is False when the decision log's verifier could not be called: never shown as ok."""

    available: bool
    ok: bool
    checked: int
    first_broken: int | None
    # The name of the attachment found changed or missing ("" when its row is gone), when the chain breaks there.
    broken_attachment: str | None = None


NOT_CHECKED = IntegrityResult(available=False, ok=False, checked=0, first_broken=None)


def check_chain(incident_id: int) -> IntegrityResult:
    """The decision chain check of one incident, by the decision log's own verifier."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        return NOT_CHECKED
    result = verify_incident(incident)
    return IntegrityResult(available=True, ok=result.ok, checked=result.checked, first_broken=result.first_broken,
                           broken_attachment=result.broken_attachment)


def verify_and_store(*, by: User | None, incident: Incident,
                     now: datetime | None = None) -> tuple[IntegrityCheck, IntegrityResult]:
    """Run the decision log's verifier over the whole incident and store the result (who, when, how far the
    log reached), so that the review page can show it without re-hashing every decision on each view. The
    live result comes back too: it names a broken attachment, which the stored check does not keep."""
    if by is not None and not may_read_incident(by, incident.id):
        raise NotFound("incident not found")
    result = check_chain(incident.id)
    if not result.available:
        raise NotFound("incident not found")
    record = store_check(incident, result, at=now or utcnow(), by=by)
    db.session.flush()
    audit.record(by=by, action="review.integrity.verify", object_type="incident", object_id=incident.id,
                 summary=(f"hash chain of incident {incident.id} verified: "
                          + ("intact" if result.ok else f"broken at decision {result.first_broken}")
                          + f" ({result.checked} of {incident.last_decision_number} decisions checked)"),
                 data={"ok": result.ok, "checked": result.checked, "first_broken": result.first_broken,
                       "broken_attachment": result.broken_attachment,
                       "last_decision_number": incident.last_decision_number})
    return record, result


def store_check(incident: Incident, result: IntegrityResult, *, at: datetime, by: User | None) -> IntegrityCheck:
    """Add a check of the whole chain as the incident's latest stored check (not flushed)."""
    record = IntegrityCheck(incident_id=incident.id, checked_at=at, checked_by_id=by.id if by else None,
                            last_decision_number=incident.last_decision_number, checked=result.checked,
                            ok=result.ok, first_broken=result.first_broken)
    db.session.add(record)
    return record


@dataclass(frozen=True)
class StoredCheck:
    """The latest stored integrity check of an incident, with who ran it."""

    check: IntegrityCheck
    checked_by: str | None


def latest_check(incident_id: int) -> StoredCheck | None:
    query = (
        select(IntegrityCheck, func.coalesce(User.display_name, User.username))
        .outerjoin(User, User.id == IntegrityCheck.checked_by_id)
        .where(IntegrityCheck.incident_id == incident_id)
        .order_by(IntegrityCheck.checked_at.desc(), IntegrityCheck.id.desc()).limit(1)
    )
    row = db.session.execute(query).first()
    return StoredCheck(row[0], row[1]) if row is not None else None


def chain_head(incident_id: int) -> str | None:
    """The hash of the incident's last decision (the head of its chain)."""
    query = select(Decision.hash).where(Decision.incident_id == incident_id).order_by(Decision.number.desc()).limit(1)
    return db.session.scalar(query)
