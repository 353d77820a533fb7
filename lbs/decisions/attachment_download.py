"""The HTML route of an attachment's download (signed-in users; the API's needs a token).

Always a download (:func:`lbs.decisions.downloads.attachment_response`); a municipality user reaches only
attachments of incidents affecting their municipality (the ``attachment_id`` in the URL is scope-checked,
:mod:`lbs.decisions.scope`)."""

from __future__ import annotations

from flask import Blueprint, Response

from lbs.auth.permissions import Action, permission_required
from lbs.decisions.attachments import get_attachment
from lbs.decisions.downloads import attachment_response
from lbs.web import load_or_404

bp = Blueprint("attachments", __name__)


@bp.get("/attachments/<id:attachment_id>")
@permission_required(Action.READ)
def download(attachment_id: int) -> Response:
    return attachment_response(load_or_404(lambda: get_attachment(attachment_id)))
