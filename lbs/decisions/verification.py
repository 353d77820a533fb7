"""Verification: recompute an incident's hash chains (or every incident's) from what is stored.

Two chains per incident: the decisions (:mod:`lbs.decisions.chain`) and the consultations appended to them later
(:mod:`lbs.decisions.appended_chain`, its count and head kept on the incident). Either broken makes the result
broken; ``first_broken`` is the lower of the two decision numbers at which they break, and ``checked`` the
decisions before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lbs.consultation.models import Consultation, Party
from lbs.decisions import appended_chain, chain
from lbs.decisions.models import CostLine, Decision
from lbs.decisions.reads import CHUNK
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident


def stored_chain(incident_id: int) -> list[chain.StoredDecision]:
    """The incident's decisions in number order, each with what its hash covers, as stored."""
    names = (*chain.DECISION_FIELDS, *chain.OPTIONAL_FIELDS)
    columns = [getattr(Decision, name) for name in names]
    rows = db.session.execute(
        select(Decision.id, Decision.hash, *columns).where(Decision.incident_id == incident_id)
        .order_by(Decision.number)
    ).all()
    ids = [row.id for row in rows]
    costs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    consulted: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for line in db.session.execute(
            select(CostLine.decision_id, CostLine.bearer_id, CostLine.category, CostLine.description,
                   CostLine.estimate_dkk, CostLine.provisional).where(CostLine.decision_id.in_(chunk))
        ):
            decision_id, *values = line
            costs[decision_id].append(dict(zip(chain.COST_FIELDS, values, strict=True)))
        for item in db.session.execute(
            select(Consultation.decision_id, Party.key, Consultation.consulted_at, Consultation.mode,
                   Consultation.outcome, Consultation.channel, Consultation.note)
            .join(Party, Party.id == Consultation.party_id)
            # Those logged with the decision (appended ones are chained on their own).
            .where(Consultation.decision_id.in_(chunk), Consultation.appended_seq.is_(None))
        ):
            decision_id, *values = item
            consulted[decision_id].append(dict(zip(chain.CONSULTATION_FIELDS, values, strict=True)))
    result = []
    for row in rows:
        fields = {name: row._mapping[name] for name in names}
        result.append(chain.StoredDecision(number=fields["number"], fields=fields, costs=costs[row.id],
                                           consultations=consulted[row.id], hash=row.hash))
    return result


def stored_appended(incident_id: int) -> list[appended_chain.StoredAppended]:
    """The consultations appended in the incident in sequence order (read by the incident's own index), each with
    what its hash covers as stored. A row moved to another incident leaves a gap or a short chain here; one whose
    decision is not the incident's is read with no decision number."""
    query = (
        select(Consultation.decision_id, Consultation.appended_seq, Party.key, Consultation.consulted_at,
               Consultation.recorded_at, Consultation.mode, Consultation.outcome, Consultation.channel,
               Consultation.note, Consultation.recorded_by_id, Consultation.prev_hash, Consultation.hash,
               Decision.incident_id.label("decision_incident_id"),
               Decision.number, Decision.hash.label("decision_hash"))
        .join(Party, Party.id == Consultation.party_id)
        .outerjoin(Decision, Decision.id == Consultation.decision_id)
        .where(Consultation.incident_id == incident_id, Consultation.appended_seq.is_not(None))
        .order_by(Consultation.appended_seq, Consultation.id)
    )
    result = []
    for row in db.session.execute(query):
        ours = row.decision_incident_id == incident_id
        fields = {
            "decision_id": row.decision_id, "decision_number": row.number if ours else None,
            "decision_hash": row.decision_hash, "appended_seq": row.appended_seq, "party": row.key,
            "consulted_at": row.consulted_at, "recorded_at": row.recorded_at, "mode": row.mode,
            "outcome": row.outcome, "channel": row.channel, "note": row.note, "recorded_by": row.recorded_by_id,
            "prev_hash": row.prev_hash,
        }
        result.append(appended_chain.StoredAppended(fields=fields, hash=row.hash))
    return result


def verify_incident(incident: Incident) -> chain.ChainResult:
    db.session.refresh(incident)
    decisions = chain.verify_chain(stored_chain(incident.id), last_number=incident.last_decision_number)
    broken = appended_chain.verify_appended(
        stored_appended(incident.id), count=incident.appended_consultations, head=incident.consultation_head,
        last_number=incident.last_decision_number)
    if broken is None or (decisions.first_broken is not None and decisions.first_broken <= broken):
        return decisions
    return chain.ChainResult(ok=False, checked=min(decisions.checked, broken - 1), first_broken=broken)


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
