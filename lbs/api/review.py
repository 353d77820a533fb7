"""After-incident review (read only): key figures and findings of one incident.

Every role may read; municipal users only incidents affecting their municipality (404 otherwise, as every
read out of scope), and of the costs only their own lines."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import api_user, endpoint
from lbs.api.schemas import MONEY, NULLABLE_MONEY, NULLABLE_TIME, TIME, array_of, component, list_component, obj
from lbs.decisions.scope import current_scope
from lbs.review import signing, whole
from lbs.review.access import get_incident_for
from lbs.review.findings import list_findings

HASH = {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"}
COUNTS = component("DecisionCounts", {"type": "object", "additionalProperties": {"type": "integer"},
                                     "description": "number of decisions by staff code or decision type"})
REVIEW = component("IncidentReview", obj({
    "incident_id": {"type": "integer"},
    "duration_seconds": {"type": "integer", "minimum": 0},
    "decisions": {"type": "integer"},
    "per_staff": COUNTS,
    "per_type": COUNTS,
    "urgent": {"type": "integer"},
    "amendments": {"type": "integer"},
    "consultations_missing": {"type": "integer"},
    "decisions_with_missing": {"type": "integer"},
    "costs": array_of(component("ReviewCost", obj({
        "bearer": {"type": "integer"}, "bearer_name": {"type": "string"}, "estimate_dkk": MONEY,
        "actual_dkk": NULLABLE_MONEY, "disputed": {"type": "integer"}}))),
    "integrity": component("ReviewIntegrity", obj({
        "checked": {"type": "boolean"}, "ok": {"type": ["boolean", "null"]},
        "decisions_checked": {"type": "integer"}, "first_broken": {"type": ["integer", "null"]}})),
    "chain_head": HASH,
    "sign_offs": array_of(component("SignOff", obj({
        "signed_at": TIME, "signer": {"type": "string"}, "pack_sha256": HASH, "chain_head": HASH,
        "last_decision_number": {"type": "integer"},
        "signing_key_fingerprint": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"}}))),
}))
FINDING = component("Finding", obj({
    "id": {"type": "integer"}, "decision_number": {"type": ["integer", "null"]},
    "observation": {"type": "string"}, "recommendation": {"type": ["string", "null"]},
    "owner": {"type": ["string", "null"]}, "created_at": NULLABLE_TIME, "created_by": {"type": "string"},
}))


def _money(value: Any) -> str:
    return f"{value:.2f}"


@endpoint(api_bp, "/incidents/<id:incident_id>/review", "GET", operation_id="getIncidentReview",
          summary="Key figures of an incident's review", tag="review", responses={200: REVIEW, 403: None, 404: None})
def incident_review(incident_id: int) -> ResponseReturnValue:
    review = whole.incident_review(get_incident_for(api_user(), incident_id), scope=current_scope())
    f, check = review.figures, review.integrity
    return jsonify({
        "incident_id": review.incident.id,
        "duration_seconds": int(f.duration.total_seconds()),
        "decisions": f.decisions, "per_staff": f.per_staff, "per_type": f.per_type, "urgent": f.urgent,
        "amendments": f.amendments, "consultations_missing": f.consultations_missing,
        "decisions_with_missing": f.decisions_with_missing,
        "costs": [{"bearer": c.bearer_id, "bearer_name": c.bearer_name, "estimate_dkk": _money(c.estimate_dkk),
                   "actual_dkk": _money(c.actual_dkk) if c.lines_with_actual else None, "disputed": c.disputed}
                  for c in f.costs],
        # "checked": false means the decision log's verifier was not available: "ok" is then null, never true.
        "integrity": {"checked": check.available, "ok": check.ok if check.available else None,
                      "decisions_checked": check.checked, "first_broken": check.first_broken},
        "chain_head": review.chain_head,
        "sign_offs": [{"signed_at": s.signed_at.isoformat(), "signer": s.signer_name, "pack_sha256": s.pack_sha256,
                       "chain_head": s.chain_head, "last_decision_number": s.last_decision_number,
                       "signing_key_fingerprint": s.signing_key_fingerprint}
                      for s in review.sign_offs],
    })


@endpoint(api_bp, "/incidents/<id:incident_id>/findings", "GET", operation_id="listFindings",
          summary="Findings of an incident's review", tag="review",
          responses={200: list_component("FindingList", FINDING), 403: None, 404: None})
def incident_findings(incident_id: int) -> ResponseReturnValue:
    incident = get_incident_for(api_user(), incident_id)
    return jsonify([
        {"id": r.finding.id, "decision_number": r.decision_number, "observation": r.finding.observation,
         "recommendation": r.finding.recommendation, "owner": r.owner_name,
         "created_at": r.finding.created_at.isoformat(), "created_by": r.author}
        for r in list_findings(incident.id)
    ])


SIGNING_KEY = component("SigningKey", obj({
    "public_key_pem": {"type": "string", "description": "the Ed25519 public key, SubjectPublicKeyInfo PEM"},
    "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                    "description": "SHA-256 of the raw 32-byte public key, lowercase hex"},
}))


@endpoint(api_bp, "/signing-key", "GET", operation_id="getSigningKey", public=True,
          summary="The public key that signs this instance's review packs", tag="review",
          responses={200: SIGNING_KEY})
def signing_key() -> ResponseReturnValue:
    key = signing.instance_public_key()
    return jsonify({"public_key_pem": key.pem, "fingerprint": key.fingerprint})
