"""HTML views of the consultation graph: the graph page with its "why" view, the required-parties panel of the
decision form, and rule administration. (Compliance per incident is a view over the decision log:
:mod:`lbs.decisions.compliance_views`.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs import labels
from lbs.auth.permissions import Action, permission_required
from lbs.consultation import graph as rulegraph
from lbs.consultation import judging, layout, rule_editor, rules, ruleset, seats
from lbs.consultation.decision_log import decision_log
from lbs.consultation.facts import DecisionFacts, DecisionType, Requirement
from lbs.consultation.forms import RuleForm, WhyForm, facts_from_form
from lbs.consultation.models import Outcome, Rule
from lbs.consultation.parties import list_parties, parties_by_key
from lbs.consultation.rule_schema import KINDS
from lbs.converters import form_id
from lbs.crumbs import rule_steps, trail
from lbs.forms import EmptyForm
from lbs.incidents.views import incident_or_404
from lbs.organisations import services as organisations
from lbs.timeutil import utcnow
from lbs.web import FormWrite, acting_user, load_or_404

bp = Blueprint("consultation", __name__, url_prefix="/consultation")

MODE_LABELS = labels.MODE
TIMING_LABELS = labels.TIMING
KIND_LABELS = {"condition": _l("Decision condition"), "police": _l("Police"), "municipality": _l("Municipality"),
               "region": _l("Region"), "fire_service": _l("Fire service"), "state_agency": _l("State agency"),
               "defence": _l("Defence"), "home_guard": _l("Home guard"), "other": _l("Other")}
# ``create_rule`` refuses a start before the current version's on ``valid_from``, which the form has not.
RULE_FIELDS = {"valid_from": "condition"}


# ------------------------------------------------------------------ the graph page


def _explained(form: WhyForm) -> tuple[str, DecisionFacts | None, list[Requirement], Mapping[str, str]]:
    """The subject, facts and required set the page explains, with each requirement's status for a logged
    decision: a logged decision (``?decision=``), the hypothetical decision of the why form, or nothing."""
    decision_id = form_id(request.args.get("decision", ""))
    if decision_id is not None:
        wanted = decision_id
        logged = load_or_404(lambda: decision_log().logged_requirements(wanted))
        if logged is None:
            return "", None, [], {}
        subject = _("Decision %(number)s: %(title)s", number=logged.number, title=logged.title)
        return subject, logged.facts, logged.requirements, logged.statuses
    if request.args.get("why_type"):
        facts = form.hypothetical_facts(organisations.get_municipality)
        if facts is not None:
            return _("The decision described in the form"), facts, ruleset.required_consultations(facts=facts), {}
    return "", None, [], {}


def _municipality_shown(codes: list[str], whole: bool) -> str | None:
    """The one municipality the graph shows unless the whole graph is asked for: the one chosen, else the
    signed-in municipality user's own, else the first."""
    chosen = request.args.get("municipality") or None
    if whole:
        return None
    if chosen in codes:
        return chosen
    own = acting_user().municipality_code
    return own if own in codes else (codes[0] if codes else None)


@bp.get("/")
@permission_required(Action.READ)
def graph() -> str:
    """The rule graph focused: one municipality, or the rules a decision used (``?decision=``, the why form);
    the whole graph with ``?all=1`` (or "All municipalities" in the filter)."""
    municipalities = organisations.list_municipalities()
    form = WhyForm(request.args, meta={"csrf": False})
    form.set_choices(municipalities, organisations.list_organisations())
    whole = request.args.get("all") == "1" or request.args.get("municipality", None) == ""
    municipality = _municipality_shown([m.code for m in municipalities], whole)
    decision_type = request.args.get("type") or None
    if decision_type not in {t.value for t in DecisionType}:
        decision_type = None
    shown = ruleset.rule_graph()
    subject, facts, requirements, statuses = _explained(form)
    highlight: set[tuple[str, str]] = set()
    if facts is not None:
        shown = ruleset.rule_graph(at=facts.at)
        highlight = rulegraph.why_edges(requirements, shown)
        decision_type = decision_type or facts.type
    keep = {n for edge in highlight for n in edge}
    if keep and not whole:
        part, focus = layout.rules_used(shown, keep), "decision"
    else:
        part = layout.filter_graph(shown, municipality=municipality, decision_type=decision_type, keep=keep)
        focus = "whole" if municipality is None else "municipality"
    others: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("all", "municipality")}
    return render_template(
        "consultation/graph.html", drawing=layout.layered(part, highlight), form=form, municipalities=municipalities,
        types=[t.value for t in DecisionType], municipality=municipality, decision_type=decision_type,
        requirements=requirements, statuses=statuses, subject=subject, org_kinds=layout.ORG_KINDS,
        status_labels=labels.translated(labels.CONSULTATION_STATUS), focus=focus,
        municipality_name={m.code: m.name for m in municipalities}.get(municipality or ""),
        whole_url=url_for("consultation.graph", **others, all="1"),
        focused_url=url_for("consultation.graph", **others),
        kind_labels=labels.translated(KIND_LABELS), layout=layout, mode_labels=labels.translated(MODE_LABELS),
        timing_labels=labels.translated(TIMING_LABELS), version=ruleset.current_ruleset().version,
    )


# ------------------------------------------------------------------ the panel on the decision form


@bp.post("/required/<id:incident_id>")
@permission_required(Action.DECISION_WRITE)
def required_panel(incident_id: int) -> str:
    incident = incident_or_404(incident_id)
    facts = facts_from_form(request.form, incident)
    requirements = ruleset.required_consultations(facts=facts, incident_totals=decision_log().earlier_totals)
    chosen = {value for key, value in request.form.items() if key.startswith("consultations-")
              and key.endswith("-party") and value}
    holders = seats.seat_holders(party_keys=[r.party_key for r in requirements], at=utcnow())
    return render_template("consultation/_required_panel.html", requirements=requirements, holders=holders,
                           chosen=chosen, statuses=_panel_statuses(requirements, chosen),
                           status_labels=labels.translated(labels.CONSULTATION_STATUS),
                           mode_labels=labels.translated(MODE_LABELS), timing_labels=labels.translated(TIMING_LABELS))


def _panel_statuses(requirements: list[Requirement], chosen: set[str]) -> dict[str, str]:
    """Each requirement's status judged over the form's consultation rows that have a party, a form and an
    outcome; a party whose only rows are not yet complete has none (the panel says a row is there)."""
    rows: list[tuple[str, str, str]] = []
    for key, party in request.form.items():
        if key.startswith("consultations-") and key.endswith("-party") and party:
            prefix = key.removesuffix("party")
            mode, outcome = request.form.get(prefix + "mode", ""), request.form.get(prefix + "outcome", "")
            if mode in judging.RANK and outcome in {o.value for o in Outcome}:
                rows.append((party, mode, outcome))
    complete = {party for party, _mode, _outcome in rows}
    return {j.requirement.party_key: j.status.value for j in judging.judge_requirements(requirements, rows)
            if j.requirement.party_key in complete or j.requirement.party_key not in chosen}


# ------------------------------------------------------------------ rule administration (admin)


@bp.get("/rules", endpoint="rules")
@permission_required(Action.RULES_EDIT)
def rule_list() -> str:
    found = rules.list_rules()
    parties = parties_by_key({r.target_party_key for r in found if r.target_party_key})
    return render_template("consultation/rules.html", rules=found, retire_form=EmptyForm(), now=utcnow(),
                           party_names={key: p.name for key, p in parties.items()},
                           role_label=rule_editor.role_label, kind_label=rule_editor.kind_label)


@bp.route("/rules/new", methods=["GET", "POST"])
@permission_required(Action.RULES_EDIT)
def rule_new() -> str | WerkzeugResponse:
    form = RuleForm()
    form.set_choices(ruleset.current_ruleset().context.roles(), organisations.list_municipalities(),
                     list_parties())
    if request.method == "GET" and request.args.get("code"):
        existing = rules.current_rule(request.args["code"])
        if existing is not None:
            form.fill_from(existing)
    preview: rules.PreviewSummary | None = None
    if form.validate_on_submit():
        saved: Rule | None = None
        write = FormWrite(form, fields=RULE_FIELDS)
        with write:
            data = form.rule_input()
            if form.preview.data:
                preview = rules.preview_affected(data=data, subjects=decision_log().preview_subjects)
            else:
                saved = rules.create_rule(by=acting_user(), data=data)
        if write.ok and saved is not None:
            flash(_("Rule %(code)s version %(version)s saved.", code=saved.code, version=saved.version), "success")
            return redirect(url_for("consultation.rules"))
    return render_template("consultation/rule_new.html", form=form, preview=preview, kinds=KINDS,
                           crumbs=trail(*rule_steps(), current=_("New consultation rule")),
                           mode_labels=labels.translated(MODE_LABELS), timing_labels=labels.translated(TIMING_LABELS))


@bp.post("/rules/<id:rule_id>/retire")
@permission_required(Action.RULES_EDIT)
def rule_retire(rule_id: int) -> WerkzeugResponse:
    rule = load_or_404(lambda: rules.get_rule(rule_id))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if rules.is_retired(rule):
        flash(_("This rule is already retired."), "error")
        return redirect(url_for("consultation.rules"))
    write = FormWrite()
    with write:
        rules.retire_rule(by=acting_user(), rule=rule)
    if write.ok:
        flash(_("Rule %(code)s version %(version)s retired.", code=rule.code, version=rule.version), "success")
    return redirect(url_for("consultation.rules"))
