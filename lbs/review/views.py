"""The after-incident review pages: search across incidents, the review of one incident, findings,
sign-off and the downloads (pack ZIP, PDF, findings CSV)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from lbs import labels
from lbs.auth.permissions import Action, can, permission_required
from lbs.consultation.facts import DecisionType
from lbs.converters import form_id, query_number
from lbs.decisions.attachment_forms import size_text
from lbs.decisions.attachment_texts import broken_attachment_message
from lbs.decisions.scope import current_scope
from lbs.errors import DomainError
from lbs.extensions import db
from lbs.forms import EmptyForm, choices
from lbs.incidents.models import Incident, IncidentKind
from lbs.review import findings, hearings, integrity, pack, pack_jobs, page, search, signing, signoff, timeline
from lbs.review.access import get_incident_for
from lbs.review.forms import FindingForm, SearchForm, SignOffForm
from lbs.review.labels import labels_context
from lbs.review.pack_download import pack_response
from lbs.review.pack_models import PackStatus
from lbs.review.rows import DecisionReview
from lbs.timeutil import local_zone, utcnow
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.record_once
def _register_label_globals(state: Any) -> None:
    """The label helpers as Jinja globals (also visible inside imported macros and the PDF template)."""
    state.app.jinja_env.globals.update(labels_context())


def _incident(incident_id: int) -> Incident:
    return load_or_404(lambda: get_incident_for(acting_user(), incident_id))


def _search_form() -> SearchForm:
    form = SearchForm(request.args)
    every = [("", _("All"))]
    options = search.filter_options(acting_user())
    form.kind.choices = choices(every + [(k.value, labels.label_of(labels.INCIDENT_KIND, k)) for k in IncidentKind])
    form.decision_type.choices = choices(
        every + [(t.value, labels.label_of(labels.DECISION_TYPE, t)) for t in DecisionType])
    form.municipality.choices = choices(every + [(m.code, f"{m.name} ({m.code})") for m in options.municipalities])
    form.staff.choices = choices(every + [(code, code) for code in options.staff_codes])
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
        page_number = max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        page_number = 1
    result = None
    if valid:
        filters = search.SearchFilter(
            text=(form.q.data or "").strip() or None,
            kind=IncidentKind(form.kind.data) if form.kind.data else None,
            decision_type=DecisionType(form.decision_type.data) if form.decision_type.data else None,
            municipality=form.municipality.data or None, staff=form.staff.data or None,
            date_from=_local_bound(form.date_from.data, end=False), date_to=_local_bound(form.date_to.data, end=True),
            missing_only=bool(form.missing_only.data), disputed_only=bool(form.disputed_only.data),
        )
        result = search.search(user=acting_user(), filters=filters, page=page_number)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("review/index.html", form=form, result=result, args=args)


def _finding_form(inc: Incident, rows: list[DecisionReview]) -> FindingForm:
    """The finding form; "concerns" offers the incident and the decisions on the page shown (a posted
    decision of the incident is accepted from any page)."""
    form = FindingForm()
    decisions = [(r.decision.id, r.decision.number, r.decision.title) for r in rows]
    posted = request.form.get("decision", "") if request.method == "POST" else ""
    posted_id = form_id(posted)
    if posted_id is not None and posted_id not in {d[0] for d in decisions}:
        found = findings.decision_choice(inc, posted_id)
        if found is not None:
            decisions.append((found.id, found.number, found.title))
    form.decision.choices = choices([("", _("The incident as a whole"))] + [
        (decision_id, _("Decision %(n)d: %(title)s", n=number, title=title))
        for decision_id, number, title in decisions])
    form.owner_organisation.choices = choices([("", _("None"))] + [
        (o.id, o.name) for o in findings.owner_organisations()])
    return form


def _render_incident(inc: Incident, finding_form: FindingForm | None = None,
                     sign_off_form: SignOffForm | None = None, status: int = 200) -> Any:
    missing_only = request.args.get("missing") == "1"
    now = utcnow()
    scope = current_scope()
    summary = page.summary(inc, now=now, scope=scope)
    decisions = page.decision_page(inc, after=query_number("after", 0), missing_only=missing_only, now=now,
                                   summary=summary, scope=scope)
    writer = can(acting_user(), Action.REVIEW_WRITE)
    current_pack = pack_jobs.current_pack(by=acting_user(), incident=inc)
    sign_off_form = sign_off_form or (SignOffForm() if writer else None)
    if sign_off_form is not None and current_pack is not None and current_pack.status is PackStatus.READY:
        sign_off_form.pack.data = str(current_pack.id)
    body = render_template(
        "review/incident.html", review=summary, decisions=decisions, missing_only=missing_only,
        timeline=timeline.for_page(decisions), writer=writer, verify_form=EmptyForm(),
        hearing=hearings.hearing_review(inc.id, now=now),
        finding_form=finding_form or (_finding_form(inc, decisions.rows) if writer else None),
        signed_packs=scope.everything, signing_fingerprint=signing.instance_public_key().fingerprint,
        sign_off_form=sign_off_form, pack=current_pack, pack_form=EmptyForm(),
        pack_size=size_text(current_pack.size or 0) if current_pack is not None else None,
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
    if not form.validate_on_submit():
        return _render_incident(inc, finding_form=form, status=422)
    write = FormWrite(form, fields={"owner": "owner_text"})
    with write:
        findings.add_finding(
            by=acting_user(), incident=inc, observation=form.observation.data or "",
            recommendation=form.recommendation.data, owner_text=form.owner_text.data,
            owner_organisation_id=int(form.owner_organisation.data) if form.owner_organisation.data else None,
            decision_id=int(form.decision.data) if form.decision.data else None,
        )
    if not write.ok:
        return _render_incident(inc, finding_form=form, status=422)
    flash(_("The finding was added."), "success")
    return redirect(url_for("review.incident", incident_id=inc.id) + "#findings")


@bp.post("/incidents/<id:incident_id>/sign-off")
@permission_required(Action.REVIEW_WRITE)
def sign_off(incident_id: int) -> Any:
    inc = _incident(incident_id)
    form = SignOffForm()
    if not form.validate_on_submit():
        return _render_incident(inc, sign_off_form=form, status=422)
    write = FormWrite(form, on_error=lambda exc: _sign_off_error(form, exc))
    with write:
        record = signoff.sign_off(by=acting_user(), incident=inc, comment=form.comment.data,
                                  pack_id=form_id(form.pack.data or ""))
    if not write.ok:
        return _render_incident(inc, sign_off_form=form, status=422)
    flash(_("The review was signed off. Pack SHA-256: %(sha)s", sha=record.pack_sha256), "success")
    return redirect(url_for("review.incident", incident_id=inc.id) + "#signoff")


def _sign_off_error(form: SignOffForm, exc: DomainError) -> None:
    """The form's own message when no ready pack of the record as it stands was signed (the rest as usual)."""
    if "pack" in exc.fields:
        form.submit.errors = [_("Build the review pack first (above): a sign-off refers to a ready pack of the "
                                "incident as it stands.") if not form.pack.data else
                              _("The incident's record changed after this pack was built: build the pack again "
                                "and sign that one.")]
    if "comment" in exc.fields:
        form.comment.errors = [*form.comment.errors, *exc.fields["comment"]]
    if not exc.fields:
        flash(exc.message, "error")


@bp.post("/incidents/<id:incident_id>/verify")
@permission_required(Action.READ)
def verify(incident_id: int) -> Any:
    """Verify the incident's hash chain now and store the result (shown on the review page)."""
    inc = _incident(incident_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    write = FormWrite()
    with write:
        check, result = integrity.verify_and_store(by=acting_user(), incident=inc)
    if write.ok and check.ok:
        flash(ngettext("The chain was verified: intact, %(num)d decision checked.",
                       "The chain was verified: intact, %(num)d decisions checked.", check.checked), "success")
    elif write.ok:
        named = broken_attachment_message(result.broken_attachment, result.first_broken)
        flash(_("The chain was verified: broken, first at decision %(n)s.", n=check.first_broken)
              + (" " + named if named else ""), "error")
    return redirect(url_for("review.incident", incident_id=inc.id) + "#integrity")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/incidents/<id:incident_id>/sign-offs/<id:sign_off_id>/pack.zip")
@permission_required(Action.READ_UNSCOPED)
def download_signed_pack(incident_id: int, sign_off_id: int) -> Response:
    """The pack a sign-off signed, byte for byte (its hash is the one signed). It holds every bearer's cost
    lines and cannot be narrowed without breaking that hash, so a municipality user is refused it (403, as any
    route of a refused role); their own pack is built for them from the review page."""
    inc = _incident(incident_id)
    found = load_or_404(lambda: signoff.signed_pack(incident=inc, sign_off_id=sign_off_id))
    name = f"gennemgang-haendelse-{incident_id}-godkendt-{sign_off_id}.zip"
    if isinstance(found, bytes):
        return _download(found, "application/zip", name)
    return pack_response(found, name)


@bp.get("/incidents/<id:incident_id>/findings.csv")
@permission_required(Action.READ)
def download_findings(incident_id: int) -> Response:
    rows = findings.list_findings(_incident(incident_id).id)
    return _download(pack.findings_csv(rows), "text/csv; charset=utf-8", f"fund-haendelse-{incident_id}.csv")
