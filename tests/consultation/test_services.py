"""Consultation services over the seeded demo district: required sets, rule versions, admin, compliance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.consultation import parties, rules, ruleset, seats
from lbs.consultation.facts import CostFact, DecisionFacts
from lbs.consultation.models import Rule
from lbs.decisions import compliance
from lbs.errors import ValidationError
from lbs.extensions import db
from lbs.timeutil import utcnow
from tests import factories


def _facts(**kw):
    herning = factories.municipality("657").organisation_id
    base = dict(at=utcnow(), staff="LBS-S", type="evacuation", owner_organisation_id=herning,
                municipalities=("657",),
                costs=(CostFact(bearer_organisation_id=herning, category="emergency_accommodation",
                                estimate_dkk=Decimal("300000")),))
    base.update(kw)
    return DecisionFacts(**base)


def _keys(facts):
    return {r.party_key: r for r in compliance.required_consultations(facts=facts)}


def test_evacuation_in_herning_with_300000_requires_kd_and_mayor(app):
    required = _keys(_facts())
    assert required["657:kommunaldirektoer"].rule == "R2c"
    assert required["657:borgmester"].mode == "approve"
    assert required["657:byraad"].path == ("R6", "R6b", "R6c")
    assert "brand:bmv" in required
    assert list(required) == sorted(required)
    assert required["657:borgmester"].as_json() == {
        "party": "657:borgmester", "name": "Borgmester, Herning Kommune",
        "organisation_id": factories.municipality("657").organisation_id, "mode": "approve", "rule": "R6"}


def test_thisted_vulnerable_goes_to_region_nordjylland(app):
    thisted = factories.municipality("787").organisation_id
    required = _keys(_facts(municipalities=("787",), owner_organisation_id=thisted, costs=(),
                            conditions={"vulnerable": True}))
    assert "amk:nord" in required and "amk:midt" not in required and "787:socialdirektoer" in required


def test_demo_rule_r5_older_version_judges_past_decisions(app):
    herning = factories.municipality("657").organisation_id
    cost = (CostFact(bearer_organisation_id=herning, category="catering", estimate_dkk=Decimal("80000")),)
    now = _keys(_facts(type="shelter", costs=cost))
    assert now["657:kommunaldirektoer"].rule == "R5"
    past = _keys(_facts(type="shelter", costs=cost, at=utcnow() - timedelta(days=400)))
    assert "657:kommunaldirektoer" not in past  # v1 of R5 required approval only above 100.000 kr.


def test_r14_uses_the_incidents_earlier_costs(app):
    inc = factories.incident()
    herning_org = factories.municipality("657").organisation
    earlier = factories.decision(inc, number=1, owner=herning_org, decided_at=utcnow() - timedelta(hours=2))
    factories.cost_line(earlier, bearer=herning_org, estimate="13590000")
    facts = _facts(type="shelter", incident_id=inc.id,
                   costs=(CostFact(bearer_organisation_id=herning_org.id, category="catering",
                                   estimate_dkk=Decimal("20000")),))
    required = _keys(facts)
    assert required["657:borgmester"].flag == "significant_financial_event"
    assert required["657:borgmester"].rule == "R14b"


def test_rules_version_is_bumped_and_graph_rebuilt(app):
    before = ruleset.rules_version()
    graph_before = ruleset.rule_graph()
    data = rules.RuleInput(code="X1", name="Closure informs Herning's communication lead",
                           condition={"when": "decision", "types": ["closure"]}, mode="inform",
                           timing="at_once", target_role="kommunikation")
    rule = rules.create_rule(by=None, data=data)
    assert ruleset.rules_version() == before + 1
    graph_after = ruleset.rule_graph()
    assert graph_after is not graph_before and "condition:X1" in graph_after
    assert "657:kommunikation" in _keys(_facts(type="closure", costs=()))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.object_type == "consultation_rule",
                                    AuditEvent.object_id == str(rule.id)))
    rules.retire_rule(by=None, rule=rule, at=utcnow() + timedelta(seconds=1))
    assert ruleset.rules_version() == before + 2


def test_new_version_supersedes_old(app):
    old = db.session.scalar(select(Rule).where(Rule.code == "R12", Rule.valid_to.is_(None)))
    data = rules.RuleInput(code="R12", name="Urgent: whole staff at once", condition={"when": "decision",
                                                                                        "urgent": True},
                           mode="inform", timing="at_once", target_party_key="politi:stab")
    new = rules.create_rule(by=None, data=data)
    assert new.version == old.version + 1 and old.valid_to == new.valid_from
    required = _keys(_facts(type="closure", costs=(), urgent=True, at=utcnow() + timedelta(seconds=1)))
    assert required["politi:stab"].timing == "at_once"
    earlier = _keys(_facts(type="closure", costs=(), urgent=True, at=utcnow() - timedelta(days=1)))
    assert earlier["politi:stab"].timing == "next_meeting"


@pytest.mark.parametrize(("data", "field"), [
    (dict(target_role="pope"), "target_role"),
    (dict(target_role=None, target_party_key="no:such:party"), "target_party_key"),
    (dict(condition={"when": "municipal_cost", "min": "mange penge"}), "condition"),
    (dict(condition={"when": "municipal_cost", "min": "1e3"}), "condition"),
    (dict(condition={"when": "teleport"}), "condition"),
    (dict(condition={"when": "party"}, source_role="byraad", target_role="borgmester"), "source_role"),
])
def test_rule_validation(app, data, field):
    spec = dict(code="X2", name="Test", condition={"when": "decision"}, mode="consult", timing="before",
                target_role="representative")
    spec.update(data)
    with pytest.raises(ValidationError) as error:
        rules.create_rule(by=None, data=rules.RuleInput(**spec))
    assert field in error.value.fields


def test_parties_by_key_leaves_unknown_keys_out(app):
    assert sorted(parties.parties_by_key(["657:borgmester", "nope", "657:byraad", "\x00"])) == [
        "657:borgmester", "657:byraad"]


def test_seat_holders_with_deputies(app):
    holders = seats.seat_holders(party_keys=["657:kommunaldirektoer", "657:borgmester"], at=utcnow())
    kd = holders["657:kommunaldirektoer"]
    assert kd.primary is not None and kd.primary.name == "Kommunaldirektør, Herning Kommune"
    assert [p.name for p in kd.deputies] == ["Teknisk direktør, Herning Kommune"]
    assert "657:borgmester" not in holders  # no seat in a staff


def test_compliance_and_preview(app):
    inc = factories.incident()
    herning_org = factories.municipality("657").organisation
    d1 = factories.decision(inc, number=1, type="evacuation", owner=herning_org)
    factories.cost_line(d1, bearer=herning_org, estimate="300000")
    factories.consultation(d1, "657:kommunaldirektoer")
    factories.consultation(d1, "657:borgmester", mode="approve", outcome="objected")
    d2 = factories.decision(inc, number=2, type="cordon")
    rows = factories.incident_compliance(incident_id=inc.id)
    assert [r.decision.number for r in rows] == [1, 2]
    missing = {r.party_key for r in rows[0].missing}
    judged = {j.requirement.party_key: j.status.value for j in rows[0].judged}
    assert judged["657:kommunaldirektoer"] == "met" and "657:kommunaldirektoer" not in missing
    # an objection does not meet a required approval
    assert judged["657:borgmester"] == "objected" and "657:borgmester" in missing
    assert "657:repraesentant" in missing
    assert rows[1].required == [] and rows[1].missing == []
    del d2
    count = db.session.scalar(select(func.count()).select_from(Rule))
    preview = rules.preview_rule(data=rules.RuleInput(
        code="X3", name="Cordons inform Herning", condition={"when": "decision", "types": ["cordon"]},
        mode="inform", timing="at_once", target_role="kommunikation"), subjects=compliance.preview_subjects)
    assert db.session.scalar(select(func.count()).select_from(Rule)) == count  # stores nothing
    by_number = {row.decision.number: row for row in preview if row.decision.facts.incident_id == inc.id}
    if by_number:  # the preview compares the first (demo) incident's decisions
        assert [r.party_key for r in by_number[2].added] == ["657:kommunikation"]


def test_required_consultations_many_matches_single(app):
    items = [_facts(), _facts(type="cordon", costs=()), _facts(type="warning", costs=())]
    assert ruleset.required_consultations_many(facts=items) == [
        ruleset.required_consultations(facts=f) for f in items]


def _rule(code: str) -> rules.RuleInput:
    return rules.RuleInput(code=code, name=f"Closure informs Herning's communication lead ({code})",
                           condition={"when": "decision", "types": ["closure"]}, mode="inform",
                           timing="at_once", target_role="kommunikation")


def test_a_rolled_back_rules_change_leaves_no_rule_set_behind(app):
    """A worker that cached the rule set of a change that was rolled back must not serve it when another change
    reaches the same version number."""
    before = ruleset.rules_version()
    savepoint = db.session.begin_nested()
    rules.create_rule(by=None, data=_rule("X1"))
    assert "condition:X1" in ruleset.rule_graph()  # cached under version before + 1
    savepoint.rollback()
    assert ruleset.rules_version() == before and "condition:X1" not in ruleset.rule_graph()
    rules.create_rule(by=None, data=_rule("X2"))
    assert ruleset.rules_version() == before + 1
    graph = ruleset.rule_graph()
    assert "condition:X2" in graph and "condition:X1" not in graph


def test_the_rules_signature_does_not_read_the_rules(app, count_queries):
    """Every write and most pages ask for the current rule set: a hit costs one statement on two primary keys,
    not a scan of the rules (20 000 of them in a national deployment)."""
    rules.create_rule(by=None, data=_rule("X3"))  # a version and a stamp
    ruleset.current_ruleset()
    with count_queries() as counter:
        cached = ruleset.current_ruleset()
    assert cached is ruleset.current_ruleset()
    assert counter.count == 1 and "consultation_rules" not in counter.statements[0]
    assert "app_state" in counter.statements[0]
