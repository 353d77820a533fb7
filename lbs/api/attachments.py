"""Attachments: upload to a decision, list a decision's, download one (``docs/attachments.md``)."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.frame import WRITERS, ApiError, api_user, endpoint
from lbs.api.schemas import ERROR, TIME, component, list_component, obj
from lbs.database import lock_at_first_write
from lbs.decisions import attachments, reads
from lbs.decisions.downloads import attachment_response
from lbs.extensions import db

ATTACHMENT = component("Attachment", obj({
    "id": {"type": "integer"}, "decision_id": {"type": "integer"}, "filename": {"type": "string"},
    "content_type": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"},
    "description": {"type": ["string", "null"]}, "uploaded_at": TIME, "uploaded_by": {"type": ["integer", "null"]},
}))
UPLOAD = component("AttachmentUpload", obj(
    {"file": {"type": "string", "format": "binary"}, "description": {"type": "string", "maxLength": 10_000}},
    required=["file"]))
# The multipart body around a file of the largest size allowed.
MAX_REQUEST = attachments.MAX_BYTES + 256 * 1024


@endpoint(api_bp, "/decisions/<id:decision_id>/attachments", "POST", operation_id="attachFile",
          summary="Attach a file to the current version of a decision (multipart: file, description)",
          tag="attachments", roles=WRITERS, request_schema=UPLOAD, request_content_type="multipart/form-data",
          max_body=MAX_REQUEST,
          responses={201: ATTACHMENT, 400: ERROR, 404: ERROR, 409: ERROR, 413: ERROR, 415: ERROR, 422: ERROR})
@lock_at_first_write
def attach_file(decision_id: int) -> ResponseReturnValue:
    decision = reads.get_decision(decision_id)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send the file as multipart/form-data with the field 'file'")
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "invalid attachment", {"file": ["is required"]})
    done = attachments.attach(decision=decision, upload=attachments.Upload(upload.filename or "", upload.stream),
                              description=request.form.get("description"), by=api_user())
    body = attachments.attachment_json(done)
    db.session.commit()
    return jsonify(body), 201


@endpoint(api_bp, "/decisions/<id:decision_id>/attachments", "GET", operation_id="listAttachments",
          summary="A decision's attachments, oldest first", tag="attachments",
          responses={200: list_component("AttachmentList", ATTACHMENT), 404: ERROR})
def list_attachments(decision_id: int) -> ResponseReturnValue:
    decision = reads.get_decision(decision_id)
    found = attachments.attachments_of([decision.id])[decision.id]
    return jsonify([attachments.attachment_json(a) for a in found])


@endpoint(api_bp, "/attachments/<id:attachment_id>", "GET", operation_id="downloadAttachment",
          summary="An attachment's bytes as uploaded (always as a download)", tag="attachments",
          responses={200: {"type": "string", "format": "binary"}, 404: ERROR}, content_type="application/octet-stream")
def download_attachment(attachment_id: int) -> Response:
    return attachment_response(attachments.get_attachment(attachment_id))
