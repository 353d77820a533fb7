"""Verification: recompute an incident's hash chain (or every incident's) from what is stored."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lbs.consultation.models import Consultation, Party
from lbs.decisions import chain
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
