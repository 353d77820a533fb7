"""Pure tests of the consultation graph: each rule R1–R14, chains, validity in time (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import networkx as nx
import pytest

from lbs.consultation import graph as rulegraph
from lbs.consultation.facts import CostFact, DecisionFacts
from lbs.consultation.rule_schema import Context, MunicipalityData, PartyData, RuleData, RuleError, validate_rule
from lbs.consultation.rulebook import STANDARD_RULES

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=365)

# Organisation ids of a small test district.
POLICE, HERNING, HOLSTEBRO, THISTED, BMV, NJB, NVB = 1, 10, 11, 12, 20, 21, 22
REGION_MIDT, AMK_MIDT, REGION_NORD, AMK_NORD, BRS, BRS_MIDT, HJV, FORSVARET = 30, 31, 32, 33, 40, 41, 50, 51
KINDS = {POLICE: "police", HERNING: "municipality", HOLSTEBRO: "municipality", THISTED: "municipality",
         BMV: "fire_service", NJB: "fire_service", NVB: "fire_service", REGION_MIDT: "region", AMK_MIDT: "region",
         REGION_NORD: "region", AMK_NORD: "region", BRS: "state_agency", BRS_MIDT: "state_agency",
         HJV: "home_guard", FORSVARET: "defence"}
PARENT = {AMK_MIDT: REGION_MIDT, AMK_NORD: REGION_NORD, BRS_MIDT: BRS}


def _party(key: str, role: str, org: int, municipality: str | None = None, staff: str | None = None) -> PartyData:
    return PartyData(key=key, name=key, role=role, organisation_id=org, organisation_kind=KINDS[org],
                     organisation_parent_id=PARENT.get(org), municipality_code=municipality, staff_code=staff)


def _context() -> Context:
    parties = [
        _party("politi:formand", "lbs_chair", POLICE, staff="LBS-S"),
        _party("politi:stab", "whole_staff", POLICE),
        _party("brand:bmv", "representative", BMV, staff="LBS-S"),
        _party("brand:njb", "representative", NJB, staff="LBS-S"),
        _party("brand:nvb", "representative", NVB, staff="LBS-S"),
        _party("amk:midt", "representative", AMK_MIDT, staff="LBS-O"),
        _party("amk:nord", "representative", AMK_NORD, staff="LBS-S"),
        _party("region:midt", "representative", REGION_MIDT, staff="LBS-S"),
        _party("region:nord", "representative", REGION_NORD, staff="LBS-S"),
        _party("region:midt:kommunikation", "kommunikation", REGION_MIDT),
        _party("region:nord:kommunikation", "kommunikation", REGION_NORD),
        _party("brs:midt", "representative", BRS_MIDT, staff="LBS-S"),
        _party("hjv", "representative", HJV, staff="LBS-S"),
        _party("forsvaret", "representative", FORSVARET, staff="LBS-S"),
    ]
    for code, org in (("657", HERNING), ("661", HOLSTEBRO), ("787", THISTED)):
        for role, suffix in (("representative", "repraesentant"), ("kommunaldirektoer", "kommunaldirektoer"),
                             ("borgmester", "borgmester"), ("oekonomiudvalg", "oekonomiudvalg"),
                             ("byraad", "byraad"), ("socialdirektoer", "socialdirektoer"),
                             ("oekonomi", "oekonomi"), ("kommunikation", "kommunikation")):
            parties.append(_party(f"{code}:{suffix}", role, org, code,
                                  "LBS-S" if role == "kommunaldirektoer" else None))
    t1, t2 = Decimal("50000.00"), Decimal("250000.00")
    municipalities = (
        MunicipalityData("657", "Herning", HERNING, REGION_MIDT, BMV, t1, t2, Decimal("6800000000")),
        MunicipalityData("661", "Holstebro", HOLSTEBRO, REGION_MIDT, NVB, t1, t2, Decimal("4400000000")),
        MunicipalityData("787", "Thisted", THISTED, REGION_NORD, NJB, t1, t2, Decimal("3600000000")),
    )
    return Context(parties=tuple(parties), municipalities=municipalities, organisation_kinds=KINDS)


def _rules(specs: list[dict[str, Any]] | None = None) -> list[RuleData]:
    return [
        RuleData(id=i, code=s["code"], version=1, name=s["name"], condition=s["condition"], mode=s["mode"],
                 timing=s["timing"], valid_from=SINCE, source_role=s.get("source_role"),
                 target_role=s.get("target_role"), target_party_key=s.get("target_party_key"))
        for i, s in enumerate(specs or STANDARD_RULES, start=1)
    ]


CONTEXT = _context()
RULES = _rules()


def facts(type_: str = "cordon", owner: int = POLICE, municipalities: tuple[str, ...] = ("657",),
          costs: tuple[CostFact, ...] = (), urgent: bool = False, **conditions: Any) -> DecisionFacts:
    return DecisionFacts(at=NOW, staff="LBS-O", type=type_, owner_organisation_id=owner,
                         municipalities=municipalities, costs=costs, urgent=urgent, conditions=conditions)


def cost(bearer: int, amount: str, provisional: bool = False, category: str = "emergency_accommodation") -> CostFact:
    return CostFact(bearer_organisation_id=bearer, category=category, estimate_dkk=Decimal(amount),
                    provisional=provisional)


def required(f: DecisionFacts, rules: list[RuleData] | None = None,
             totals: dict[str, Decimal] | None = None) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {r.party_key: (r.mode, r.rule, r.path)
            for r in rulegraph.required(rules or RULES, f, CONTEXT, incident_totals=totals)}


def test_plain_cordon_requires_nobody() -> None:
    assert required(facts("cordon")) == {}


def test_r1_owner_differs_from_bearer() -> None:
    result = required(facts("shelter", owner=POLICE, costs=(cost(HOLSTEBRO, "1000"),)))
    assert result["661:repraesentant"][:2] == ("consult", "R1")
    assert "657:repraesentant" not in result


def test_r1_affected_organisation_and_not_the_owner_itself() -> None:
    assert "hjv" in required(facts("traffic", affected_organisation_ids=[HJV]))
    assert required(facts("shelter", owner=HERNING, costs=(cost(HERNING, "1000"),))) == {}


def test_r2_evacuation_in_municipality() -> None:
    result = required(facts("evacuation", owner=POLICE))
    assert {"657:repraesentant", "brand:bmv", "657:kommunaldirektoer"} <= set(result)
    assert result["brand:bmv"][1] == "R2b"
    assert result["657:kommunaldirektoer"][:2] == ("consult", "R2c")


def test_r3_vulnerable_goes_to_the_right_region() -> None:
    midt = required(facts("evacuation", vulnerable=True))
    assert midt["amk:midt"][1] == "R3" and midt["657:socialdirektoer"][1] == "R3b"
    nord = required(facts("evacuation", municipalities=("787",), vulnerable=True))
    assert "amk:nord" in nord and "amk:midt" not in nord and "787:socialdirektoer" in nord


def test_r5_between_t1_and_t2_kommunaldirektoer_approves() -> None:
    result = required(facts("shelter", owner=HERNING, costs=(cost(HERNING, "150000"),)))
    assert result["657:kommunaldirektoer"] == ("approve", "R5", ("R5",))
    assert "657:borgmester" not in result
    assert required(facts("shelter", owner=HERNING, costs=(cost(HERNING, "50000"),))) == {}
    urgent = rulegraph.required(RULES, facts("shelter", owner=HERNING, costs=(cost(HERNING, "60000"),), urgent=True),
                                CONTEXT)
    assert next(r for r in urgent if r.party_key == "657:kommunaldirektoer").timing == "after"


def test_r6_above_t2_mayor_then_chain_to_committee_and_council() -> None:
    result = required(facts("evacuation", costs=(cost(HERNING, "300000"),)))
    assert result["657:borgmester"] == ("approve", "R6", ("R6",))
    assert result["657:oekonomiudvalg"] == ("inform", "R6b", ("R6", "R6b"))
    assert result["657:byraad"] == ("inform", "R6c", ("R6", "R6b", "R6c"))
    assert result["657:kommunaldirektoer"][1] == "R2c"
    # costs of several lines to the same bearer add up
    split = required(facts("shelter", owner=HERNING, costs=(cost(HERNING, "200000"), cost(HERNING, "100000"))))
    assert "657:borgmester" in split
    grant = required(facts("shelter", owner=HERNING, costs=(cost(HERNING, "1000"),), supplementary_grant=True))
    assert grant["657:borgmester"][1] == "R6"


def test_r7_statutory_before_grant_informs_finance_after() -> None:
    result = rulegraph.required(RULES, facts("shelter", owner=HERNING, costs=(cost(HERNING, "1000"),),
                                             statutory_before_grant=True), CONTEXT)
    finance = next(r for r in result if r.party_key == "657:oekonomi")
    assert (finance.mode, finance.timing, finance.rule) == ("inform", "after", "R7")
    assert any(r.party_key == "657:kommunaldirektoer" and r.rule == "R7b" for r in result)


def test_r8_provisional_or_disputed_bearer() -> None:
    result = required(facts("resource_request", owner=POLICE, costs=(cost(BRS_MIDT, "90000", provisional=True),)))
    assert result["politi:formand"][1] == "R8b"
    assert "brs:midt" in result
    disputed = required(facts("evacuation", owner=HERNING, costs=(cost(HERNING, "20000"),),
                              disputed_bearer_ids=[HERNING, REGION_MIDT]))
    assert {"politi:formand", "region:midt", "657:repraesentant"} <= set(disputed)
    assert disputed["region:midt"][1] == "R8"


def test_r9_home_guard_and_defence() -> None:
    result = required(facts("assistance_request", owner=HJV))
    assert result["hjv"][1] == "R9"
    explicit = required(facts("traffic", assisting_organisation_ids=[FORSVARET]))
    assert explicit["forsvaret"][1] == "R9"


def test_r10_beredskabsstyrelsen_or_another_fire_service() -> None:
    result = required(facts("resource_request", owner=BRS))
    assert result["brs:midt"][1] == "R10"  # the umbrella agency is represented by its regional centre
    other = required(facts("other", assisting_organisation_ids=[NJB]))
    assert other["brand:njb"][1] == "R10"


def test_r11_public_warning_communication_leads() -> None:
    result = rulegraph.required(RULES, facts("warning", municipalities=("657", "787")), CONTEXT)
    keys = {r.party_key: r for r in result}
    assert {"657:kommunikation", "787:kommunikation", "region:midt:kommunikation",
            "region:nord:kommunikation"} <= set(keys)
    assert keys["657:kommunikation"].timing == "at_once" and keys["657:kommunikation"].mode == "inform"


def test_r12_urgent_informs_the_whole_staff_at_next_meeting() -> None:
    result = rulegraph.required(RULES, facts("closure", urgent=True), CONTEXT)
    assert [(r.party_key, r.rule, r.timing) for r in result] == [("politi:stab", "R12", "next_meeting")]


def test_r13_several_municipalities_each_separately() -> None:
    result = required(facts("closure", municipalities=("657", "661")))
    assert result["657:repraesentant"][1] == "R13" and result["661:repraesentant"][1] == "R13"
    assert required(facts("closure", municipalities=("657",))) == {}


def test_r14_incident_total_passes_share_of_budget() -> None:
    f = facts("shelter", owner=HERNING, costs=(cost(HERNING, "20000"),))
    assert required(f, totals={"657": Decimal("13000000")}) == {}
    result = rulegraph.required(RULES, f, CONTEXT, incident_totals={"657": Decimal("13590000")})
    flagged = {r.party_key: r for r in result}
    assert flagged["657:kommunaldirektoer"].rule == "R14"
    assert flagged["657:borgmester"].flag == "significant_financial_event"


def test_rule_version_in_force_at_a_past_time() -> None:
    old = RuleData(id=100, code="R5", version=1, name="old", condition={"when": "municipal_cost", "min": "100000"},
                   mode="approve", timing="before", valid_from=SINCE, valid_to=NOW - timedelta(days=30),
                   target_role="kommunaldirektoer")
    new = RuleData(id=101, code="R5", version=2, name="new", condition={"when": "municipal_cost", "min": "T1",
                                                                        "max": "T2"},
                     mode="approve", timing="before", valid_from=NOW - timedelta(days=30),
                     target_role="kommunaldirektoer")
    rules = [old, new]
    now_facts = facts("shelter", owner=HERNING, costs=(cost(HERNING, "60000"),))
    past_facts = DecisionFacts(**{**now_facts.__dict__, "at": NOW - timedelta(days=60)})
    assert "657:kommunaldirektoer" in required(now_facts, rules)
    assert required(past_facts, rules) == {}


def test_graph_has_condition_and_party_nodes_and_chain_edges() -> None:
    graph = rulegraph.build_graph(RULES, CONTEXT)
    assert graph.nodes["condition:R2"]["kind"] == "condition"
    assert set(graph.nodes["condition:R2"]["rules"]) == {"R2", "R2b", "R2c"}
    assert graph.edges["party:657:borgmester", "party:657:oekonomiudvalg"]["rule"] == "R6b"
    assert graph.nodes["party:amk:midt"]["layer"] == 1 and graph.nodes["party:657:kommunaldirektoer"]["layer"] == 2
    assert nx.is_directed_acyclic_graph(graph)


def test_why_edges_follow_the_path() -> None:
    graph = rulegraph.build_graph(RULES, CONTEXT)
    reqs = rulegraph.required(RULES, facts("evacuation", costs=(cost(HERNING, "300000"),)), CONTEXT, graph)
    edges = rulegraph.why_edges(reqs, graph)
    assert ("party:657:borgmester", "party:657:oekonomiudvalg") in edges
    assert ("condition:R2", "party:657:kommunaldirektoer") in edges
    assert ("party:661:borgmester", "party:661:oekonomiudvalg") not in edges


def test_validation_unknown_role_party_money_and_cycle() -> None:
    base = RULES[0]
    with pytest.raises(RuleError, match="unknown party role"):
        validate_rule(RuleData(**{**base.__dict__, "target_role": "pope"}), CONTEXT)
    with pytest.raises(RuleError, match="unknown party"):
        validate_rule(RuleData(**{**base.__dict__, "target_role": None, "target_party_key": "nope"}), CONTEXT)
    with pytest.raises(RuleError, match="money"):
        validate_rule(RuleData(**{**base.__dict__, "condition": {"when": "municipal_cost", "min": "lots"}}),
                      CONTEXT)
    with pytest.raises(RuleError, match="money"):
        validate_rule(RuleData(**{**base.__dict__, "condition": {"when": "municipal_cost", "min": "1.234"}}),
                      CONTEXT)
    back = RuleData(id=99, code="X1", version=1, name="council back to mayor", condition={"when": "party"},
                    mode="inform", timing="after", valid_from=SINCE, source_role="byraad", target_role="borgmester")
    with pytest.raises(RuleError, match="consult itself"):
        rulegraph.check_acyclic([*RULES, back], CONTEXT)
    rulegraph.check_acyclic(RULES, CONTEXT)
