"""Review packs: ask for an incident's pack (built by the worker), follow its progress, download it when ready
(``docs/review-packs.md``)."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import api_user, endpoint, json_body
from lbs.api.schemas import ERROR, TIME, component, obj
from lbs.database import lock_at_first_write
from lbs.extensions import db
from lbs.review import pack_jobs
from lbs.review.pack_download import pack_response

HASH = {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"}
PACK = component("ReviewPack", obj({
    "id": {"type": "integer"}, "incident_id": {"type": "integer"},
    "status": {"type": "string", "enum": ["queued", "building", "ready", "failed"]},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100}, "sha256": HASH, "chain_head": HASH,
    "created_at": TIME, "size": {"type": ["integer", "null"]}, "decisions": {"type": ["integer", "null"]},
    "costs_of_municipality": {"type": ["string", "null"]},
}))


@endpoint(api_bp, "/incidents/<id:incident_id>/review-pack", "POST", operation_id="requestReviewPack",
          summary="Ask for the incident's review pack as it stands (built by the worker; the same pack while "
                  "nothing changed)", tag="review", responses={202: PACK, 404: ERROR})
@lock_at_first_write
def request_review_pack(incident_id: int) -> ResponseReturnValue:
    if request.get_data(cache=True):  # no body is needed; one that is sent must be a clean JSON object
        json_body()
    pack = pack_jobs.request_pack(by=api_user(), incident_id=incident_id)
    body = pack_jobs.pack_json(pack)
    db.session.commit()
    return jsonify(body), 202


@endpoint(api_bp, "/review-packs/<id:pack_id>", "GET", operation_id="getReviewPack",
          summary="A review pack's status and progress", tag="review", responses={200: PACK, 404: ERROR})
def get_review_pack(pack_id: int) -> ResponseReturnValue:
    return jsonify(pack_jobs.pack_json(pack_jobs.get_pack(by=api_user(), pack_id=pack_id)))


@endpoint(api_bp, "/review-packs/<id:pack_id>/file", "GET", operation_id="downloadReviewPack",
          summary="The review pack's ZIP once it is ready (409 before)", tag="review",
          responses={200: {"type": "string", "format": "binary"}, 404: ERROR, 409: ERROR},
          content_type="application/octet-stream")  # a ZIP (application/zip); declared as bytes for generators
def download_review_pack(pack_id: int) -> Response:
    pack = pack_jobs.ready(pack_jobs.get_pack(by=api_user(), pack_id=pack_id))
    return pack_response(pack)
