"""Consultations appended to a logged decision ("the Kommunaldirektør called back at 03:10").

An appended consultation changes nothing already logged (the decision's hash stays): it is numbered per incident
and chained on its own (:mod:`lbs.decisions.appended_chain`), the chain's count and head kept on the incident.
The decision's statuses are judged over all its consultations, so its ``unmet_count`` (outside its hash) is
judged again.

Only the current version of a decision takes a consultation (one the amendment line has passed: 409 naming the
current version). A closed incident takes none either (409): what the review and a signed-off pack show stays
as it was closed; reopening the incident (kept in its history) lets a late consultation in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningUpdate

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation.judging import judge_all, unmet
from lbs.consultation.models import Consultation, Party
from lbs.consultation.parties import parties_by_key
from lbs.decisions.appended_chain import appended_hash
from lbs.decisions.draft import ConsultationDraft, check_encodable, read_consultation_fields
from lbs.decisions.models import Decision
from lbs.decisions.reads import current_version
from lbs.errors import Conflict, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentStatus
from lbs.timeutil import utcnow
from lbs.validation import Fields

FUTURE_TOLERANCE = timedelta(minutes=5)


def read_consultation(data: dict[str, Any]) -> ConsultationDraft:
    """Read an appended consultation's body as a consultation of a decision body is read (422 with every field
    error); channel and note are stripped."""
    check_encodable(data)
    f = Fields(data)
    item = read_consultation_fields(f)
    f.check("invalid consultation")
    assert item is not None
    return replace(item, channel=(item.channel or "").strip() or None, note=(item.note or "").strip() or None)


@cache
def _take_seq() -> ReturningUpdate[int, str | None, IncidentStatus]:
    """Take the incident's next appended sequence number: one ``UPDATE … RETURNING`` that also locks the incident
    row until commit (as the decision numbers are taken, :func:`lbs.decisions.log._next_number`). It bumps
    ``costs_version`` too: the caches of figures judged from ``unmet_count`` (:mod:`lbs.versioned_cache`) are
    keyed on it."""
    table = cast(Table, Incident.__table__)
    return (update(table).where(table.c.id == bindparam("incident_id"))
            .values(appended_consultations=table.c.appended_consultations + 1,
                    costs_version=table.c.costs_version + 1)
            .returning(table.c.appended_consultations, table.c.consultation_head, table.c.status))


@dataclass(frozen=True)
class Appended:
    consultation: Consultation
    party: Party
    decision: Decision

    def as_json(self) -> dict[str, Any]:
        c = self.consultation
        assert c.recorded_at is not None
        return {
            "id": c.id, "decision_id": c.decision_id, "party": self.party.key,
            "consulted_at": c.consulted_at.astimezone(UTC).isoformat(),
            "recorded_at": c.recorded_at.astimezone(UTC).isoformat(), "mode": c.mode.value,
            "outcome": c.outcome.value, "channel": c.channel, "note": c.note, "recorded_by": c.recorded_by_id,
        }


def _check(item: ConsultationDraft, now: datetime) -> Party:
    errors: dict[str, list[str]] = {}
    party = parties_by_key({item.party}).get(item.party)
    if party is None:
        errors["party"] = ["unknown consultation party"]
    if item.consulted_at > now + FUTURE_TOLERANCE:
        errors["consulted_at"] = ["may not be more than 5 minutes in the future"]
    if errors:
        raise ValidationError("invalid consultation", errors)
    assert party is not None
    return party


def rejudge(decision: Decision) -> None:
    """Judge the decision's stored requirements again over all its consultations and store how many are not met
    (``unmet_count``). A decision logged before its requirements were stored keeps NULL (judged when read)."""
    if decision.required_consultations is None:
        return
    consulted = [{"party": key, "mode": mode, "outcome": outcome} for key, mode, outcome in db.session.execute(
        select(Party.key, Consultation.mode, Consultation.outcome).join(Party, Party.id == Consultation.party_id)
        .where(Consultation.decision_id == decision.id))]
    decision.unmet_count = len(unmet(judge_all(decision.required_consultations, consulted)))


def append_consultation(*, decision: Decision, item: ConsultationDraft, by: User | None,
                        now: datetime | None = None) -> Appended:
    """Validate and append one consultation to the decision; nothing is written on any error.

    422 for an unknown party or a time more than 5 minutes ahead; 409 when the incident is closed or the decision
    has been amended (the message names the current version). Both are checked again under the incident's row
    lock, which also serialises the sequence numbers (no gap, no repeat under concurrent writers)."""
    now = now or utcnow()
    party = _check(item, now)
    row = db.session.execute(_take_seq(), {"incident_id": decision.incident_id}).one()
    if row.status is IncidentStatus.CLOSED:
        raise Conflict("the incident is closed: reopen it to append a consultation")
    current = current_version(decision)
    if current.id != decision.id:
        raise Conflict(f"decision {decision.number} has been amended: the current version is decision "
                       f"{current.number}; append the consultation to that one")
    seq, prev_hash = int(row.appended_consultations), row.consultation_head
    consultation = Consultation(
        decision_id=decision.id, party_id=party.id, consulted_at=item.consulted_at, mode=item.mode,
        outcome=item.outcome, channel=item.channel, note=item.note, recorded_at=now,
        recorded_by_id=by.id if by else None, incident_id=decision.incident_id, appended_seq=seq,
        prev_hash=prev_hash,
    )
    consultation.hash = appended_hash({
        "decision_id": decision.id, "decision_number": decision.number, "decision_hash": decision.hash,
        "appended_seq": seq, "party": party.key, "consulted_at": item.consulted_at, "recorded_at": now,
        "mode": item.mode, "outcome": item.outcome, "channel": item.channel, "note": item.note,
        "recorded_by": consultation.recorded_by_id, "prev_hash": prev_hash,
    })
    db.session.add(consultation)
    db.session.flush()
    table = cast(Table, Incident.__table__)
    db.session.execute(update(table).where(table.c.id == decision.incident_id)
                       .values(consultation_head=consultation.hash))
    incident = db.session.get(Incident, decision.incident_id)
    if incident is not None:
        set_committed_value(incident, "appended_consultations", seq)
        set_committed_value(incident, "consultation_head", consultation.hash)
        db.session.expire(incident, ["costs_version"])
    rejudge(decision)
    db.session.flush()
    audit.record(
        by=by, action="decision.consultation.append", object_type="decision", object_id=decision.id,
        summary=f"consultation of {party.key} appended to decision {decision.number} in incident "
                f"{decision.incident_id}",
        data={"incident_id": decision.incident_id, "number": decision.number, "consultation_id": consultation.id,
              "appended_seq": seq, "party": party.key, "mode": item.mode.value, "outcome": item.outcome.value,
              "hash": consultation.hash},
    )
    return Appended(consultation, party, decision)


@dataclass(frozen=True)
class AppendedRow:
    """An appended consultation as the decision page lists it."""

    party_name: str
    consulted_at: datetime
    mode: str
    outcome: str
    channel: str | None
    note: str | None
    recorded_at: datetime | None
    recorded_by: str | None


def appended_of(decision_id: int) -> list[AppendedRow]:
    """The consultations appended to the decision, in the order they were appended, with who recorded them."""
    query = (
        select(Party.name, Consultation.consulted_at, Consultation.mode, Consultation.outcome, Consultation.channel,
               Consultation.note, Consultation.recorded_at, func.coalesce(User.display_name, User.username))
        .join(Party, Party.id == Consultation.party_id).outerjoin(User, User.id == Consultation.recorded_by_id)
        .where(Consultation.decision_id == decision_id, Consultation.appended_seq.is_not(None))
        .order_by(Consultation.appended_seq)
    )
    return [AppendedRow(name, at, mode.value, outcome.value, channel, note, recorded_at, by)
            for name, at, mode, outcome, channel, note, recorded_at, by in db.session.execute(query)]


def chain_records(incident_id: int) -> list[dict[str, Any]]:
    """The incident's appended consultations in sequence order, as the review pack lists them (with their chain
    links, so that the pack shows the chain the incident's ``consultation_head`` ends)."""
    query = (
        select(Consultation, Party.key, Decision.number)
        .join(Party, Party.id == Consultation.party_id).join(Decision, Decision.id == Consultation.decision_id)
        .where(Consultation.incident_id == incident_id, Consultation.appended_seq.is_not(None))
        .order_by(Consultation.appended_seq)
    )
    return [
        {"seq": c.appended_seq, "decision_number": number, "party": key,
         "consulted_at": c.consulted_at.isoformat(),
         "recorded_at": c.recorded_at.isoformat() if c.recorded_at else None, "mode": c.mode.value,
         "outcome": c.outcome.value, "channel": c.channel, "note": c.note, "recorded_by": c.recorded_by_id,
         "prev_hash": c.prev_hash, "hash": c.hash}
        for c, key, number in db.session.execute(query)
    ]
