"""The after-incident review pages: search across incidents, the review of one incident, findings,
sign-off and the downloads (pack ZIP, PDF, findings CSV)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, cast

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from lbs.auth.models import Role, User
from lbs.auth.permissions import Action, can, permission_required
from lbs.consultation.facts import DecisionType
from lbs.converters import form_id, query_number
from lbs.decisions.models import Decision
from lbs.errors import DomainError, Forbidden, NotFound
from lbs.extensions import db
from lbs.forms import EmptyForm, choices
from lbs.incidents.models import Incident, IncidentKind
from lbs.labels import label_of
from lbs.organisations.models import Municipality, Organisation
from lbs.review import pack, page, services, timeline
from lbs.review.forms import FindingForm, SearchForm, SignOffForm
from lbs.review.labels import DECISION_TYPES, INCIDENT_KINDS, labels_context
from lbs.staffs.models import Staff
from lbs.timeutil import local_zone, utcnow

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.record_once
def _register_label_globals(state: Any) -> None:
    """The label helpers as Jinja globals (also visible inside imported macros and the PDF template)."""
    state.app.jinja_env.globals.update(labels_context())


def _user() -> User:
    return cast(User, current_user)


def _incident(incident_id: int) -> Incident:
    try:
        return services.get_incident_for(_user(), incident_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


def _search_form() -> SearchForm:
    form = SearchForm(request.args)
    every = [("", _("All"))]
    form.kind.choices = choices(every + [(k.value, label_of(INCIDENT_KINDS, k)) for k in IncidentKind])
    form.decision_type.choices = choices(every + [(t.value, label_of(DECISION_TYPES, t)) for t in DecisionType])
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    if _user().role is Role.MUNICIPALITY:
        municipalities = [m for m in municipalities if m.code == _user().municipality_code]
    form.municipality.choices = choices(every + [(m.code, f"{m.name} ({m.code})") for m in municipalities])
    staffs = db.session.scalars(select(Staff).order_by(Staff.code)).all()
    form.staff.choices = choices(every + [(s.code, s.code) for s in staffs])
    return form


def _local_bound(day: Any, end: bool) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=local_zone())


@bp.get("/")
@permission_required(Action.READ)
def index() -> str:
    form = _search_form()
    valid = form.validate() if request.args else True
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    result = None
    if valid:
        filters = services.SearchFilter(
            text=(form.q.data or "").strip() or None,
            kind=IncidentKind(form.kind.data) if form.kind.data else None,
            decision_type=DecisionType(form.decision_type.data) if form.decision_type.data else None,
            municipality=form.municipality.data or None, staff=form.staff.data or None,
            date_from=_local_bound(form.date_from.data, end=False), date_to=_local_bound(form.date_to.data, end=True),
            missing_only=bool(form.missing_only.data), disputed_only=bool(form.disputed_only.data),
        )
        result = services.search(user=_user(), filters=filters, page=page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("review/index.html", form=form, result=result, args=args)


def _finding_form(inc: Incident, rows: list[services.DecisionReview]) -> FindingForm:
    """The finding form; "concerns" offers the incident and the decisions on the page shown (a posted
    decision of the incident is accepted from any page)."""
    form = FindingForm()
    decisions = [(r.decision.id, r.decision.number, r.decision.title) for r in rows]
    posted = request.form.get("decision", "") if request.method == "POST" else ""
    posted_id = form_id(posted)
    if posted_id is not None and posted_id not in {d[0] for d in decisions}:
        found = db.session.execute(select(Decision.id, Decision.number, Decision.title).where(
            Decision.id == posted_id, Decision.incident_id == inc.id)).first()
        if found is not None:
            decisions.append((found[0], found[1], found[2]))
    form.decision.choices = choices([("", _("The incident as a whole"))] + [
        (decision_id, _("Decision %(n)d: %(title)s", n=number, title=title))
        for decision_id, number, title in decisions])
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.owner_organisation.choices = choices([("", _("None"))] + [(o.id, o.name) for o in organisations])
    return form


def _render_incident(inc: Incident, finding_form: FindingForm | None = None,
                     sign_off_form: SignOffForm | None = None, status: int = 200) -> Any:
    missing_only = request.args.get("missing") == "1"
    now = utcnow()
    summary = page.summary(inc, now=now)
    decisions = page.decision_page(inc, after=query_number("after", 0), missing_only=missing_only, now=now,
                                   summary=summary)
    writer = can(_user(), Action.REVIEW_WRITE)
    body = render_template(
        "review/incident.html", review=summary, decisions=decisions, missing_only=missing_only,
        timeline=timeline.for_page(decisions), writer=writer, verify_form=EmptyForm(),
        finding_form=finding_form or (_finding_form(inc, decisions.rows) if writer else None),
        sign_off_form=sign_off_form or (SignOffForm() if writer else None),
    )
    return body, status


@bp.get("/incidents/<id:incident_id>")
@permission_required(Action.READ)
def incident(incident_id: int) -> Any:
    response = _render_incident(_incident(incident_id))
    db.session.commit()  # the summary cache, when it was (re)computed
    return response


@bp.post("/incidents/<id:incident_id>/findings")
@permission_required(Action.REVIEW_WRITE)
def add_finding(incident_id: int) -> Any:
    inc = _incident(incident_id)
    form = _finding_form(inc, [])
    if form.validate_on_submit():
        try:
            services.add_finding(
                by=_user(), incident=inc, observation=form.observation.data or "",
                recommendation=form.recommendation.data, owner_text=form.owner_text.data,
                owner_organisation_id=int(form.owner_organisation.data) if form.owner_organisation.data else None,
                decision_id=int(form.decision.data) if form.decision.data else None,
            )
        except DomainError as exc:
            db.session.rollback()
            for name, messages in exc.fields.items():
                target = {"owner": "owner_text"}.get(name, name)
                if target in form:
                    form[target].errors = [*form[target].errors, *messages]
            return _render_incident(inc, finding_form=form, status=422)
        db.session.commit()
        flash(_("The finding was added."), "success")
        return redirect(url_for("review.incident", incident_id=inc.id) + "#findings")
    return _render_incident(inc, finding_form=form, status=422)


@bp.post("/incidents/<id:incident_id>/sign-off")
@permission_required(Action.REVIEW_WRITE)
def sign_off(incident_id: int) -> Any:
    inc = _incident(incident_id)
    form = SignOffForm()
    if form.validate_on_submit():
        record = services.sign_off(by=_user(), incident=inc, comment=form.comment.data)
        db.session.commit()
        flash(_("The review was signed off. Pack SHA-256: %(sha)s", sha=record.pack_sha256), "success")
        return redirect(url_for("review.incident", incident_id=inc.id) + "#signoff")
    return _render_incident(inc, sign_off_form=form, status=422)


@bp.post("/incidents/<id:incident_id>/verify")
@permission_required(Action.READ)
def verify(incident_id: int) -> Any:
    """Verify the incident's hash chain now and store the result (shown on the review page)."""
    inc = _incident(incident_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    check = services.verify_and_store(by=_user(), incident=inc)
    db.session.commit()
    if check.ok:
        flash(ngettext("The chain was verified: intact, %(num)d decision checked.",
                       "The chain was verified: intact, %(num)d decisions checked.", check.checked), "success")
    else:
        flash(_("The chain was verified: broken, first at decision %(n)s.", n=check.first_broken), "error")
    return redirect(url_for("review.incident", incident_id=inc.id) + "#integrity")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/incidents/<id:incident_id>/pack.zip")
@permission_required(Action.READ)
def download_pack(incident_id: int) -> Response:
    review = services.incident_review(_incident(incident_id))
    return _download(pack.build_pack(review), "application/zip", f"gennemgang-haendelse-{incident_id}.zip")


@bp.get("/incidents/<id:incident_id>/sign-offs/<id:sign_off_id>/pack.zip")
@permission_required(Action.READ)
def download_signed_pack(incident_id: int, sign_off_id: int) -> Response:
    inc = _incident(incident_id)
    try:
        data = services.signed_pack(incident=inc, sign_off_id=sign_off_id)
    except NotFound:
        abort(404)
    return _download(data, "application/zip", f"gennemgang-haendelse-{incident_id}-godkendt-{sign_off_id}.zip")


@bp.get("/incidents/<id:incident_id>/review.pdf")
@permission_required(Action.READ)
def download_pdf(incident_id: int) -> Response:
    review = services.incident_review(_incident(incident_id))
    return _download(pack.render_pdf(review), "application/pdf", f"gennemgang-haendelse-{incident_id}.pdf")


@bp.get("/incidents/<id:incident_id>/findings.csv")
@permission_required(Action.READ)
def download_findings(incident_id: int) -> Response:
    review = services.incident_review(_incident(incident_id), check_integrity=False)
    return _download(pack.findings_csv(review), "text/csv; charset=utf-8", f"fund-haendelse-{incident_id}.csv")
