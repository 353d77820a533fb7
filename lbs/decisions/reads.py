"""Reads of logged decisions as ORM objects: one decision, its cost lines, consultations, amendments and what
the consultation rules required of it. (The API shape is read by :mod:`lbs.decisions.read_model`.)"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lbs.consultation.facts import DecisionFacts, Requirement, logged_decision_facts
from lbs.consultation.judging import judge_requirements
from lbs.consultation.models import Consultation
from lbs.decisions import compliance
from lbs.decisions.models import CostLine, Decision
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident

CHUNK = 500  # ids per ``IN`` list


def get_decision(decision_id: int) -> Decision:
    found = db.session.get(Decision, decision_id)
    if found is None:
        raise NotFound("no such decision")
    return found


def cost_lines(decision_ids: Sequence[int]) -> dict[int, list[CostLine]]:
    result: dict[int, list[CostLine]] = defaultdict(list)
    for start in range(0, len(decision_ids), CHUNK):
        chunk = decision_ids[start:start + CHUNK]
        for line in db.session.scalars(select(CostLine).where(CostLine.decision_id.in_(chunk)).order_by(CostLine.id)):
            result[line.decision_id].append(line)
    return result


def consultations_of(decision_ids: Sequence[int]) -> dict[int, list[Consultation]]:
    result: dict[int, list[Consultation]] = defaultdict(list)
    for start in range(0, len(decision_ids), CHUNK):
        chunk = decision_ids[start:start + CHUNK]
        query = (select(Consultation).where(Consultation.decision_id.in_(chunk)).order_by(Consultation.id)
                 .options(joinedload(Consultation.party)))
        for row in db.session.scalars(query):
            result[row.decision_id].append(row)
    return result


def amendments_of(decision: Decision) -> Sequence[Decision]:
    return db.session.scalars(select(Decision).where(Decision.amends_id == decision.id).order_by(Decision.number)).all()


def current_version(decision: Decision) -> Decision:
    """The version of the decision no decision amends yet (the decision itself when it is not amended)."""
    current = decision
    while (newer := db.session.scalars(select(Decision).where(Decision.amends_id == current.id)
                                       .order_by(Decision.number).limit(1)).first()) is not None:
        current = newer
    return current


def amendment_line(decision: Decision) -> list[int]:
    """The ids of the decision and of every earlier version it amends, newest first."""
    ids = [decision.id]
    amends_id = decision.amends_id
    while amends_id is not None:
        ids.append(amends_id)
        amends_id = db.session.scalar(select(Decision.amends_id).where(Decision.id == amends_id))
    return ids


def live_lines(decision: Decision) -> list[CostLine]:
    """The cost lines of the decision's amendment line up to it that no amendment has superseded (read afresh:
    their status may have changed since they were loaded)."""
    return list(db.session.scalars(select(CostLine).where(CostLine.decision_id.in_(amendment_line(decision)),
                                                          CostLine.superseded_by_id.is_(None))
                                   .order_by(CostLine.id).execution_options(populate_existing=True)))


def decision_requirements(
    decision: Decision, lines: Sequence[CostLine], consulted: Sequence[Consultation],
    amended_lines: Sequence[CostLine] | None = None,
) -> tuple[list[Requirement], list[Requirement]]:
    """What the logged decision required and what of it is not met (judged over ``consulted``, see
    :mod:`lbs.consultation.judging`). ``amended_lines`` (the lines of the
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
    judged = judge_requirements(required, ((c.party.key, c.mode, c.outcome) for c in consulted))
    return required, [j.requirement for j in judged if not j.met]
