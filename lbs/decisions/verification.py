"""Verification: recompute an incident's hash chains (or every incident's) from what is stored.

Three chains per incident: the decisions (:mod:`lbs.decisions.chain`), the consultations appended to them later
(:mod:`lbs.decisions.appended_chain`) and the attachments (:mod:`lbs.decisions.attachment_chain`, whose bytes are
hashed again), the last two with their count and head kept on the incident. Any broken makes the result broken;
``first_broken`` is the lowest of the decision numbers at which they break, ``checked`` the decisions before it,
and ``broken_attachment`` the name of the attachment found changed or missing when that is where it breaks.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lbs.consultation.models import Consultation, Party
from lbs.decisions import appended_chain, attachment_chain, chain
from lbs.decisions.attachment_models import Attachment
from lbs.decisions.attachments import iter_bytes
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


def stored_attachments(incident_id: int) -> list[attachment_chain.StoredAttachment]:
    """The incident's attachments in sequence order, each with its chained fields as stored and the size and
    SHA-256 of its bytes as stored now (read chunk by chunk)."""
    rows = db.session.execute(
        select(Attachment, Decision.number.label("decision_number"), Decision.hash.label("decision_hash"))
        .outerjoin(Decision, (Decision.id == Attachment.decision_id) & (Decision.incident_id == incident_id))
        .where(Attachment.incident_id == incident_id).order_by(Attachment.seq, Attachment.id)
    ).all()
    result = []
    for attachment, number, decision_hash in rows:
        fields = {
            "decision_id": attachment.decision_id, "decision_number": number, "decision_hash": decision_hash,
            "seq": attachment.seq, "filename": attachment.filename, "content_type": attachment.content_type,
            "size": attachment.size, "sha256": attachment.sha256, "description": attachment.description,
            "uploaded_at": attachment.uploaded_at, "uploaded_by": attachment.uploaded_by_id,
            "prev_hash": attachment.prev_hash,
        }
        digest, size = hashlib.sha256(), 0
        for chunk in iter_bytes(attachment.id):
            digest.update(chunk)
            size += len(chunk)
        result.append(attachment_chain.StoredAttachment(fields=fields, hash=attachment.hash,
                                                        content=(size, digest.hexdigest())))
    return result


def verify_incident(incident: Incident) -> chain.ChainResult:
    db.session.refresh(incident)
    decisions = chain.verify_chain(stored_chain(incident.id), last_number=incident.last_decision_number)
    last = incident.last_decision_number
    broken = appended_chain.verify_appended(
        stored_appended(incident.id), count=incident.appended_consultations, head=incident.consultation_head,
        last_number=last)
    result = decisions
    if broken is not None and (decisions.first_broken is None or broken < decisions.first_broken):
        result = chain.ChainResult(ok=False, checked=min(decisions.checked, broken - 1), first_broken=broken)
    attachment = attachment_chain.verify_attachments(stored_attachments(incident.id),
                                                     count=incident.attachment_count, head=incident.attachment_head)
    if attachment is not None:
        number = attachment.decision_number if attachment.decision_number is not None else last
        if result.first_broken is None or number < result.first_broken:
            result = chain.ChainResult(ok=False, checked=min(result.checked, max(number - 1, 0)), first_broken=number,
                                       broken_attachment=attachment.filename or "")
    return result


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
