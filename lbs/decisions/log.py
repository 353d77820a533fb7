"""Appending a decision to the log: references resolved, times checked, the next number, the hash chain.

:func:`log_decision` validates a draft and appends it; :func:`preview` says what it would require.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, literal, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation import ruleset
from lbs.consultation.facts import CostFact, DecisionFacts, Requirement
from lbs.consultation.judging import Judged, judge_requirements
from lbs.consultation.models import Consultation, Party
from lbs.consultation.parties import parties_by_key
from lbs.decisions import chain, compliance
from lbs.decisions.draft import DecisionDraft
from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.decisions.reads import live_lines
from lbs.decisions.telling import tell_cost_lines, tell_superseded
from lbs.errors import N_, Conflict, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentStatus
from lbs.organisations.models import Organisation
from lbs.staffs import services as staffs
from lbs.staffs.models import Person, Staff
from lbs.timeutil import utcnow

FUTURE_TOLERANCE = timedelta(minutes=5)
DELAY_LIMIT = timedelta(minutes=15)


@dataclass
class Resolved:
    staff: Staff
    person: Person
    owner: Organisation
    parties: dict[str, Party]
    seat: str | None  # the seat the decision maker held in the staff when the decision was taken

    @property
    def on_roster(self) -> bool:
        return self.seat is not None


@cache
def _references_query() -> Select[Staff, Person, Organisation, str | None]:
    """Built once per process (its cache key is kept with it); parameters ``code`` (None matches no staff),
    ``person_id``, ``owner_id`` and ``at``."""
    anchor = select(literal(1).label("one")).subquery("anchor")
    return (
        select(Staff, Person, Organisation, staffs.seat_held(Person.id, Staff.id, bindparam("at")))
        .select_from(anchor)
        .outerjoin(Staff, Staff.code == bindparam("code"))
        .outerjoin(Person, Person.id == bindparam("person_id"))
        .outerjoin(Organisation, Organisation.id == bindparam("owner_id"))
    )


def resolve(draft: DecisionDraft) -> Resolved:
    """Check every reference of the draft; 422 with field errors for unknown ones.

    The staff, the decision maker, the owner and whether the decision maker was on the staff's roster come
    from one statement (outer joins to a one-row anchor: an unknown one is None, not a missing row), with the
    seat the decision maker held in the staff then; cost
    bearers and consultation parties from one statement each when the draft has any."""
    staff, person, owner, seat = db.session.execute(_references_query(), {
        "code": draft.staff if staffs.possible_staff_code(draft.staff) else None,
        "person_id": draft.decided_by_id, "owner_id": draft.owner_id, "at": draft.decided_at,
    }).one()
    errors: dict[str, list[str]] = {}
    if staff is None:
        errors["staff"] = [N_("unknown staff")]
    if person is None:
        errors["decided_by"] = [N_("unknown person")]
    if owner is None:
        errors["owner"] = [N_("unknown organisation")]
    if draft.costs:
        bearers = set(db.session.scalars(select(Organisation.id).where(
            Organisation.id.in_({cost.bearer_id for cost in draft.costs}))))
        for index, cost in enumerate(draft.costs):
            if cost.bearer_id not in bearers:
                errors[f"costs[{index}].bearer"] = [N_("unknown organisation")]
    parties = parties_by_key({item.party for item in draft.consultations}) \
        if draft.consultations else {}
    for index, item in enumerate(draft.consultations):
        if item.party not in parties:
            errors[f"consultations[{index}].party"] = [N_("unknown consultation party")]
    if errors:
        raise ValidationError("invalid decision", errors)
    return Resolved(staff, person, owner, parties, seat)


def facts_for(
    *, incident: Incident, staff_code: str, draft_type: str, owner_id: int, costs: Sequence[CostFact],
    urgent: bool, conditions: dict[str, Any], at: datetime,
) -> DecisionFacts:
    return DecisionFacts(
        at=at, staff=staff_code, type=draft_type, owner_organisation_id=owner_id,
        municipalities=tuple(m.code for m in incident.municipalities), costs=tuple(costs), urgent=urgent,
        conditions=dict(conditions), incident_id=incident.id,
    )


def judged(required: Sequence[Requirement], draft: DecisionDraft) -> list[Judged]:
    """The requirements judged over the draft's consultations (:mod:`lbs.consultation.judging`)."""
    return judge_requirements(required, ((c.party, c.mode, c.outcome) for c in draft.consultations))


def preview(*, incident: Incident, draft: DecisionDraft) -> tuple[list[Judged], list[Judged]]:
    """(required, missing): what the draft would require, each with its status, and what of it is not met.
    Stores nothing."""
    resolved = resolve(draft)
    required = judged(compliance.required_consultations(facts=draft_facts(incident, draft, resolved)), draft)
    return required, [item for item in required if not item.met]


def draft_facts(incident: Incident, draft: DecisionDraft, resolved: Resolved,
                amends: Decision | None = None) -> DecisionFacts:
    """The facts of a decision about to be logged; an amendment without costs keeps the live lines of its line."""
    costs = [CostFact(c.bearer_id, c.category.value, c.estimate_dkk, c.provisional) for c in draft.costs]
    if amends is not None and not draft.costs:
        costs = [CostFact(line.bearer_id, line.category.value, line.estimate_dkk, line.provisional)
                 for line in live_lines(amends)]
    return facts_for(incident=incident, staff_code=resolved.staff.code, draft_type=draft.type.value,
                     owner_id=resolved.owner.id, costs=costs, urgent=draft.urgent, conditions=draft.conditions,
                     at=draft.decided_at)


def check_times(*, incident: Incident, draft: DecisionDraft, now: datetime, delay_reason: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if draft.decided_at > now + FUTURE_TOLERANCE:
        errors["decided_at"] = [N_("may not be more than 5 minutes in the future")]
    elif draft.decided_at < incident.started_at:
        errors["decided_at"] = [N_("may not be before the incident started")]
    elif now - draft.decided_at > DELAY_LIMIT and not delay_reason:
        errors["delay_reason"] = [N_("recorded more than 15 minutes after the decision: explain the delay")]
    if errors:
        raise ValidationError("invalid decision", errors)


@cache
def _take_number() -> ReturningUpdate[int, IncidentStatus]:
    table = cast(Table, Incident.__table__)
    return (update(table).where(table.c.id == bindparam("incident_id"))
            .values(last_decision_number=table.c.last_decision_number + 1)
            .returning(table.c.last_decision_number, table.c.status))


@cache
def _insert_decision() -> ReturningInsert[int]:
    table = cast(Table, Decision.__table__)
    return insert(table).returning(table.c.id)


@cache
def _hash_query() -> Select[str]:
    return select(Decision.hash).where(Decision.incident_id == bindparam("incident_id"),
                                       Decision.number == bindparam("number"))


def _next_number(incident: Incident) -> int:
    """Take the incident's next decision number: one ``UPDATE … RETURNING`` that also locks the incident row
    until commit (PostgreSQL; on SQLite the write already runs under BEGIN IMMEDIATE), so numbers have no gap
    and no repeat under concurrent writers. 409 when the incident was closed meanwhile.

    A Core statement on the table (the ORM's bulk update with session synchronisation cost as much as the
    rest of the write's statements); the loaded incident is given the new number without being dirtied."""
    row = db.session.execute(_take_number(), {"incident_id": incident.id}).one()
    if row.status is IncidentStatus.CLOSED:
        raise Conflict(N_("the incident is closed: no more decisions can be logged"))
    number = int(row.last_decision_number)
    set_committed_value(incident, "last_decision_number", number)
    return number


def _previous_hash(incident_id: int, number: int) -> str | None:
    if number <= 1:
        return None
    return db.session.scalar(_hash_query(), {"incident_id": incident_id, "number": number - 1})


@dataclass(frozen=True)
class Logged:
    """A decision just appended, with what was resolved and written for it."""

    decision: Decision
    resolved: Resolved
    lines: list[CostLine]
    consulted: list[tuple[Consultation, str]]  # with the party key
    amends: Decision | None


def log_decision(
    *,
    incident: Incident,
    draft: DecisionDraft,
    by: User | None,
    now: datetime | None = None,
    amends: Decision | None = None,
    amendment_reason: str | None = None,
    under_lock: Callable[[], Sequence[CostLine]] | None = None,
) -> Logged:
    """Validate and append one decision with the next number; nothing is written on any error.

    Everything that does not depend on the number is done before the number is taken, so that the incident
    row stays locked only for the inserts (concurrent writers to one incident queue on that lock).
    ``under_lock`` (an amendment's checks) runs once the lock is held and returns the cost lines the new
    decision supersedes. An amendment's reason stands in for the delay reason but is kept as itself."""
    now = now or utcnow()
    resolved = resolve(draft)
    check_times(incident=incident, draft=draft, now=now, delay_reason=draft.delay_reason or amendment_reason)
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict(N_("the incident is closed: no more decisions can be logged"))
    facts = draft_facts(incident, draft, resolved, amends)
    required = compliance.required_consultations(facts=facts)
    lines = [
        CostLine(incident_id=incident.id, bearer_id=c.bearer_id, category=c.category, description=c.description,
                 estimate_dkk=c.estimate_dkk, provisional=c.provisional, status=CostStatus.ESTIMATED)
        for c in draft.costs
    ]
    consulted = [
        Consultation(party_id=resolved.parties[c.party].id, consulted_at=c.consulted_at, mode=c.mode,
                     outcome=c.outcome, channel=c.channel, note=c.note)
        for c in draft.consultations
    ]

    number = _next_number(incident)
    superseded = under_lock() if under_lock is not None else ()
    if ruleset.uses_incident_totals(facts):
        # Judged again under the lock: the R14 totals then include every decision logged before this one.
        required = compliance.required_consultations(facts=facts)
    fields: dict[str, Any] = dict(
        incident_id=incident.id, number=number, staff_id=resolved.staff.id, decided_at=draft.decided_at,
        recorded_at=now, decided_by_id=resolved.person.id, decided_by_off_roster=not resolved.on_roster,
        recorded_by_id=by.id if by else None, owner_id=resolved.owner.id, type=draft.type, title=draft.title,
        decision=draft.decision, information=draft.information, options=list(draft.options),
        rationale=draft.rationale, legal_basis=draft.legal_basis, expected_outcome=draft.expected_outcome,
        urgent=draft.urgent, conditions=dict(draft.conditions), amends_id=amends.id if amends else None,
        amendment_reason=amendment_reason, delay_reason=draft.delay_reason, missing_reason=draft.missing_reason,
        required_consultations=[r.record() for r in required], prev_hash=_previous_hash(incident.id, number),
        decided_by_name=resolved.person.name, decided_by_job_title=resolved.person.job_title,
        decided_by_seat=resolved.seat,
    )
    fields["missing_count"] = fields["unmet_count"] = sum(1 for item in judged(required, draft) if not item.met)
    row = _append(fields, draft, lines, consulted, superseded)
    tell_cost_lines(row, incident, lines)
    tell_superseded(row, incident, superseded)
    audit.record(
        by=by, action="decision.amend" if amends else "decision.create", object_type="decision", object_id=row.id,
        summary=f"decision {number} in incident {incident.id}: {draft.title}"
        + (f" (amends {amends.number})" if amends else ""),
        data={"incident_id": incident.id, "number": number, "hash": row.hash, "costs": len(lines),
              "consultations": len(consulted)},
    )
    return Logged(row, resolved, lines, [(item, c.party) for item, c in zip(consulted, draft.consultations,
                                                                            strict=True)], amends)


def _append(fields: dict[str, Any], draft: DecisionDraft, lines: list[CostLine], consulted: list[Consultation],
            superseded: Sequence[CostLine]) -> Decision:
    """Hash the decision and insert it with its cost lines and consultations; the ``superseded`` lines (an
    amendment's with costs of its own) are marked superseded by it.

    The decision goes in as one Core insert (the unit of work cost as much as the rest of the write's
    statements); the row then joins the session as the loaded row it is (its relationships load as usual)."""
    row = Decision(**fields)
    row.hash = chain.decision_hash(
        decision_fields(row),
        [cost_fields(line) for line in lines],
        [{"party": c.party, "consulted_at": c.consulted_at, "mode": c.mode, "outcome": c.outcome,
          "channel": c.channel, "note": c.note} for c in draft.consultations],
    )
    row.id = db.session.execute(_insert_decision(), {**fields, "hash": row.hash}).scalar_one()
    make_transient_to_detached(row)
    db.session.add(row)
    for line in lines:
        line.decision_id = row.id
    for item in consulted:
        item.decision_id = row.id
        item.recorded_at, item.recorded_by_id = row.recorded_at, row.recorded_by_id
    db.session.add_all(lines)
    db.session.add_all(consulted)
    for line in superseded:
        line.superseded_by_id = row.id
    db.session.flush()
    return row


def decision_fields(row: Decision) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*chain.DECISION_FIELDS, *chain.OPTIONAL_FIELDS)}


def cost_fields(line: CostLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in chain.COST_FIELDS}


