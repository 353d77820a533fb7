"""HTML for admin only: the users (edit a user's e-mail address), their API tokens (revoke one) and the mail
outbox (counts, the worker's last round, failed mails with a retry, the latest mails). Every other role gets
403."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs.admin import services
from lbs.admin.forms import EmailForm
from lbs.auth import services as auth_services
from lbs.auth.permissions import Action, permission_required
from lbs.errors import DomainError, NotFound
from lbs.forms import EmptyForm
from lbs.navigation import ROLE_LABELS
from lbs.notifications.models import MailStatus
from lbs.timeutil import utcnow
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission_required(Action.USERS_ADMIN)
def index() -> WerkzeugResponse:
    return redirect(url_for("admin.users"))


@bp.get("/users")
@permission_required(Action.USERS_ADMIN)
def users() -> str:
    return render_template("admin/users.html", users=services.list_users(), role_labels=ROLE_LABELS)


def _email_page(user_id: int, form: EmailForm, status: int = 200) -> ResponseReturnValue:
    user = load_or_404(lambda: services.get_user(user_id))
    return render_template("admin/user_email.html", user=user, form=form), status


@bp.get("/users/<id:user_id>/email")
@permission_required(Action.USERS_ADMIN)
def edit_email(user_id: int) -> ResponseReturnValue:
    user = load_or_404(lambda: services.get_user(user_id))
    return _email_page(user_id, EmailForm(data={"email": user.email or ""}))


@bp.post("/users/<id:user_id>/email")
@permission_required(Action.USERS_ADMIN)
def save_email(user_id: int) -> ResponseReturnValue:
    form = EmailForm()
    if not form.validate_on_submit():
        return _email_page(user_id, form, 422)

    def _invalid(exc: DomainError) -> None:
        form.email.errors = [*form.email.errors, _("Enter a valid e-mail address, e.g. name@example.dk.")]

    write = FormWrite(form, on_error=_invalid, leave=(NotFound,))
    with write:
        user = services.set_email(user_id=user_id, email=form.email.data, by=acting_user())
    if isinstance(write.error, NotFound):
        abort(404)
    if not write.ok:
        return _email_page(user_id, form, 422)
    flash(_("The e-mail address of %(user)s is saved.", user=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
@permission_required(Action.USERS_ADMIN)
def outbox() -> str:
    return render_template("admin/outbox.html", outbox=services.outbox(), statuses=list(MailStatus),
                           form=EmptyForm())


@bp.post("/outbox/<id:mail_id>/retry")
@permission_required(Action.USERS_ADMIN)
def retry(mail_id: int) -> WerkzeugResponse:
    write = FormWrite(on_error=lambda exc: flash(_("Only a failed mail can be tried again."), "error"),
                      leave=(NotFound,))
    with write:
        services.retry_mail(mail_id=mail_id, by=acting_user())
    if isinstance(write.error, NotFound):
        abort(404)
    if write.ok:
        flash(_("The mail is due again: the worker sends it on its next round."), "success")
    return redirect(url_for("admin.outbox"))


@bp.get("/tokens")
@permission_required(Action.USERS_ADMIN)
def tokens() -> str:
    return render_template("admin/tokens.html", tokens=auth_services.list_tokens(), now=utcnow(), form=EmptyForm())


@bp.post("/tokens/<id:token_id>/revoke")
@permission_required(Action.USERS_ADMIN)
def revoke_token(token_id: int) -> WerkzeugResponse:
    write = FormWrite(leave=(NotFound,))
    shown: dict[str, str] = {}
    with write:
        token = auth_services.revoke_token(token_id=token_id, by=acting_user())
        shown = {"prefix": token.prefix, "user": token.user.username}
    if isinstance(write.error, NotFound):
        abort(404)
    if write.ok:
        flash(_("The token %(prefix)s… of %(user)s is revoked.", **shown), "success")
    return redirect(url_for("admin.tokens"))
