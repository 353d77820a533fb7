"""HTML views of the consultation graph: the graph page with its "why" view, the required-parties panel
of the decision form, compliance per incident (with CSV) and rule administration."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs import labels
from lbs.auth.permissions import Action, permission_required
from lbs.consultation import graph as g
from lbs.consultation import layout, services
from lbs.consultation.export import stream_compliance_csv
from lbs.consultation.facts import CostFact, DecisionFacts, DecisionType, Requirement
from lbs.consultation.forms import RuleForm, WhyForm
from lbs.converters import form_id, query_number
from lbs.decisions.models import Decision
from lbs.errors import DomainError, ValidationError
from lbs.extensions import db
from lbs.forms import EmptyForm
from lbs.incidents.models import Incident
from lbs.incidents.views import incident_or_404
from lbs.money import parse_money_form
from lbs.organisations import services as organisations
from lbs.timeutil import localize_strict, utcnow

bp = Blueprint("consultation", __name__, url_prefix="/consultation")

MODE_LABELS = labels.MODE
TIMING_LABELS = labels.TIMING
KIND_LABELS = {"condition": _l("Decision condition"), "police": _l("Police"), "municipality": _l("Municipality"),
               "region": _l("Region"), "fire_service": _l("Fire service"), "state_agency": _l("State agency"),
               "defence": _l("Defence"), "home_guard": _l("Home guard"), "other": _l("Other")}


# ------------------------------------------------------------------ the graph page


def _hypothetical_facts(form: WhyForm) -> DecisionFacts | None:
    if not form.why_type.data or not form.why_municipality.data:
        return None
    municipality = organisations.get_municipality(form.why_municipality.data)
    if municipality is None:
        return None
    costs: tuple[CostFact, ...] = ()
    if form.why_cost.data:
        try:
            amount = parse_money_form(form.why_cost.data)
        except (DomainError, ValueError):
            form.why_cost.errors = [_("Not an amount of money, e.g. 300.000,00")]
            return None
        costs = (CostFact(bearer_organisation_id=municipality.organisation_id, category="emergency_accommodation",
                          estimate_dkk=amount),)
    owner = form_id(form.why_owner.data) or municipality.organisation_id
    return DecisionFacts(at=utcnow(), staff="LBS-S", type=form.why_type.data, owner_organisation_id=owner,
                         municipalities=(municipality.code,), costs=costs, urgent=bool(form.why_urgent.data),
                         conditions={"vulnerable": bool(form.why_vulnerable.data)})


@bp.get("/")
@permission_required(Action.READ)
def graph() -> str:
    municipalities = organisations.list_municipalities()
    form = WhyForm(request.args, meta={"csrf": False})
    form.set_choices(municipalities, organisations.list_organisations())
    municipality = request.args.get("municipality") or None
    decision_type = request.args.get("type") or None
    if municipality not in {m.code for m in municipalities}:
        municipality = None
    if decision_type not in {t.value for t in DecisionType}:
        decision_type = None
    full = services.rule_graph()
    requirements: list[Requirement] = []
    subject = ""
    decision_id = request.args.get("decision", "")
    facts: DecisionFacts | None = None
    logged: Decision | None = None
    if form_id(decision_id) is not None:
        logged = db.session.get(Decision, form_id(decision_id))
        if logged is not None:
            facts = services.facts_of(logged)
            subject = _("Decision %(number)s: %(title)s", number=logged.number, title=logged.title)
    elif request.args.get("why_type"):
        facts = _hypothetical_facts(form)
        if facts is not None:
            subject = _("The decision described in the form")
    highlight: set[tuple[str, str]] = set()
    shown = full
    if facts is not None:
        known = facts
        requirements = (services.logged_requirements(logged, lambda: known) if logged is not None
                        else services.required_consultations(facts=facts))
        shown = services.rule_graph(at=facts.at)
        highlight = g.why_edges(requirements, shown)
        municipality = municipality or (facts.municipalities[0] if len(facts.municipalities) == 1 else None)
        decision_type = decision_type or facts.type
    keep = {n for edge in highlight for n in edge}
    drawing = layout.layered(layout.filter_graph(shown, municipality=municipality, decision_type=decision_type,
                                                 keep=keep), highlight)
    return render_template(
        "consultation/graph.html", drawing=drawing, form=form, municipalities=municipalities,
        types=[t.value for t in DecisionType], municipality=municipality, decision_type=decision_type,
        requirements=requirements, subject=subject, org_kinds=layout.ORG_KINDS,
        kind_labels=labels.translated(KIND_LABELS), layout=layout, mode_labels=labels.translated(MODE_LABELS),
        timing_labels=labels.translated(TIMING_LABELS), version=services.current_ruleset().version,
    )


# ------------------------------------------------------------------ the panel on the decision form


def _int(value: str | None) -> int | None:
    return form_id(value)


def facts_from_form(form: MultiDict[str, str], incident: Incident) -> DecisionFacts:
    """The facts of the decision being filled in (the decision form's field names), best effort."""
    at = utcnow()
    raw_at = form.get("decided_at", "")
    if raw_at:
        try:
            at = localize_strict(datetime.fromisoformat(raw_at))
        except (ValueError, DomainError):
            at = utcnow()
    costs = []
    index = 0
    while f"costs-{index}-bearer" in form or f"costs-{index}-estimate" in form:
        bearer = _int(form.get(f"costs-{index}-bearer"))
        raw_amount = form.get(f"costs-{index}-estimate", "").strip()
        if bearer is not None and raw_amount:
            try:
                amount = parse_money_form(raw_amount)
            except (DomainError, ValueError):
                amount = None
            if amount is not None:
                costs.append(CostFact(bearer_organisation_id=bearer, category=form.get(f"costs-{index}-category", ""),
                                      estimate_dkk=amount,
                                      provisional=form.get(f"costs-{index}-provisional") in ("y", "on", "true", "1")))
        index += 1
        if index > 200:
            break
    checked = ("y", "on", "true", "1")
    return DecisionFacts(
        at=at, staff=form.get("staff", "LBS-S"), type=form.get("type", ""),
        owner_organisation_id=_int(form.get("owner")) or 0,
        municipalities=tuple(m.code for m in incident.municipalities), costs=tuple(costs),
        urgent=form.get("urgent") in checked, conditions={"vulnerable": form.get("vulnerable") in checked},
        incident_id=incident.id,
    )


@bp.post("/required/<id:incident_id>")
@permission_required(Action.DECISION_WRITE)
def required_panel(incident_id: int) -> str:
    incident = incident_or_404(incident_id)
    facts = facts_from_form(request.form, incident)
    requirements = services.required_consultations(facts=facts)
    chosen = {value for key, value in request.form.items() if key.startswith("consultations-")
              and key.endswith("-party") and value}
    holders = services.seat_holders(party_keys=[r.party_key for r in requirements], at=utcnow())
    return render_template("consultation/_required_panel.html", requirements=requirements, holders=holders,
                           chosen=chosen, mode_labels=labels.translated(MODE_LABELS),
                           timing_labels=labels.translated(TIMING_LABELS))


# ------------------------------------------------------------------ compliance per incident


@bp.get("/incidents/<id:incident_id>/compliance")
@permission_required(Action.READ)
def compliance(incident_id: int) -> str:
    incident = incident_or_404(incident_id)
    gaps_only = request.args.get("gaps") == "1"
    page = services.compliance_page(incident_id=incident.id, after=query_number("after", 0), gaps_only=gaps_only)
    summary = services.compliance_summary(incident=incident)
    return render_template("consultation/compliance.html", incident=incident, page=page, rows=page.rows,
                           summary=summary, gaps_only=gaps_only, mode_labels=labels.translated(MODE_LABELS),
                           timing_labels=labels.translated(TIMING_LABELS))


@bp.get("/incidents/<id:incident_id>/compliance.csv")
@permission_required(Action.READ)
def compliance_csv(incident_id: int) -> Response:
    incident = incident_or_404(incident_id)
    return Response(stream_compliance_csv(incident.id), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="compliance-{incident.id}.csv"',
        "Content-Type": "text/csv; charset=utf-8"})


# ------------------------------------------------------------------ rule administration (admin)


@bp.get("/rules")
@permission_required(Action.RULES_EDIT)
def rules() -> str:
    return render_template("consultation/rules.html", rules=services.list_rules(), retire_form=EmptyForm(),
                           now=utcnow())


def _rule_input(form: RuleForm) -> services.RuleInput:
    try:
        condition = json.loads(form.condition.data or "{}")
    except ValueError as exc:
        raise ValidationError("invalid rule", {"condition": [_("The condition is not valid JSON.")]}) from exc
    if not isinstance(condition, dict):
        raise ValidationError("invalid rule", {"condition": [_("The condition must be a JSON object.")]})
    return services.RuleInput(
        code=(form.code.data or "").strip(), name=(form.name.data or "").strip(), condition=condition,
        mode=form.mode.data or "", timing=form.timing.data or "", source_role=form.source_role.data or None,
        target_role=form.target_role.data or None, target_party_key=(form.target_party_key.data or "").strip() or None,
        description=form.description.data or None,
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@permission_required(Action.RULES_EDIT)
def rule_new() -> str | WerkzeugResponse:
    form = RuleForm()
    form.set_choices(services.current_ruleset().context.roles())
    if request.method == "GET" and request.args.get("code"):
        existing = [r for r in services.list_rules(include_retired=False) if r.code == request.args["code"]]
        if existing:
            form.fill_from(existing[-1])
    preview: list[services.PreviewRow] | None = None
    if form.validate_on_submit():
        try:
            data = _rule_input(form)
            if form.preview.data:
                preview = services.preview_rule(data=data)
            else:
                rule = services.create_rule(by=current_user, data=data)
                db.session.commit()
                flash(_("Rule %(code)s version %(version)s saved.", code=rule.code, version=rule.version), "success")
                return redirect(url_for("consultation.rules"))
        except ValidationError as error:
            db.session.rollback()
            for name, messages in (error.fields or {"condition": [error.message]}).items():
                target = getattr(form, name, None) or form.condition
                target.errors = list(target.errors) + list(messages)
    return render_template("consultation/rule_new.html", form=form, preview=preview,
                           kinds=g.KINDS, mode_labels=labels.translated(MODE_LABELS),
        timing_labels=labels.translated(TIMING_LABELS))


@bp.post("/rules/<id:rule_id>/retire")
@permission_required(Action.RULES_EDIT)
def rule_retire(rule_id: int) -> WerkzeugResponse:
    rule = services.get_rule(rule_id) if _rule_exists(rule_id) else abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.retire_rule(by=current_user, rule=rule)
        db.session.commit()
        flash(_("Rule %(code)s version %(version)s retired.", code=rule.code, version=rule.version), "success")
    except ValidationError:
        db.session.rollback()
        flash(_("This rule is already retired."), "error")
    return redirect(url_for("consultation.rules"))


def _rule_exists(rule_id: int) -> bool:
    from lbs.consultation.models import Rule

    return db.session.get(Rule, rule_id) is not None

