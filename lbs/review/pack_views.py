"""The review pack on the review page: ask for it, follow its progress, download it (and its PDF) when the
worker has built it. Nothing here builds a pack: a request only queues one (:mod:`lbs.review.pack_jobs`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs.auth.permissions import Action, permission_required
from lbs.extensions import db
from lbs.forms import EmptyForm
from lbs.review import pack_jobs
from lbs.review.access import get_incident_for
from lbs.review.pack_download import pack_response
from lbs.review.pack_models import PackStatus, ReviewPack
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("packs", __name__, url_prefix="/review")


def _to_pack_section(incident_id: int) -> WerkzeugResponse:
    return redirect(url_for("review.incident", incident_id=incident_id) + "#pack")


@bp.post("/incidents/<id:incident_id>/pack")
@permission_required(Action.READ)
def request_pack(incident_id: int) -> WerkzeugResponse:
    """Queue the incident's pack as it stands (or find the one already asked for) and show its progress."""
    load_or_404(lambda: get_incident_for(acting_user(), incident_id))
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _to_pack_section(incident_id)
    write = FormWrite()
    with write:
        pack = pack_jobs.request_pack(by=acting_user(), incident_id=incident_id)
    if write.ok and pack.status is PackStatus.READY:
        flash(_("The review pack is ready."), "success")
    elif write.ok:
        flash(_("The review pack is being built. This page shows when it is ready."), "success")
    return _to_pack_section(incident_id)


@bp.get("/packs/<id:pack_id>/status")
@permission_required(Action.READ)
def status(pack_id: int) -> dict[str, Any]:
    """The pack's status and progress for the review page's script."""
    pack = load_or_404(lambda: pack_jobs.get_pack(by=acting_user(), pack_id=pack_id))
    return {"status": pack.status.value, "progress": pack.progress}


def _ready(pack: ReviewPack | None, incident_id: int) -> ReviewPack | WerkzeugResponse:
    if pack is not None and pack.status is PackStatus.READY:
        return pack
    flash(_("The review pack is not built yet: ask for it below, and download it when it is ready."), "error")
    return _to_pack_section(incident_id)


def _serve(pack_id: int, respond: Callable[[ReviewPack], Response]) -> Response | WerkzeugResponse:
    pack = load_or_404(lambda: pack_jobs.get_pack(by=acting_user(), pack_id=pack_id))
    found = _ready(pack, pack.incident_id)
    return respond(found) if isinstance(found, ReviewPack) else found


@bp.get("/packs/<id:pack_id>/pack.zip")
@permission_required(Action.READ)
def download(pack_id: int) -> Response | WerkzeugResponse:
    return _serve(pack_id, pack_response)


@bp.get("/packs/<id:pack_id>/review.pdf")
@permission_required(Action.READ)
def download_pdf(pack_id: int) -> Response | WerkzeugResponse:
    return _serve(pack_id, pdf_response)


@bp.get("/incidents/<id:incident_id>/pack.zip")
@permission_required(Action.READ)
def current(incident_id: int) -> Response | WerkzeugResponse:
    """The pack of the incident as it stands, when it has been built."""
    incident = load_or_404(lambda: get_incident_for(acting_user(), incident_id))
    found = _ready(pack_jobs.current_pack(by=acting_user(), incident=incident), incident_id)
    return pack_response(found, f"gennemgang-haendelse-{incident_id}.zip") if isinstance(found, ReviewPack) else found


@bp.get("/incidents/<id:incident_id>/review.pdf")
@permission_required(Action.READ)
def current_pdf(incident_id: int) -> Response | WerkzeugResponse:
    """The report of the pack of the incident as it stands, when it has been built."""
    incident = load_or_404(lambda: get_incident_for(acting_user(), incident_id))
    found = _ready(pack_jobs.current_pack(by=acting_user(), incident=incident), incident_id)
    return pdf_response(found) if isinstance(found, ReviewPack) else found


def pdf_response(pack: ReviewPack) -> Response:
    """The pack's ``review.pdf``, read out of the stored ZIP."""
    data = pack_jobs.member_bytes(pack, "review.pdf")
    db.session.rollback()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="gennemgang-haendelse-{pack.incident_id}.pdf"'
    return response

