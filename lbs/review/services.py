"""After-incident review: key figures, per-decision review rows, integrity, findings, sign-off, search.

Reads the other domains' tables directly (decisions, consultations, cost lines, assignments) with a
constant number of queries per incident or result page. The only calls into other domains' services are
:func:`lbs.consultation.services.required_consultations` (what each decision required) and, in
:func:`integrity`, the decision log's verifier.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select, type_coerce
from sqlalchemy.orm import joinedload

from lbs.audit import services as audit
from lbs.auth.models import Role, User
from lbs.auth.permissions import Action, can
from lbs.consultation import services as consultation_services
from lbs.consultation.facts import DecisionType, Requirement, logged_decision_facts
from lbs.consultation.models import Consultation, Party
from lbs.decisions.models import CostLine, CostStatus, Decision
from lbs.decisions.verification import verify_incident
from lbs.errors import Forbidden, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Activation, Incident, IncidentKind, incident_municipalities
from lbs.organisations.models import Organisation
from lbs.review.models import Finding, IntegrityCheck, SignOff
from lbs.staffs.models import Assignment, Person, Position, Staff
from lbs.timeutil import minutes_between, utcnow
from lbs.types import Money
from lbs.versioned_cache import VersionedCache

TEXT_MAX = 10_000
NAME_MAX = 200
# A delay between deciding and recording above this needs an explanation (contract: 15 minutes).
DELAY_LIMIT_MINUTES = 15


# --- access -------------------------------------------------------------------------------------------


def may_read_incident(user: User, incident_id: int) -> bool:
    """Reviewer, police, admin: every incident; municipal users: incidents affecting their municipality."""
    if not can(user, Action.READ):
        return False
    if user.role is not Role.MUNICIPALITY:
        return True
    query = select(incident_municipalities.c.incident_id).where(
        incident_municipalities.c.incident_id == incident_id,
        incident_municipalities.c.municipality_code == user.municipality_code,
    )
    return db.session.scalar(query) is not None


def get_incident_for(user: User, incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident not found")
    if not may_read_incident(user, incident_id):
        raise Forbidden("this incident does not affect your municipality")
    return incident


# --- integrity ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityResult:
    """``available`` is False when the decision log's verifier could not be called: never shown as ok."""

    available: bool
    ok: bool
    checked: int
    first_broken: int | None


def integrity(incident_id: int) -> IntegrityResult:
    """The decision chain check of one incident, by the decision log's own verifier."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        return IntegrityResult(available=False, ok=False, checked=0, first_broken=None)
    result = verify_incident(incident)
    return IntegrityResult(available=True, ok=result.ok, checked=result.checked, first_broken=result.first_broken)


def verify_and_store(*, by: User | None, incident: Incident, now: datetime | None = None) -> IntegrityCheck:
    """Run the decision log's verifier over the whole incident and store the result (who, when, how far the
    log reached), so that the review page can show it without re-hashing every decision on each view."""
    if by is not None and not may_read_incident(by, incident.id):
        raise Forbidden("this incident does not affect your municipality")
    result = integrity(incident.id)
    if not result.available:
        raise NotFound("incident not found")
    record = IntegrityCheck(incident_id=incident.id, checked_at=now or utcnow(), checked_by_id=by.id if by else None,
                            last_decision_number=incident.last_decision_number, checked=result.checked,
                            ok=result.ok, first_broken=result.first_broken)
    db.session.add(record)
    db.session.flush()
    audit.record(by=by, action="review.integrity.verify", object_type="incident", object_id=incident.id,
                 summary=(f"hash chain of incident {incident.id} verified: "
                          + ("intact" if result.ok else f"broken at decision {result.first_broken}")
                          + f" ({result.checked} of {incident.last_decision_number} decisions checked)"),
                 data={"ok": result.ok, "checked": result.checked, "first_broken": result.first_broken,
                       "last_decision_number": incident.last_decision_number})
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


# --- rosters as of a decision -------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    person_id: int
    name: str
    rank: int


@dataclass(frozen=True)
class Seat:
    """A seat as it stood at the decision time: who held it, and whether a deputy was acting."""

    role: str  # "decision_maker" or "party"
    label: str  # party name or the seat title
    position_title: str | None
    holders: tuple[Holder, ...]
    acting: Holder | None  # the decision maker (for that seat), or the highest-ranked holder of a party seat
    deputy_acting: bool
    party_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role, "label": self.label, "party": self.party_key, "position": self.position_title,
            "holders": [{"person_id": h.person_id, "name": h.name, "rank": h.rank} for h in self.holders],
            "acting": self.acting.name if self.acting else None, "deputy_acting": self.deputy_acting,
        }


@dataclass(frozen=True)
class _Assign:
    position_id: int
    staff_id: int
    position_title: str
    person_id: int
    person_name: str
    rank: int
    valid_from: datetime
    valid_to: datetime | None

    def holds_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or self.valid_to > at)


def _load_assignments(position_filter: Any, *, earliest: datetime, latest: datetime) -> list[_Assign]:
    """Every assignment overlapping [earliest, latest] on the matching positions, in one query."""
    query = (
        select(Assignment.position_id, Position.staff_id, Position.title, Assignment.person_id, Person.name,
               Assignment.rank, Assignment.valid_from, Assignment.valid_to)
        .join(Position, Position.id == Assignment.position_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(position_filter, Assignment.valid_from <= latest,
               or_(Assignment.valid_to.is_(None), Assignment.valid_to > earliest))
        .order_by(Assignment.position_id, Assignment.rank, Assignment.valid_from)
    )
    return [_Assign(*row) for row in db.session.execute(query).all()]


def _holders(assignments: Iterable[_Assign], position_id: int, at: datetime) -> tuple[Holder, ...]:
    rows = sorted((a for a in assignments if a.position_id == position_id and a.holds_at(at)),
                  key=lambda a: (a.rank, a.person_name))
    return tuple(Holder(a.person_id, a.person_name, a.rank) for a in rows)


def roster_at_decision(
    decision: Decision, requirements: Sequence[Requirement], parties: dict[str, Party], assignments: Sequence[_Assign]
) -> list[Seat]:
    """Who held the decision maker's seat(s) and the required parties' seats when the decision was taken."""
    at = decision.decided_at
    seats: list[Seat] = []
    maker_rows = [a for a in assignments
                  if a.person_id == decision.decided_by_id and a.staff_id == decision.staff_id and a.holds_at(at)]
    for row in sorted(maker_rows, key=lambda a: a.rank):
        holders = _holders(assignments, row.position_id, at)
        acting = Holder(row.person_id, row.person_name, row.rank)
        seats.append(Seat(role="decision_maker", label=row.position_title, position_title=row.position_title,
                          holders=holders, acting=acting, deputy_acting=row.rank > 0))
    if not maker_rows:
        seats.append(Seat(role="decision_maker", label=decision.decided_by.name, position_title=None, holders=(),
                          acting=Holder(decision.decided_by_id, decision.decided_by.name, -1), deputy_acting=False))
    for requirement in requirements:
        party = parties.get(requirement.party_key)
        if party is None or party.position_id is None:
            seats.append(Seat(role="party", label=requirement.name, position_title=None, holders=(), acting=None,
                              deputy_acting=False, party_key=requirement.party_key))
            continue
        holders = _holders(assignments, party.position_id, at)
        title = next((a.position_title for a in assignments if a.position_id == party.position_id), None)
        first = holders[0] if holders else None
        seats.append(Seat(role="party", label=requirement.name, position_title=title, holders=holders,
                          acting=first, deputy_acting=first is not None and first.rank > 0,
                          party_key=requirement.party_key))
    return seats


# --- per-decision review rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class DoneConsultation:
    party_key: str
    party_name: str
    mode: str
    outcome: str
    consulted_at: datetime
    channel: str | None
    note: str | None


@dataclass
class DecisionReview:
    decision: Decision
    staff_code: str
    owner_name: str
    decided_by_name: str
    required: list[Requirement]
    done: list[DoneConsultation]
    missing: list[Requirement]
    roster: list[Seat]
    delay_minutes: float
    amends_number: int | None
    amended_by: list[int]
    costs: list[CostLine]
    after_sign_off: bool = False

    @property
    def delay_needs_reason(self) -> bool:
        return self.delay_minutes > DELAY_LIMIT_MINUTES


def _municipality_codes(incident_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    rows = db.session.execute(
        select(incident_municipalities.c.incident_id, incident_municipalities.c.municipality_code)
        .where(incident_municipalities.c.incident_id.in_(incident_ids))
        .order_by(incident_municipalities.c.municipality_code)
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for incident_id, code in rows:
        out[incident_id].append(code)
    return {k: tuple(v) for k, v in out.items()}


@dataclass
class _Loaded:
    decisions: list[Decision]
    consultations: dict[int, list[DoneConsultation]]
    costs: dict[int, list[CostLine]]
    municipalities: dict[int, tuple[str, ...]]


def _load(incident_ids: Sequence[int], *, decision_ids: Sequence[int] | None = None,
          municipalities: dict[int, tuple[str, ...]] | None = None) -> _Loaded:
    """Decisions, consultations and cost lines of the incidents: four queries whatever their number.

    With ``decision_ids``, just those decisions (one page of the review), their consultations and the cost
    lines of them and of the decisions they amend (an amendment's facts may be its original's costs). Those are
    selected by their ids alone and kept to the incidents afterwards: with the incident in the WHERE clause too,
    SQLite walked the incident's index over every decision and cost line of it (12 and 20 ms at 50 000 decisions)
    instead of looking the page's 25 up by key."""
    wanted = set(incident_ids)
    if decision_ids is None:
        query = select(Decision).where(Decision.incident_id.in_(incident_ids))
    else:
        query = select(Decision).where(Decision.id.in_(decision_ids))
    decisions = [d for d in db.session.scalars(
        query.options(joinedload(Decision.staff), joinedload(Decision.decided_by), joinedload(Decision.owner))
        .order_by(Decision.incident_id, Decision.number)
    ).unique() if d.incident_id in wanted]
    ids = [d.id for d in decisions]
    consultations: dict[int, list[DoneConsultation]] = defaultdict(list)
    costs: dict[int, list[CostLine]] = defaultdict(list)
    if ids:
        done_query = (select(Consultation, Party.key, Party.name).join(Party, Party.id == Consultation.party_id)
                      .join(Decision, Decision.id == Consultation.decision_id))
        if decision_ids is not None:
            done_query = done_query.where(Consultation.decision_id.in_(ids))
            with_amended = set(ids) | {d.amends_id for d in decisions if d.amends_id is not None}
            lines_query = select(CostLine).where(CostLine.decision_id.in_(with_amended))
        else:
            done_query = done_query.where(Decision.incident_id.in_(incident_ids))
            lines_query = select(CostLine).where(CostLine.incident_id.in_(incident_ids))
        rows = db.session.execute(done_query.order_by(Consultation.consulted_at, Consultation.id)).all()
        for c, key, name in rows:
            consultations[c.decision_id].append(DoneConsultation(key, name, c.mode.value, c.outcome.value,
                                                                 c.consulted_at, c.channel, c.note))
        for line in db.session.scalars(lines_query.options(joinedload(CostLine.bearer)).order_by(CostLine.id)):
            if line.incident_id in wanted:
                costs[line.decision_id].append(line)
    if municipalities is None:
        municipalities = _municipality_codes(incident_ids)
    return _Loaded(decisions, consultations, costs, municipalities)


def _review_rows(loaded: _Loaded, *, with_rosters: bool, signed_up_to: dict[int, int],
                 amends_numbers: dict[int, int] | None = None,
                 amended_by: dict[int, list[int]] | None = None) -> list[DecisionReview]:
    """The review rows of the loaded decisions. ``amends_numbers`` (decision id → number) and ``amended_by``
    (decision id → numbers of the decisions amending it) are given when only part of an incident is loaded."""
    if amends_numbers is None:
        amends_numbers = {d.id: d.number for d in loaded.decisions}
    if amended_by is None:
        amended_by = defaultdict(list)
        for d in loaded.decisions:
            if d.amends_id is not None:
                amended_by[d.amends_id].append(d.number)
    rows: list[DecisionReview] = []
    requirements: dict[int, list[Requirement]] = {}
    for d in loaded.decisions:
        requirements[d.id] = consultation_services.logged_requirements(d, partial(
            logged_decision_facts, d, staff_code=d.staff.code,
            municipalities=loaded.municipalities.get(d.incident_id, ()), lines=loaded.costs.get(d.id, []),
            amended_lines=loaded.costs.get(d.amends_id, []) if d.amends_id is not None else [],
        ))
    parties: dict[str, Party] = {}
    assignments: list[_Assign] = []
    if with_rosters and loaded.decisions:
        keys = {r.party_key for reqs in requirements.values() for r in reqs}
        # (also without requirements: the same statements whatever the decisions, see the query-count tests)
        parties = {p.key: p for p in db.session.scalars(select(Party).where(Party.key.in_(keys)))}
        position_ids = {p.position_id for p in parties.values() if p.position_id is not None}
        staff_ids = {d.staff_id for d in loaded.decisions}
        times = [d.decided_at for d in loaded.decisions]
        assignments = _load_assignments(or_(Position.staff_id.in_(staff_ids), Position.id.in_(position_ids)),
                                        earliest=min(times), latest=max(times))
    for d in loaded.decisions:
        done = loaded.consultations.get(d.id, [])
        done_keys = {c.party_key for c in done}
        required = requirements[d.id]
        rows.append(DecisionReview(
            decision=d, staff_code=d.staff.code, owner_name=d.owner.name, decided_by_name=d.decided_by.name,
            required=required, done=done, missing=[r for r in required if r.party_key not in done_keys],
            roster=roster_at_decision(d, required, parties, assignments) if with_rosters else [],
            delay_minutes=round(minutes_between(d.recorded_at, d.decided_at), 1),
            amends_number=amends_numbers.get(d.amends_id) if d.amends_id is not None else None,
            amended_by=amended_by.get(d.id, []), costs=loaded.costs.get(d.id, []),
            after_sign_off=d.number > signed_up_to.get(d.incident_id, d.number),
        ))
    return rows


# --- key figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BearerCosts:
    bearer_id: int
    bearer_name: str
    estimate_dkk: Decimal
    actual_dkk: Decimal
    lines: int
    lines_with_actual: int
    disputed: int
    provisional: int
    # The estimates of just the lines that have an actual amount (what the actuals compare with).
    estimate_with_actual_dkk: Decimal = Decimal("0.00")

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


_BearerSums = tuple[Decimal, Decimal, int, int, int, int, Decimal]
_bearer_sums: VersionedCache[dict[int, _BearerSums]] = VersionedCache(256)


def _sums_per_bearer(incident_id: int) -> dict[int, _BearerSums]:
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
        bearer_id: (_ore(estimate), _ore(actual), int(lines), int(with_actual), int(disputed or 0),
                    int(provisional or 0), _ore(compared))
        for bearer_id, estimate, actual, lines, with_actual, disputed, provisional, compared
        in db.session.execute(query)
    }


def costs_per_bearer(incident: Incident) -> list[BearerCosts]:
    """Estimate vs. actual per bearer, by the bearer's name; superseded lines are left out. The sums are
    kept per worker under the incident's versions (:mod:`lbs.versioned_cache`); the names are read."""
    sums = _bearer_sums.get(incident, lambda: _sums_per_bearer(incident.id))
    if not sums:
        return []
    names = db.session.execute(select(Organisation.id, Organisation.name)
                               .where(Organisation.id.in_(list(sums))).order_by(Organisation.name))
    return [BearerCosts(bearer_id, name, *sums[bearer_id]) for bearer_id, name in names]


def _ore(value: Decimal | None) -> Decimal:
    """A SQL sum of a money column (converted from øre by the Money type); no lines is 0.00."""
    return Decimal("0.00") if value is None else value


def key_figures(incident: Incident, rows: Sequence[DecisionReview], *, now: datetime | None = None) -> KeyFigures:
    end = incident.ended_at or now or utcnow()
    return KeyFigures(
        started_at=incident.started_at, ended_at=incident.ended_at, duration=max(end - incident.started_at,
                                                                                 timedelta(0)),
        decisions=len(rows),
        per_staff=dict(sorted(Counter(r.staff_code for r in rows).items())),
        per_type=dict(sorted(Counter(r.decision.type.value for r in rows).items())),
        urgent=sum(1 for r in rows if r.decision.urgent),
        amendments=sum(1 for r in rows if r.decision.amends_id is not None),
        consultations_missing=sum(len(r.missing) for r in rows),
        decisions_with_missing=sum(1 for r in rows if r.missing),
        delayed=sum(1 for r in rows if r.delay_needs_reason),
        costs=costs_per_bearer(incident),
        late_unexplained=sum(1 for r in rows if r.delay_needs_reason and not r.decision.delay_reason),
    )


# --- the whole review of one incident ----------------------------------------------------------------


@dataclass
class IncidentReview:
    incident: Incident
    municipalities: tuple[str, ...]
    figures: KeyFigures
    decisions: list[DecisionReview]
    activations: list[Activation]
    findings: list[FindingRow]
    sign_offs: list[SignOff]
    integrity: IntegrityResult
    chain_head: str | None

    @property
    def last_sign_off(self) -> SignOff | None:
        return self.sign_offs[-1] if self.sign_offs else None

    @property
    def after_sign_off(self) -> list[DecisionReview]:
        return [r for r in self.decisions if r.after_sign_off]


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    decision_number: int | None
    owner_name: str | None
    author: str


def incident_review(incident: Incident, *, now: datetime | None = None, check_integrity: bool = True) -> IncidentReview:
    """Everything the review page and the pack show, in a constant number of queries."""
    loaded = _load([incident.id])
    sign_offs = list_sign_offs(incident.id)
    signed = {incident.id: sign_offs[-1].last_decision_number} if sign_offs else {}
    rows = _review_rows(loaded, with_rosters=True, signed_up_to=signed)
    activations = list(db.session.scalars(
        select(Activation).where(Activation.incident_id == incident.id)
        .options(joinedload(Activation.staff)).order_by(Activation.active_from, Activation.id)
    ))
    check = integrity(incident.id) if check_integrity else IntegrityResult(False, False, 0, None)
    return IncidentReview(
        incident=incident, municipalities=loaded.municipalities.get(incident.id, ()),
        figures=key_figures(incident, rows, now=now), decisions=rows, activations=activations,
        findings=list_findings(incident.id), sign_offs=sign_offs, integrity=check,
        chain_head=rows[-1].decision.hash if rows else None,
    )


# --- findings -----------------------------------------------------------------------------------------


def _text(value: str | None, name: str, limit: int, errors: dict[str, list[str]], *,
          required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            errors.setdefault(name, []).append("required")
        return None
    if "\x00" in text:
        errors.setdefault(name, []).append("may not contain a NUL character")
    if len(text) > limit:
        errors.setdefault(name, []).append(f"at most {limit} characters")
    return text


def add_finding(
    *,
    by: User,
    incident: Incident,
    observation: str,
    recommendation: str | None = None,
    owner_text: str | None = None,
    owner_organisation_id: int | None = None,
    decision_id: int | None = None,
) -> Finding:
    """A reviewer's finding on the incident, or on one of its decisions."""
    if not can(by, Action.REVIEW_WRITE):
        raise Forbidden("only reviewers add findings")
    errors: dict[str, list[str]] = {}
    obs = _text(observation, "observation", TEXT_MAX, errors, required=True)
    rec = _text(recommendation, "recommendation", TEXT_MAX, errors)
    owner = _text(owner_text, "owner", NAME_MAX, errors)
    if decision_id is not None:
        belongs = db.session.scalar(select(Decision.id).where(Decision.id == decision_id,
                                                              Decision.incident_id == incident.id))
        if belongs is None:
            errors.setdefault("decision", []).append("not a decision of this incident")
    if owner_organisation_id is not None and db.session.get(Organisation, owner_organisation_id) is None:
        errors.setdefault("owner_organisation", []).append("unknown organisation")
    if errors:
        raise ValidationError("the finding is not valid", errors)
    finding = Finding(incident_id=incident.id, decision_id=decision_id, observation=obs or "",
                      recommendation=rec, owner_text=owner, owner_organisation_id=owner_organisation_id,
                      created_by_id=by.id, created_at=utcnow())
    db.session.add(finding)
    db.session.flush()
    audit.record(by=by, action="review.finding.add", object_type="finding", object_id=finding.id,
                 summary=f"finding on incident {incident.id}" + (f", decision {decision_id}" if decision_id else ""),
                 data={"incident_id": incident.id, "decision_id": decision_id})
    return finding


def list_findings(incident_id: int) -> list[FindingRow]:
    query = (
        select(Finding, Decision.number, Organisation.name, func.coalesce(User.display_name, User.username))
        .outerjoin(Decision, Decision.id == Finding.decision_id)
        .outerjoin(Organisation, Organisation.id == Finding.owner_organisation_id)
        .join(User, User.id == Finding.created_by_id)
        .where(Finding.incident_id == incident_id)
        .order_by(Finding.created_at, Finding.id)
    )
    rows = []
    for finding, number, org_name, author in db.session.execute(query):
        owner = " – ".join(x for x in (org_name, finding.owner_text) if x) or None
        rows.append(FindingRow(finding, number, owner, author))
    return rows


# --- sign-off -----------------------------------------------------------------------------------------


def list_sign_offs(incident_id: int) -> list[SignOff]:
    return list(db.session.scalars(select(SignOff).where(SignOff.incident_id == incident_id)
                                   .order_by(SignOff.signed_at, SignOff.id)))


def signed_pack(*, incident: Incident, sign_off_id: int) -> bytes:
    """The exact pack a sign-off signed."""
    data = db.session.scalar(select(SignOff.pack_zip).where(SignOff.id == sign_off_id,
                                                            SignOff.incident_id == incident.id))
    if data is None:
        raise NotFound("sign-off not found")
    return data


def sign_off(*, by: User, incident: Incident, comment: str | None = None, now: datetime | None = None) -> SignOff:
    """Sign the review off: builds the review pack, records its SHA-256 and the chain head with the sign-off."""
    from lbs.review import pack

    if not can(by, Action.REVIEW_WRITE):
        raise Forbidden("only reviewers sign off")
    errors: dict[str, list[str]] = {}
    text = _text(comment, "comment", TEXT_MAX, errors)
    if errors:
        raise ValidationError("the sign-off is not valid", errors)
    at = now or utcnow()
    review = incident_review(incident, now=at)
    data = pack.build_pack(review, generated_at=at)
    last = review.decisions[-1].decision.number if review.decisions else 0
    record = SignOff(incident_id=incident.id, signed_by_id=by.id, signer_name=by.display_name or by.username,
                     signed_at=at, comment=text, pack_sha256=pack.sha256(data), chain_head=review.chain_head,
                     last_decision_number=last, pack_zip=data)
    db.session.add(record)
    if review.integrity.available:  # the sign-off verified the whole chain: the review page shows that check
        db.session.add(IntegrityCheck(incident_id=incident.id, checked_at=at, checked_by_id=by.id,
                                      last_decision_number=incident.last_decision_number,
                                      checked=review.integrity.checked, ok=review.integrity.ok,
                                      first_broken=review.integrity.first_broken))
    db.session.flush()
    audit.record(by=by, action="review.sign_off", object_type="incident", object_id=incident.id,
                 summary=f"review of incident {incident.id} signed off (decisions 1–{last})",
                 data={"pack_sha256": record.pack_sha256, "chain_head": record.chain_head})
    return record


# --- search across incidents --------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilter:
    text: str | None = None
    kind: IncidentKind | None = None
    decision_type: DecisionType | None = None
    municipality: str | None = None
    staff: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    missing_only: bool = False
    disputed_only: bool = False


@dataclass(frozen=True)
class SearchRow:
    incident: Incident
    municipalities: tuple[str, ...]
    decisions: int
    urgent: int
    disputed: int
    estimate_dkk: Decimal
    signed_off: bool
    missing: int | None = None  # missing consultations, counted when the filter asks for them


@dataclass
class SearchPage:
    rows: list[SearchRow]
    page: int
    per_page: int
    has_next: bool
    total: int | None = field(default=None)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_query(user: User, filters: SearchFilter) -> Select[Any]:
    decisions_of = Decision.incident_id == Incident.id
    query = select(Incident.id)
    if user.role is Role.MUNICIPALITY:
        query = query.where(exists().where(incident_municipalities.c.incident_id == Incident.id,
                                           incident_municipalities.c.municipality_code == user.municipality_code))
    if filters.text:
        pattern = f"%{_escape_like(filters.text.lower())}%"
        query = query.where(or_(
            func.lower(Incident.title).like(pattern, escape="\\"),
            func.lower(Incident.description).like(pattern, escape="\\"),
            exists().where(decisions_of, or_(func.lower(Decision.title).like(pattern, escape="\\"),
                                             func.lower(Decision.decision).like(pattern, escape="\\"))),
        ))
    if filters.kind is not None:
        query = query.where(Incident.kind == filters.kind)
    if filters.decision_type is not None:
        query = query.where(exists().where(decisions_of, Decision.type == filters.decision_type))
    if filters.municipality:
        query = query.where(exists().where(incident_municipalities.c.incident_id == Incident.id,
                                           incident_municipalities.c.municipality_code == filters.municipality))
    if filters.staff:
        query = query.where(exists().where(decisions_of, Decision.staff_id == Staff.id, Staff.code == filters.staff))
    if filters.date_to is not None:
        query = query.where(Incident.started_at <= filters.date_to)
    if filters.date_from is not None:
        query = query.where(or_(Incident.ended_at.is_(None), Incident.ended_at >= filters.date_from))
    if filters.disputed_only:
        query = query.where(exists().where(CostLine.incident_id == Incident.id, CostLine.superseded_by_id.is_(None),
                                           CostLine.status == CostStatus.DISPUTED))
    return query.order_by(Incident.started_at.desc(), Incident.id.desc())


_search_figures: VersionedCache[tuple[int, int, Decimal]] = VersionedCache(1024)


def _figures_of(ids: list[int]) -> dict[int, tuple[int, int, Decimal]]:
    """Per incident: urgent decisions, disputed lines and the estimate total — one query (indexes on
    decisions (incident, urgent) and cost lines (incident, status, superseded); the sum reads the covering
    totals index)."""
    urgent_count = (select(func.count(Decision.id)).where(Decision.incident_id == Incident.id,
                                                          Decision.urgent.is_(True))
                    .correlate(Incident).scalar_subquery())
    live = and_(CostLine.incident_id == Incident.id, CostLine.superseded_by_id.is_(None))
    disputed = (select(func.count(CostLine.id)).where(live, CostLine.status == CostStatus.DISPUTED)
                .correlate(Incident).scalar_subquery())
    estimate = type_coerce((select(func.sum(CostLine.estimate_dkk)).where(live)
                            .correlate(Incident).scalar_subquery()), Money())
    query = select(Incident.id, urgent_count, disputed, estimate).where(Incident.id.in_(ids))
    return {row[0]: (int(row[1]), int(row[2]), _ore(row[3])) for row in db.session.execute(query)}


def _summaries(incidents: Sequence[Incident]) -> dict[int, tuple[int, int, int, Decimal, bool]]:
    """Per incident: decisions, urgent, disputed lines, estimate total, signed off. The figures are kept per
    worker under the incident's versions (:mod:`lbs.versioned_cache`); whether it is signed off is read."""
    figures = _search_figures.get_many(incidents, _figures_of)
    signed = set(db.session.scalars(select(SignOff.incident_id).where(
        SignOff.incident_id.in_([i.id for i in incidents])).distinct()))
    # The decision counter is the number of decisions (numbers run 1..n without a gap).
    return {i.id: (i.last_decision_number, *figures[i.id], i.id in signed) for i in incidents}


def _missing_counts(ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = _review_rows(_load(ids), with_rosters=False, signed_up_to={})
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    for r in rows:
        counts[r.decision.incident_id] += len(r.missing)
    return counts


def search(*, user: User, filters: SearchFilter, page: int = 1, per_page: int = 25) -> SearchPage:
    """Incidents matching the filters, newest first, one page at a time.

    The SQL filters run in the database; "missing consultations only" needs the consultation rules, so the
    candidates are judged in chunks (a fixed number of queries per chunk) until the page is full.
    """
    page = max(page, 1)
    query = _search_query(user, filters)
    wanted = page * per_page + 1
    if not filters.missing_only:
        ids = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)))
        has_next = len(ids) > per_page
        ids = ids[:per_page]
        missing: dict[int, int] = {}
    else:
        matched: list[int] = []
        missing = {}
        offset, chunk = 0, max(per_page * 2, 50)
        while len(matched) < wanted:
            candidates = list(db.session.scalars(query.offset(offset).limit(chunk)))
            if not candidates:
                break
            counts = _missing_counts(candidates)
            for incident_id in candidates:
                if counts[incident_id] > 0:
                    matched.append(incident_id)
                    missing[incident_id] = counts[incident_id]
            offset += chunk
        start = (page - 1) * per_page
        has_next = len(matched) > start + per_page
        ids = matched[start:start + per_page]
    if not ids:
        return SearchPage([], page, per_page, has_next)
    incidents = {i.id: i for i in db.session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    codes = _municipality_codes(ids)
    summaries = _summaries(list(incidents.values()))
    rows = [SearchRow(incidents[i], codes.get(i, ()), *summaries[i], missing=missing.get(i)) for i in ids]
    return SearchPage(rows, page, per_page, has_next)
