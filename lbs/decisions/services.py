"""The decision log: logging (gapless numbers, hash chain), amendments, reads and verification."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, literal, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation import ruleset
from lbs.consultation.facts import CostFact, DecisionFacts, Requirement, logged_decision_facts
from lbs.consultation.models import Consultation, Party
from lbs.consultation.parties import parties_by_key
from lbs.decisions import chain, compliance
from lbs.decisions.draft import DecisionDraft
from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.errors import Conflict, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentStatus
from lbs.organisations.models import Organisation
from lbs.staffs import services as staffs
from lbs.staffs.models import Person, Staff
from lbs.timeutil import utcnow

FUTURE_TOLERANCE = timedelta(minutes=5)
DELAY_LIMIT = timedelta(minutes=15)


# ---------------------------------------------------------------- reads


def get_decision(decision_id: int) -> Decision:
    found = db.session.get(Decision, decision_id)
    if found is None:
        raise NotFound("no such decision")
    return found


def list_decisions(*, incident: Incident, after: int = 0, limit: int | None = None) -> Sequence[Decision]:
    query = (select(Decision).where(Decision.incident_id == incident.id, Decision.number > after)
             .order_by(Decision.number)
             .options(selectinload(Decision.staff), selectinload(Decision.decided_by), selectinload(Decision.owner)))
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def cost_lines(decision_ids: Sequence[int]) -> dict[int, list[CostLine]]:
    result: dict[int, list[CostLine]] = defaultdict(list)
    for start in range(0, len(decision_ids), 500):
        chunk = decision_ids[start:start + 500]
        for line in db.session.scalars(select(CostLine).where(CostLine.decision_id.in_(chunk)).order_by(CostLine.id)):
            result[line.decision_id].append(line)
    return result


def consultations_of(decision_ids: Sequence[int]) -> dict[int, list[Consultation]]:
    result: dict[int, list[Consultation]] = defaultdict(list)
    for start in range(0, len(decision_ids), 500):
        chunk = decision_ids[start:start + 500]
        query = (select(Consultation).where(Consultation.decision_id.in_(chunk)).order_by(Consultation.id)
                 .options(joinedload(Consultation.party)))
        for row in db.session.scalars(query):
            result[row.decision_id].append(row)
    return result


def amendments_of(decision: Decision) -> Sequence[Decision]:
    return db.session.scalars(select(Decision).where(Decision.amends_id == decision.id).order_by(Decision.number)).all()


# ---------------------------------------------------------------- consultation requirements


def facts_for(
    *, incident: Incident, staff_code: str, draft_type: str, owner_id: int, costs: Sequence[CostFact],
    urgent: bool, conditions: dict[str, Any], at: datetime,
) -> DecisionFacts:
    return DecisionFacts(
        at=at, staff=staff_code, type=draft_type, owner_organisation_id=owner_id,
        municipalities=tuple(m.code for m in incident.municipalities), costs=tuple(costs), urgent=urgent,
        conditions=dict(conditions), incident_id=incident.id,
    )


def requirements(facts: DecisionFacts, consulted: set[str]) -> tuple[list[Requirement], list[Requirement]]:
    """(required, missing): a required party counts as consulted whatever the mode and outcome."""
    required = compliance.required_consultations(facts=facts)
    missing = [r for r in required if r.party_key not in consulted]
    return required, missing


def decision_requirements(
    decision: Decision, lines: Sequence[CostLine], consulted: Sequence[Consultation],
    amended_lines: Sequence[CostLine] | None = None,
) -> tuple[list[Requirement], list[Requirement]]:
    """What the logged decision required and what of it was not consulted. ``amended_lines`` (the lines of the
    decision it amends; read when needed and not given) only matter for rows without stored requirements."""
    def facts() -> DecisionFacts:
        amended = amended_lines
        if amended is None:
            amended = cost_lines([decision.amends_id]).get(decision.amends_id, []) \
                if not lines and decision.amends_id is not None else ()
        incident = db.session.get(Incident, decision.incident_id)
        assert incident is not None
        return logged_decision_facts(
            decision, staff_code=decision.staff.code, municipalities=tuple(m.code for m in incident.municipalities),
            lines=lines, amended_lines=amended,
        )

    required = compliance.logged_requirements(decision, facts)
    consulted_keys = {c.party.key for c in consulted}
    return required, [r for r in required if r.party_key not in consulted_keys]


# ---------------------------------------------------------------- logging


@dataclass
class Resolved:
    staff: Staff
    person: Person
    owner: Organisation
    parties: dict[str, Party]
    on_roster: bool  # the decision maker held a seat in the staff when the decision was taken


@cache
def _references_query() -> Select[Staff, Person, Organisation, bool]:
    """Built once per process (its cache key is kept with it); parameters ``code`` (None matches no staff),
    ``person_id``, ``owner_id`` and ``at``."""
    anchor = select(literal(1).label("one")).subquery("anchor")
    return (
        select(Staff, Person, Organisation, staffs.on_roster(Person.id, Staff.id, bindparam("at")))
        .select_from(anchor)
        .outerjoin(Staff, Staff.code == bindparam("code"))
        .outerjoin(Person, Person.id == bindparam("person_id"))
        .outerjoin(Organisation, Organisation.id == bindparam("owner_id"))
    )


def resolve(draft: DecisionDraft) -> Resolved:
    """Check every reference of the draft; 422 with field errors for unknown ones.

    The staff, the decision maker, the owner and whether the decision maker was on the staff's roster come
    from one statement (outer joins to a one-row anchor: an unknown one is None, not a missing row); cost
    bearers and consultation parties from one statement each when the draft has any."""
    staff, person, owner, on_roster = db.session.execute(_references_query(), {
        "code": draft.staff if staffs.possible_staff_code(draft.staff) else None,
        "person_id": draft.decided_by_id, "owner_id": draft.owner_id, "at": draft.decided_at,
    }).one()
    errors: dict[str, list[str]] = {}
    if staff is None:
        errors["staff"] = ["unknown staff"]
    if person is None:
        errors["decided_by"] = ["unknown person"]
    if owner is None:
        errors["owner"] = ["unknown organisation"]
    if draft.costs:
        bearers = set(db.session.scalars(select(Organisation.id).where(
            Organisation.id.in_({cost.bearer_id for cost in draft.costs}))))
        for index, cost in enumerate(draft.costs):
            if cost.bearer_id not in bearers:
                errors[f"costs[{index}].bearer"] = ["unknown organisation"]
    parties = parties_by_key({item.party for item in draft.consultations}) \
        if draft.consultations else {}
    for index, item in enumerate(draft.consultations):
        if item.party not in parties:
            errors[f"consultations[{index}].party"] = ["unknown consultation party"]
    if errors:
        raise ValidationError("invalid decision", errors)
    return Resolved(staff, person, owner, parties, bool(on_roster))


def preview(*, incident: Incident, draft: DecisionDraft) -> tuple[list[Requirement], list[Requirement]]:
    """What the draft would require and what it still misses. Stores nothing."""
    resolved = resolve(draft)
    return requirements(draft_facts(incident, draft, resolved), {c.party for c in draft.consultations})


def draft_facts(incident: Incident, draft: DecisionDraft, resolved: Resolved,
                amends: Decision | None = None) -> DecisionFacts:
    """The facts of a decision about to be logged; an amendment without costs keeps the original's."""
    costs = [CostFact(c.bearer_id, c.category.value, c.estimate_dkk, c.provisional) for c in draft.costs]
    if amends is not None and not draft.costs:
        costs = [CostFact(line.bearer_id, line.category.value, line.estimate_dkk, line.provisional)
                 for line in cost_lines([amends.id]).get(amends.id, [])]
    return facts_for(incident=incident, staff_code=resolved.staff.code, draft_type=draft.type.value,
                     owner_id=resolved.owner.id, costs=costs, urgent=draft.urgent, conditions=draft.conditions,
                     at=draft.decided_at)


def check_times(*, incident: Incident, draft: DecisionDraft, now: datetime, delay_reason: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if draft.decided_at > now + FUTURE_TOLERANCE:
        errors["decided_at"] = ["may not be more than 5 minutes in the future"]
    elif draft.decided_at < incident.started_at:
        errors["decided_at"] = ["may not be before the incident started"]
    elif now - draft.decided_at > DELAY_LIMIT and not delay_reason:
        errors["delay_reason"] = ["recorded more than 15 minutes after the decision: explain the delay"]
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
        raise Conflict("the incident is closed: no more decisions can be logged")
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
) -> Logged:
    """Validate and append one decision with the next number; nothing is written on any error.

    Everything that does not depend on the number is done before the number is taken, so that the incident
    row stays locked only for the inserts (concurrent writers to one incident queue on that lock)."""
    now = now or utcnow()
    resolved = resolve(draft)
    delay_reason = draft.delay_reason or amendment_reason
    check_times(incident=incident, draft=draft, now=now, delay_reason=delay_reason)
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict("the incident is closed: no more decisions can be logged")
    off_roster = not resolved.on_roster
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
    if ruleset.uses_incident_totals(facts):
        # Judged again under the lock: the R14 totals then include every decision logged before this one.
        required = compliance.required_consultations(facts=facts)
    fields: dict[str, Any] = dict(
        incident_id=incident.id, number=number, staff_id=resolved.staff.id, decided_at=draft.decided_at,
        recorded_at=now, decided_by_id=resolved.person.id, decided_by_off_roster=off_roster,
        recorded_by_id=by.id if by else None, owner_id=resolved.owner.id, type=draft.type, title=draft.title,
        decision=draft.decision, information=draft.information, options=list(draft.options),
        rationale=draft.rationale, legal_basis=draft.legal_basis, expected_outcome=draft.expected_outcome,
        urgent=draft.urgent, conditions=dict(draft.conditions), amends_id=amends.id if amends else None,
        amendment_reason=amendment_reason, delay_reason=delay_reason, missing_reason=draft.missing_reason,
        required_consultations=[r.record() for r in required],
        missing_count=len({r.party_key for r in required} - {c.party for c in draft.consultations}),
        prev_hash=_previous_hash(incident.id, number),
    )
    row = Decision(**fields)
    row.hash = chain.decision_hash(
        decision_fields(row),
        [cost_fields(line) for line in lines],
        [{"party": c.party, "consulted_at": c.consulted_at, "mode": c.mode, "outcome": c.outcome,
          "channel": c.channel, "note": c.note} for c in draft.consultations],
    )
    # One Core insert (the unit of work cost as much as the rest of the write's statements); ``row`` then joins
    # the session as the loaded row it is (its relationships load as usual).
    row.id = db.session.execute(_insert_decision(), {**fields, "hash": row.hash}).scalar_one()
    make_transient_to_detached(row)
    db.session.add(row)
    for line in lines:
        line.decision_id = row.id
    for item in consulted:
        item.decision_id = row.id
    db.session.add_all(lines)
    db.session.add_all(consulted)
    if amends is not None and draft.costs:
        for line in db.session.scalars(select(CostLine).where(CostLine.decision_id == amends.id,
                                                              CostLine.superseded_by_id.is_(None))):
            line.superseded_by_id = row.id
    db.session.flush()
    audit.record(
        by=by, action="decision.amend" if amends else "decision.create", object_type="decision", object_id=row.id,
        summary=f"decision {number} in incident {incident.id}: {draft.title}"
        + (f" (amends {amends.number})" if amends else ""),
        data={"incident_id": incident.id, "number": number, "hash": row.hash, "costs": len(lines),
              "consultations": len(consulted)},
    )
    return Logged(row, resolved, lines, [(item, c.party) for item, c in zip(consulted, draft.consultations,
                                                                            strict=True)], amends)


def decision_fields(row: Decision) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*chain.DECISION_FIELDS, *chain.OPTIONAL_FIELDS)}


def cost_fields(line: CostLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in chain.COST_FIELDS}


# ---------------------------------------------------------------- amendments


def draft_input_of(decision: Decision) -> dict[str, Any]:
    """The decision in the API's input shape (what an amendment starts from)."""
    consulted = consultations_of([decision.id]).get(decision.id, [])
    return {
        "staff": decision.staff.code, "decided_at": decision.decided_at.isoformat(),
        "decided_by": decision.decided_by_id, "owner": decision.owner_id, "type": decision.type.value,
        "title": decision.title, "decision": decision.decision, "rationale": decision.rationale,
        "information": decision.information, "options": decision.options, "legal_basis": decision.legal_basis,
        "expected_outcome": decision.expected_outcome, "urgent": decision.urgent,
        "conditions": decision.conditions, "missing_reason": decision.missing_reason,
        "consultations": [
            {"party": c.party.key, "consulted_at": c.consulted_at.isoformat(), "mode": c.mode.value,
             "outcome": c.outcome.value, "channel": c.channel, "note": c.note}
            for c in consulted
        ],
    }


AMENDABLE = {
    "staff", "decided_at", "decided_by", "owner", "type", "title", "decision", "rationale", "information", "options",
    "legal_basis", "expected_outcome", "urgent", "conditions", "missing_reason", "consultations", "costs",
    "delay_reason",
}


def amendment_input(original: Decision, changes: dict[str, Any]) -> dict[str, Any]:
    """The original's fields overlaid with the given ones; costs only when given."""
    merged = draft_input_of(original)
    for key, value in changes.items():
        if key in AMENDABLE:
            merged[key] = value
    return merged


def amend_decision(
    *, original: Decision, draft: DecisionDraft, reason: str, by: User | None, now: datetime | None = None
) -> Logged:
    incident = db.session.get(Incident, original.incident_id)
    assert incident is not None
    return log_decision(incident=incident, draft=draft, by=by, now=now, amends=original,
                           amendment_reason=reason)


# ---------------------------------------------------------------- verification


def stored_chain(incident_id: int) -> list[chain.StoredDecision]:
    names = (*chain.DECISION_FIELDS, *chain.OPTIONAL_FIELDS)
    columns = [getattr(Decision, name) for name in names]
    rows = db.session.execute(
        select(Decision.id, Decision.hash, *columns).where(Decision.incident_id == incident_id)
        .order_by(Decision.number)
    ).all()
    ids = [r[0] for r in rows]
    costs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    consulted: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for line in db.session.execute(
            select(CostLine.decision_id, CostLine.bearer_id, CostLine.category, CostLine.description,
                   CostLine.estimate_dkk, CostLine.provisional).where(CostLine.decision_id.in_(chunk))
        ):
            costs[line[0]].append(dict(zip(chain.COST_FIELDS, line[1:], strict=True)))
        for item in db.session.execute(
            select(Consultation.decision_id, Party.key, Consultation.consulted_at, Consultation.mode,
                   Consultation.outcome, Consultation.channel, Consultation.note)
            .join(Party, Party.id == Consultation.party_id).where(Consultation.decision_id.in_(chunk))
        ):
            consulted[item[0]].append(dict(zip(chain.CONSULTATION_FIELDS, item[1:], strict=True)))
    result = []
    for r in rows:
        fields = dict(zip(names, r[2:], strict=True))
        result.append(chain.StoredDecision(number=fields["number"], fields=fields, costs=costs[r[0]],
                                           consultations=consulted[r[0]], hash=r[1]))
    return result


def verify_incident(incident: Incident) -> chain.ChainResult:
    db.session.refresh(incident)
    return chain.verify_chain(stored_chain(incident.id), last_number=incident.last_decision_number)


@dataclass(frozen=True)
class IncidentVerification:
    incident_id: int
    title: str
    result: chain.ChainResult


def verify_all(incident_id: int | None = None) -> list[IncidentVerification]:
    if incident_id is not None:
        ids = [incident_id]
    else:
        ids = list(db.session.scalars(select(Incident.id).order_by(Incident.id)))
    results = []
    for iid in ids:
        incident = db.session.get(Incident, iid)
        if incident is None:
            raise NotFound("no such incident")
        title = incident.title
        results.append(IncidentVerification(iid, title, verify_incident(incident)))
    return results
