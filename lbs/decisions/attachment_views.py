"""HTML: attach files on a decision's page, download an attachment, preview an image attachment.

The API (:mod:`lbs.api.attachments`) takes one file a request; the page takes several in one submit, each
stored as an attachment of its own, all or nothing. Reads follow the read scope: ``attachment_id`` and
``decision_id`` in the URL are checked by :func:`lbs.decisions.scope.guard` before the view runs.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import RequestEntityTooLarge

from lbs.auth.permissions import Action, permission_required
from lbs.database import lock_at_first_write
from lbs.decisions import attachments, reads
from lbs.decisions.attachment_forms import MAX_FILES_BODY, AttachForm, attach_all
from lbs.decisions.downloads import attachment_response
from lbs.decisions.sniff import IMAGES
from lbs.decisions.views import bp as decisions_bp
from lbs.decisions.views import render_show
from lbs.web import MAX_BODY, FormWrite, accepts_body_of, acting_user, load_or_404

bp = Blueprint("attachments", __name__)


@bp.post("/decisions/<id:decision_id>/attachments")
@permission_required(Action.DECISION_WRITE)
@accepts_body_of(MAX_FILES_BODY)
@lock_at_first_write
def attach(decision_id: int) -> ResponseReturnValue:
    """Attach the chosen files (one or more) to the decision, all or nothing.

    One submit may carry up to four files of the largest size allowed (25 MB each, the body limit is
    :data:`MAX_FILES_BODY`); more than that in one go is refused whole with a readable 413 page (send them in
    a few submits). Werkzeug spools each file to disk, and the service reads it 1 MiB at a time. A refused file
    (wrong type, empty, too large, a name that cannot be stored, an amended decision) is a form error on the
    file field naming the file, with status 422, and nothing is stored.
    """
    decision = load_or_404(lambda: reads.get_decision(decision_id))
    form = AttachForm()
    if form.validate():
        write = FormWrite(form)
        with write:
            done = attach_all(decision, form.chosen(), form.description.data, acting_user())
        if write.ok:
            flash(ngettext("%(num)d file attached to decision %(number)s.",
                           "%(num)d files attached to decision %(number)s.", len(done), number=decision.number),
                  "success")
            return redirect(url_for("decisions.show", decision_id=decision.id, _anchor="attachments"))
    return render_show(decision, attach_form=form, status=422)


@bp.get("/attachments/<id:attachment_id>")
@permission_required(Action.READ)
def download(attachment_id: int) -> Response:
    """The bytes as uploaded, always as a download (``Content-Disposition: attachment``, ``nosniff``)."""
    return attachment_response(load_or_404(lambda: attachments.get_attachment(attachment_id)))


@bp.get("/attachments/<id:attachment_id>/preview")
@permission_required(Action.READ)
def preview(attachment_id: int) -> Response:
    """A PNG or JPEG inline, for the ``<img>`` on the decision page; any other type is not previewed (404)."""
    found = load_or_404(lambda: attachments.get_attachment(attachment_id))
    if found.content_type not in IMAGES:
        abort(404)
    return attachment_response(found, inline=True)


def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over the limit on a form that takes files: a page saying what the limits are (nothing stored);
    on the blueprints' other forms the app's usual page."""
    if getattr(current_app.view_functions.get(request.endpoint or ""), MAX_BODY, None) is None:
        body = render_template("errors/error.html", title=_("Request too large"), code=413)
        return Response(body, status=413, mimetype="text/html")
    decision_id = (request.view_args or {}).get("decision_id")
    incident_id = (request.view_args or {}).get("incident_id")
    if decision_id:
        back = url_for("decisions.show", decision_id=decision_id, _anchor="attachments")
    elif incident_id:
        back = url_for("incidents.show", incident_id=incident_id)
    else:
        back = url_for("main.index")
    body = render_template("decisions/too_large.html", back=back)
    return Response(body, status=413, mimetype="text/html")


# The page's upload form and the decision form (which may carry files too).
bp.register_error_handler(RequestEntityTooLarge, _too_large)
decisions_bp.register_error_handler(RequestEntityTooLarge, _too_large)
