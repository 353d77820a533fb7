"""HTML: proposals (beslutningsforslag) for police and admin — propose, follow the requests, decide, withdraw,
ask one more party; and asking a party about a logged decision from the decision page.

Thin views over :mod:`lbs.hearing.proposals` and :mod:`lbs.hearing.deciding`: form → one service call inside
:class:`lbs.web.FormWrite` → flash → redirect. The services answer in English; the pages in Danish
(:func:`lbs.hearing.forms.danish`, and a message of their own for each refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lbs.auth.permissions import Action, can, permission_required
from lbs.consultation.forms import AskForm
from lbs.consultation.hearings import Proposal, ProposalStatus
from lbs.crumbs import Crumb, incident_steps, trail
from lbs.database import lock_at_first_write
from lbs.decisions import reads as decision_reads
from lbs.decisions.models import Decision
from lbs.decisions.scope import current_scope
from lbs.errors import Conflict, DomainError
from lbs.formatting import dt_input
from lbs.hearing import deciding, pages, proposals, reads
from lbs.hearing.forms import DecideForm, ProposalForm, WithdrawForm, place_errors
from lbs.incidents.models import Incident, IncidentStatus
from lbs.incidents.views import incident_or_404
from lbs.timeutil import utcnow
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("proposals", __name__)


def _proposal(proposal_id: int) -> Proposal:
    return load_or_404(lambda: reads.get_proposal(proposal_id))


def _closed(incident: Incident) -> bool:
    return incident.status is IncidentStatus.CLOSED


@bp.get("/incidents/<id:incident_id>/proposals")
@permission_required(Action.READ)
def index(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    return render_template("hearing/index.html", incident=incident, rows=pages.proposal_rows(incident.id),
                           status_labels=pages.PROPOSAL_STATUS,
                           can_write=can(acting_user(), Action.DECISION_WRITE) and not _closed(incident))


# ------------------------------------------------------------------ proposing


def _render_new(form: ProposalForm, incident: Incident, status: int = 200) -> ResponseReturnValue:
    return render_template("hearing/new.html", form=form, incident=incident,
                           panel_url=url_for("consultation.required_panel", incident_id=incident.id)), status


@bp.route("/incidents/<id:incident_id>/proposals/new", methods=["GET", "POST"])
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def new(incident_id: int) -> ResponseReturnValue:
    incident = incident_or_404(incident_id)
    if _closed(incident):
        flash(_("The incident is closed: no more decisions can be proposed."), "error")
        return redirect(url_for("incidents.show", incident_id=incident.id))
    form = ProposalForm()
    again = form.is_submitted() and form.redisplay(request.values)  # a row added, the language switched
    form.fill_choices()
    if not form.is_submitted() or again:
        return _render_new(form, incident)
    if form.validate():
        fields = form.draft_fields()
        write = FormWrite(fields, on_error=place_errors(
            fields, fallback=form.title, message=_("The incident is closed: no more decisions can be proposed.")))
        with write:
            proposal = proposals.propose(incident=incident, data=form.body(), by=acting_user())
        if write.ok:
            flash(_("Proposal saved; the required parties have been asked."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return _render_new(form, incident, 422)


# ------------------------------------------------------------------ the proposal page


def _forms(proposal: Proposal, **given: Any) -> dict[str, Any]:
    """The page's forms for police and admin on an open proposal in an active incident (none otherwise):
    those given (with their errors) and new ones."""
    incident = incident_or_404(proposal.incident_id)
    if (proposal.status is not ProposalStatus.OPEN or _closed(incident)
            or not can(acting_user(), Action.DECISION_WRITE)):
        return {}
    now = utcnow()
    decide_form = given.get("decide_form")
    if decide_form is None:
        decide_form = DecideForm(formdata=None)
        decide_form.decided_at.data = dt_input(now)
    return {"decide_form": decide_form.fill_people(now),
            "withdraw_form": given.get("withdraw_form") or WithdrawForm(formdata=None),
            "ask_form": given.get("ask_form") or AskForm(formdata=None).fill_parties()}


def _render_show(proposal: Proposal, status: int = 200, **given: Any) -> ResponseReturnValue:
    incident = incident_or_404(proposal.incident_id)
    shown = pages.proposal_page(proposal, utcnow(), current_scope())
    crumbs = trail(*incident_steps(incident),
                   Crumb(_("Proposals"), url_for("proposals.index", incident_id=incident.id)),
                   current=_("Proposal: %(title)s", title=proposal.title))
    return render_template("hearing/show.html", incident=incident, crumbs=crumbs, **shown,
                           **_forms(proposal, **given)), status


@bp.get("/proposals/<id:proposal_id>")
@permission_required(Action.READ)
def show(proposal_id: int) -> ResponseReturnValue:
    return _render_show(_proposal(proposal_id))


def _refused(proposal: Proposal) -> Callable[[DomainError], None]:
    """Flash why a write on the proposal was refused (409) in Danish; the page is shown again."""
    def place(exc: DomainError) -> None:
        if not isinstance(exc, Conflict):
            flash(_("The proposal could not be changed."), "error")
        elif proposal.status is not ProposalStatus.OPEN:  # read afresh: the write was rolled back
            flash(_("The proposal has already been decided or withdrawn: it can no longer be changed."), "error")
        elif _closed(incident_or_404(proposal.incident_id)):
            flash(_("The incident is closed: reopen it first."), "error")
        else:
            flash(_("This party already has an open request."), "error")
    return place


def _on_error(proposal: Proposal, form: Any) -> Callable[[DomainError], None]:
    """Field errors in Danish on the form's fields; a refusal flashed."""
    fields, refused = place_errors(form), _refused(proposal)

    def place(exc: DomainError) -> None:
        if any(getattr(form, name, None) is not None for name in exc.fields):
            fields(exc)
        else:
            refused(exc)
    return place


@bp.post("/proposals/<id:proposal_id>/decide")
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def decide(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal(proposal_id)
    form = DecideForm()
    body = form.to_body() if form.validate_on_submit() else None
    if body is not None:
        write = FormWrite(form, on_error=_on_error(proposal, form))
        with write:
            decision = deciding.decide(proposal=proposal, data=body, by=acting_user()).decision
        if write.ok:
            flash(_("Decision %(number)s logged from the proposal; the answers are its consultations.",
                    number=decision.number), "success")
            return redirect(url_for("decisions.show", decision_id=decision.id))
    return _render_show(_proposal(proposal_id), 422, decide_form=form)


@bp.post("/proposals/<id:proposal_id>/withdraw")
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def withdraw(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal(proposal_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        write = FormWrite(form, on_error=_on_error(proposal, form))
        with write:
            proposals.withdraw(proposal=proposal, data={"reason": form.reason.data}, by=acting_user())
        if write.ok:
            flash(_("The proposal was withdrawn; its open requests are withdrawn too."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return _render_show(_proposal(proposal_id), 422, withdraw_form=form)


@bp.post("/proposals/<id:proposal_id>/requests")
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def ask(proposal_id: int) -> ResponseReturnValue:
    proposal = _proposal(proposal_id)
    form = AskForm().fill_parties()
    body = form.to_body() if form.validate_on_submit() else None
    if body is not None:
        write = FormWrite(form, on_error=_on_error(proposal, form))
        with write:
            asked = proposals.ask_on_proposal(proposal=proposal, data=body, by=acting_user())
        if write.ok:
            flash(_("%(party)s has been asked.", party=asked.party.name), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return _render_show(_proposal(proposal_id), 422, ask_form=form)


# ------------------------------------------------------------------ asking about a logged decision


def _decision_refused(decision: Decision) -> Callable[[DomainError], None]:
    def place(exc: DomainError) -> None:
        current = decision_reads.current_version(decision)
        if _closed(incident_or_404(decision.incident_id)):
            flash(_("The incident is closed: reopen it to ask a party."), "error")
        elif current.id != decision.id:
            flash(_("Decision %(number)s has been amended: ask about the current version, decision %(current)s.",
                    number=decision.number, current=current.number), "error")
        else:
            flash(_("This party already has an open request."), "error")
    return place


@bp.post("/decisions/<id:decision_id>/requests")
@permission_required(Action.DECISION_WRITE)
@lock_at_first_write
def ask_decision(decision_id: int) -> ResponseReturnValue:
    decision = load_or_404(lambda: decision_reads.get_decision(decision_id))
    form = AskForm().fill_parties()
    body = form.to_body() if form.validate_on_submit() else None
    if body is not None:
        fields, refused = place_errors(form), _decision_refused(decision)
        write = FormWrite(form, on_error=lambda exc: fields(exc) if exc.fields else refused(exc))
        with write:
            asked = proposals.ask_on_decision(decision=decision, data=body, by=acting_user())
        if write.ok:
            flash(_("%(party)s has been asked; the answer will be added to decision %(number)s.",
                    party=asked.party.name, number=decision.number), "success")
            return redirect(url_for("decisions.show", decision_id=decision.id))
        if isinstance(write.error, Conflict):
            return redirect(url_for("decisions.show", decision_id=decision.id))
    return render_template("hearing/ask_decision.html", decision=decision, ask_form=form), 422
