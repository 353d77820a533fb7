"""The review row of each decision: required vs. done consultations, the roster as of the decision, the delay
between deciding and recording, amendments and cost lines. A fixed number of queries for any number of
decisions (:func:`load_decisions`, then :func:`review_rows`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from lbs.auth.models import User
from lbs.consultation.facts import Requirement, logged_decision_facts
from lbs.consultation.judging import Judged, judge_requirements
from lbs.consultation.models import Consultation, Party
from lbs.decisions import compliance
from lbs.decisions.attachment_models import Attachment
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.models import incident_municipalities
from lbs.review.rosters import Correction, Rosters, Seat, load_rosters
from lbs.timeutil import minutes_between

# A delay between deciding and recording above this needs an explanation (contract: 15 minutes).
DELAY_LIMIT_MINUTES = 15
# Decisions without stored requirements judged in Python per round (see legacy_rows).
LEGACY_CHUNK = 500


@dataclass(frozen=True)
class DoneConsultation:
    party_key: str
    party_name: str
    mode: str
    outcome: str
    consulted_at: datetime
    channel: str | None
    note: str | None
    # Appended after the decision was logged (lbs.decisions.appended): when, and by whom (display name).
    appended: bool = False
    recorded_at: datetime | None = None
    recorded_by: str | None = None


@dataclass(frozen=True)
class AttachmentRow:
    """An attachment as the review shows it (its metadata; the bytes stay in the database)."""

    id: int
    seq: int
    filename: str
    content_type: str
    size: int
    sha256: str
    description: str | None
    uploaded_at: datetime
    uploaded_by: str | None  # display name

    def as_json(self, decision_number: int) -> dict[str, object]:
        return {"id": self.id, "decision_number": decision_number, "seq": self.seq, "filename": self.filename,
                "content_type": self.content_type, "size": self.size, "sha256": self.sha256,
                "description": self.description, "uploaded_at": self.uploaded_at.isoformat(),
                "uploaded_by": self.uploaded_by}


@dataclass
class DecisionReview:
    decision: Decision
    staff_code: str
    owner_name: str
    decided_by_name: str
    required: list[Requirement]
    done: list[DoneConsultation]
    judged: list[Judged]  # each required consultation with its status, judged over every consultation done
    roster: list[Seat]
    delay_minutes: float
    amends_number: int | None
    amended_by: list[int]
    costs: list[CostLine]
    after_sign_off: bool = False
    corrections: list[Correction] = field(default_factory=list)  # roster corrections made over its time
    attachments: list[AttachmentRow] = field(default_factory=list)  # oldest first
    # The roster as corrected afterwards, where it differs from ``roster`` (as known when the decision was logged).
    corrected_roster: list[Seat] = field(default_factory=list)

    @property
    def missing(self) -> list[Requirement]:
        """The required consultations not met (whatever the reason: none, a lesser form, no answer, objected)."""
        return [j.requirement for j in self.judged if not j.met]

    @property
    def has_appended(self) -> bool:
        """A consultation was appended after the decision was logged."""
        return any(c.appended for c in self.done)

    @property
    def delay_needs_reason(self) -> bool:
        return self.delay_minutes > DELAY_LIMIT_MINUTES

    @property
    def late_unexplained(self) -> bool:
        """Recorded late with no reason: an amendment's reason stands in for the delay reason."""
        return self.delay_needs_reason and not (self.decision.delay_reason or self.decision.amendment_reason)


def municipality_codes(incident_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The codes of the municipalities each incident affects, in code order."""
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
class LoadedDecisions:
    decisions: list[Decision]
    consultations: dict[int, list[DoneConsultation]]
    costs: dict[int, list[CostLine]]
    municipalities: dict[int, tuple[str, ...]]
    attachments: dict[int, list[AttachmentRow]] = field(default_factory=dict)


def load_attachments(incident_ids: Sequence[int], decision_ids: Sequence[int] | None) -> dict[int, list[AttachmentRow]]:
    """The attachments of the decisions ``decision_ids`` (None: of every decision of the incidents), oldest
    first, with their uploaders' names: one query."""
    result: dict[int, list[AttachmentRow]] = defaultdict(list)
    if decision_ids is not None and not decision_ids:
        return result
    query = (select(Attachment, func.coalesce(User.display_name, User.username))
             .outerjoin(User, User.id == Attachment.uploaded_by_id).order_by(Attachment.seq))
    if decision_ids is None:
        query = query.where(Attachment.incident_id.in_(list(incident_ids)))
    else:
        query = query.where(Attachment.decision_id.in_(list(decision_ids)))
    for a, by in db.session.execute(query).all():
        result[a.decision_id].append(AttachmentRow(a.id, a.seq, a.filename, a.content_type, a.size, a.sha256,
                                                   a.description, a.uploaded_at, by))
    return result


def load_decisions(incident_ids: Sequence[int], *, decision_ids: Sequence[int] | None = None,
                   municipalities: dict[int, tuple[str, ...]] | None = None,
                   with_attachments: bool = False) -> LoadedDecisions:
    """Decisions, consultations and cost lines of the incidents: four queries whatever their number.

    With ``decision_ids``, just those decisions (one page of the review), their consultations and the cost
    lines of them and of the decisions they amend (an amendment's facts may be its original's costs). Those are
    selected by their ids alone and kept to the incidents afterwards: with the incident in the WHERE clause too,
    SQLite walks the incident's index over every decision and cost line of it instead of looking the page's
    decisions up by key."""
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
        done_query = (select(Consultation, Party.key, Party.name, func.coalesce(User.display_name, User.username))
                      .join(Party, Party.id == Consultation.party_id)
                      .join(Decision, Decision.id == Consultation.decision_id)
                      .outerjoin(User, User.id == Consultation.recorded_by_id))
        if decision_ids is not None:
            done_query = done_query.where(Consultation.decision_id.in_(ids))
            with_amended = set(ids) | {d.amends_id for d in decisions if d.amends_id is not None}
            lines_query = select(CostLine).where(CostLine.decision_id.in_(with_amended))
        else:
            done_query = done_query.where(Decision.incident_id.in_(incident_ids))
            lines_query = select(CostLine).where(CostLine.incident_id.in_(incident_ids))
        rows = db.session.execute(done_query.order_by(Consultation.consulted_at, Consultation.id)).all()
        for c, key, name, recorded_by in rows:
            appended = c.appended_seq is not None
            consultations[c.decision_id].append(DoneConsultation(
                key, name, c.mode.value, c.outcome.value, c.consulted_at, c.channel, c.note, appended=appended,
                recorded_at=c.recorded_at if appended else None, recorded_by=recorded_by if appended else None))
        for line in db.session.scalars(lines_query.options(joinedload(CostLine.bearer)).order_by(CostLine.id)):
            if line.incident_id in wanted:
                costs[line.decision_id].append(line)
    if municipalities is None:
        municipalities = municipality_codes(incident_ids)
    attached = load_attachments(incident_ids, None if decision_ids is None else ids) if with_attachments else {}
    return LoadedDecisions(decisions, consultations, costs, municipalities, attached)


def _requirements(loaded: LoadedDecisions) -> dict[int, list[Requirement]]:
    """What each loaded decision required: as stored when it was logged, else judged from its facts."""
    requirements: dict[int, list[Requirement]] = {}
    for d in loaded.decisions:
        requirements[d.id] = compliance.logged_requirements(d, partial(
            logged_decision_facts, d, staff_code=d.staff.code,
            municipalities=loaded.municipalities.get(d.incident_id, ()), lines=loaded.costs.get(d.id, []),
            amended_lines=loaded.costs.get(d.amends_id, []) if d.amends_id is not None else [],
        ))
    return requirements


def review_rows(loaded: LoadedDecisions, *, with_rosters: bool, signed_up_to: dict[int, int],
                amends_numbers: dict[int, int] | None = None,
                amended_by: dict[int, list[int]] | None = None,
                scope: ReadScope = EVERYTHING) -> list[DecisionReview]:
    """The review rows of the loaded decisions. ``signed_up_to``: incident id → the last decision number of
    its last sign-off. ``amends_numbers`` (decision id → number) and ``amended_by`` (decision id → numbers of
    the decisions amending it) are given when only part of an incident is loaded. A row's ``costs`` are the
    lines in ``scope`` (what is shown); the consultations are judged over all of them."""
    if amends_numbers is None:
        amends_numbers = {d.id: d.number for d in loaded.decisions}
    if amended_by is None:
        amended_by = defaultdict(list)
        for d in loaded.decisions:
            if d.amends_id is not None:
                amended_by[d.amends_id].append(d.number)
    requirements = _requirements(loaded)
    rosters = load_rosters(loaded.decisions, requirements.values()) if with_rosters else Rosters()
    rows: list[DecisionReview] = []
    for d in loaded.decisions:
        done = loaded.consultations.get(d.id, [])
        required = requirements[d.id]
        rows.append(DecisionReview(
            decision=d, staff_code=d.staff.code, owner_name=d.owner.name,
            decided_by_name=d.decided_by_name or d.decided_by.name,
            required=required, done=done,
            judged=judge_requirements(required, ((c.party_key, c.mode, c.outcome) for c in done)),
            roster=rosters.at_decision(d, required) if with_rosters else [],
            delay_minutes=round(minutes_between(d.recorded_at, d.decided_at), 1),
            amends_number=amends_numbers.get(d.amends_id) if d.amends_id is not None else None,
            amended_by=amended_by.get(d.id, []),
            costs=[line for line in loaded.costs.get(d.id, []) if scope.sees_bearer(line.bearer_id)],
            after_sign_off=d.number > signed_up_to.get(d.incident_id, d.number),
            corrections=rosters.corrected(d) if with_rosters else [],
            attachments=loaded.attachments.get(d.id, []),
            corrected_roster=rosters.corrected_at_decision(d, required) if with_rosters else [],
        ))
    return rows


# --- what each decision stored when it was logged ----------------------------------------------------


def has_missing() -> ColumnElement[bool]:
    """A decision with a stored requirement that no consultation meets: ``unmet_count``, stored with the
    decision (its consultations are logged with it), served by the partial index ix_decisions_incident_gaps.
    NULL on decisions logged before it was stored (see :func:`not_stored`)."""
    return Decision.unmet_count > 0


def not_stored() -> ColumnElement[bool]:
    """A decision logged before its requirements and ``unmet_count`` were stored: judged by
    :func:`legacy_rows` in Python."""
    return Decision.unmet_count.is_(None)


def legacy_rows(incident_ids: Sequence[int], decision_ids: Sequence[int]) -> list[DecisionReview]:
    """Review rows (without rosters, amendment numbers or sign-off) of decisions logged before requirements
    were stored, judged a chunk at a time."""
    rows: list[DecisionReview] = []
    for start in range(0, len(decision_ids), LEGACY_CHUNK):
        chunk = decision_ids[start:start + LEGACY_CHUNK]
        rows += review_rows(load_decisions(incident_ids, decision_ids=chunk), with_rosters=False,
                            signed_up_to={}, amends_numbers={}, amended_by={})
    return rows
