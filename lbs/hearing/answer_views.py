"""HTML: the answering side of a hearing — the user's consultation requests, one request's page with the
answer form, and the answer itself (given once, signed, never changed).

Police and admin see every request; a municipality user those to their municipality's parties (another
municipality's request: 403); a reviewer answers nothing (the list says so; a request page is 403). The answer
form is shown only to a user who may answer for the request's party (:func:`lbs.hearing.reads.may_answer`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs.auth.models import Role
from lbs.auth.permissions import Action, permission_required
from lbs.consultation.hearings import ConsultationRequest, RequestStatus
from lbs.crumbs import Crumb, trail
from lbs.database import lock_at_first_write
from lbs.errors import Conflict, DomainError, Forbidden
from lbs.extensions import db
from lbs.hearing import answers, reads, request_page
from lbs.hearing.answer_forms import GIVEN, AnswerForm
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("answers", __name__)


def _request_or_404(request_id: int) -> ConsultationRequest:
    """The request, when the user may see it (404 when there is none, 403 when it is not theirs)."""
    found = load_or_404(lambda: reads.get_request(request_id))
    load_or_404(lambda: request_page.check_may_view(acting_user(), found))
    return found


@bp.get("/consultation-requests")
@permission_required(Action.READ)
def index() -> str:
    user = acting_user()
    reviewer = user.role is Role.REVIEWER
    found = [] if reviewer else request_page.rows(reads.requests_for(user))
    waiting = [row for row in found if row.request.status is RequestStatus.OPEN]
    closed = [row for row in found if row.request.status is not RequestStatus.OPEN]
    return render_template("hearing/requests_index.html", open_rows=waiting, closed_rows=closed, reviewer=reviewer,
                           municipal=user.role is Role.MUNICIPALITY)


def _page(asked: ConsultationRequest, form: AnswerForm | None, status: int = 200) -> ResponseReturnValue:
    page = request_page.request_page(asked, acting_user())
    if form is None and page.answerable:
        form = AnswerForm(formdata=None)
    crumbs = trail(Crumb(_("Hearings"), url_for("answers.index")),
                   current=_("Consultation request: %(title)s", title=page.subject.title))
    return render_template("hearing/request_show.html", page=page, form=form if page.answerable else None,
                           given=GIVEN, crumbs=crumbs), status


@bp.get("/consultation-requests/<id:request_id>")
@permission_required(Action.READ)
def show(request_id: int) -> ResponseReturnValue:
    return _page(_request_or_404(request_id), None)


def _flash_conflict(asked: ConsultationRequest) -> None:
    """Why the answer was refused (409), in words: the request was answered or withdrawn meanwhile, or the
    decision's incident is closed."""
    db.session.refresh(asked)
    if asked.status is RequestStatus.ANSWERED:
        flash(_("The request has already been answered. An answer is given once and never changed."), "error")
    elif asked.status is RequestStatus.WITHDRAWN:
        flash(_("The request has been withdrawn: it can no longer be answered."), "error")
    else:
        flash(_("The incident is closed: the answer cannot be recorded."), "error")


def _place_error(form: AnswerForm, exc: DomainError) -> None:
    """A refused answer's field errors, in Danish (the service's are English)."""
    if "outcome" in exc.fields:
        form.outcome.errors = [*form.outcome.errors, _("Choose your answer.")]
    if "comment" in exc.fields:
        form.comment.errors = [*form.comment.errors,
                               _("Write a comment: it is required with a reservation or an objection.")]
    if not exc.fields:
        flash(_("The answer could not be recorded."), "error")


@bp.post("/consultation-requests/<id:request_id>/answer")
@permission_required(Action.READ)
@lock_at_first_write
def answer(request_id: int) -> ResponseReturnValue | WerkzeugResponse:
    asked = load_or_404(lambda: reads.get_request(request_id))
    user = acting_user()
    load_or_404(lambda: answers.check_may_answer(user, asked))
    back = url_for("answers.show", request_id=asked.id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _page(asked, form, 422)
    write = FormWrite(form, on_error=lambda exc: _place_error(form, exc), leave=(Conflict, Forbidden))
    with write:
        answers.answer(request=asked, data=form.to_body(), by=user)
    if write.ok:
        flash(_("Your answer has been recorded."), "success")
        return redirect(back)
    if isinstance(write.error, Conflict):
        _flash_conflict(asked)
        return redirect(back)
    if isinstance(write.error, Forbidden):
        abort(403)
    return _page(asked, form, 422)
