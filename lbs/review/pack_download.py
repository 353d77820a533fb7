"""A ready review pack as a download, streamed from its stored chunks."""

from __future__ import annotations

from flask import Response

from lbs.review import pack_jobs
from lbs.review.pack_models import ReviewPack


def pack_response(pack: ReviewPack, filename: str | None = None) -> Response:
    response = Response(pack_jobs.stream_chunks(pack.id), mimetype="application/zip")
    response.headers["Content-Length"] = str(pack.size or 0)
    name = filename or f"gennemgang-haendelse-{pack.incident_id}-pakke-{pack.id}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
