"""What the rules required is stored with each decision when it is logged: later rule changes do not rewrite
it, the hash covers it, and rows from before it was stored are computed when read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from lbs.consultation.facts import DecisionType, Requirement
from lbs.consultation.rules import RuleInput, create_rule
from lbs.decisions import amendments, chain, log, reads, verification
from lbs.decisions.compliance import facts_of, required_consultations
from lbs.decisions.draft import CostDraft, DecisionDraft
from lbs.decisions.models import CostCategory, Decision
from lbs.decisions.read_model import decision_record, read_time
from lbs.extensions import db
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories


def _evacuation(incident, **kw):
    herning = factories.organisation("Herning Kommune").id
    person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    data = dict(staff="LBS-O", decided_at=utcnow() - timedelta(minutes=2), decided_by_id=person, owner_id=herning,
                type=DecisionType.EVACUATION, title="Evakuering", decision="Beboere evakueres.", rationale="Vand.",
                costs=[CostDraft(herning, CostCategory.EVACUATION_TRANSPORT, Decimal("300000.00"), False, "Busser")])
    data.update(kw)
    return log.log_decision(incident=incident, draft=DecisionDraft(**data), by=None).decision


def test_logged_decision_stores_what_the_rules_required(app, api_as):
    incident = factories.incident()
    decision = _evacuation(incident)
    computed = required_consultations(facts=facts_of(decision))
    assert computed, "a 300.000 kr. evacuation requires consultations"
    stored = db.session.scalar(select(Decision.required_consultations).where(Decision.id == decision.id))
    assert [Requirement.from_record(r) for r in stored] == computed
    assert decision.missing_count == len(computed)
    body = api_as("revisor").get(f"/api/v1/decisions/{decision.id}").get_json()
    assert [r["party"] for r in body["required_consultations"]] == [r.party_key for r in computed]
    assert body["missing_consultations"] == body["required_consultations"]  # nobody was consulted


def test_a_later_rule_change_does_not_rewrite_what_a_logged_decision_required(app, api_as):
    incident = factories.incident()
    decision = _evacuation(incident)
    before = [r["party"] for r in decision_record(decision.id)["required_consultations"]]
    assert "politi:stab" not in before
    # a rule added afterwards but valid from before the decision: recomputing would now include its party
    create_rule(by=None, valid_from=decision.decided_at - timedelta(hours=1), data=RuleInput(
        code="X7", name="Evacuations inform the whole staff", condition={"when": "decision", "types": ["evacuation"]},
        mode="inform", timing="at_once", target_party_key="politi:stab"))
    recomputed = required_consultations(facts=facts_of(decision))
    assert "politi:stab" in [r.party_key for r in recomputed]
    assert [r["party"] for r in decision_record(decision.id)["required_consultations"]] == before
    compliance = {row.decision.id: row for row in factories.incident_compliance(incident_id=incident.id)}
    assert [r.party_key for r in compliance[decision.id].required] == before
    # a decision logged now is judged by the rules as they are now
    later = _evacuation(incident, title="Evakuering 2")
    assert "politi:stab" in [r["party"] for r in decision_record(later.id)["required_consultations"]]
    assert verification.verify_incident(incident).ok


def test_direct_change_of_the_stored_requirements_is_detected(app):
    incident = factories.incident()
    decisions = [_evacuation(incident, title=f"E{i}") for i in range(2)]
    assert verification.verify_incident(incident).ok
    forged = [{"party": "politi:stab", "name": "x", "organisation_id": 1, "mode": "inform", "rule": "R12",
               "timing": "at_once", "path": ["R12"], "flag": ""}]
    db.session.execute(update(Decision).where(Decision.id == decisions[0].id).values(required_consultations=forged))
    result = verification.verify_incident(incident)
    assert not result.ok and result.first_broken == 1


def test_rows_logged_before_requirements_were_stored_are_computed_when_read(app, api_as):
    incident = factories.incident()
    decision = _evacuation(incident)
    expected = decision_record(decision.id)
    # as a row written before the column existed: NULL there, and a hash that never covered it
    fields = log.decision_fields(decision)
    fields["required_consultations"] = fields["missing_count"] = None
    costs = [log.cost_fields(line) for line in reads.cost_lines([decision.id])[decision.id]]
    legacy_hash = chain.decision_hash(fields, costs, [])
    db.session.execute(update(Decision).where(Decision.id == decision.id)
                       .values(required_consultations=None, missing_count=None, hash=legacy_hash))
    db.session.expire_all()
    assert db.session.scalar(select(Decision.required_consultations).where(Decision.id == decision.id)) is None
    assert verification.verify_incident(incident).ok
    body = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions").get_json()
    assert body[0]["required_consultations"] == expected["required_consultations"]
    assert body[0]["missing_consultations"] == expected["missing_consultations"]
    compliance = factories.incident_compliance(incident_id=incident.id)
    assert [r.record() for r in compliance[0].required] == [
        {key: value for key, value in record.items() if key != "status"}
        for record in expected["required_consultations"]]


def test_a_legacy_amendment_without_costs_is_judged_on_the_lines_it_amends(app, api_as):
    incident = factories.incident()
    original = _evacuation(incident)
    person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    draft = DecisionDraft(staff="LBS-O", decided_at=utcnow() - timedelta(minutes=1), decided_by_id=person,
                          owner_id=original.owner_id, type=DecisionType.EVACUATION, title="Evakuering, rettet",
                          decision="Beboere evakueres til hallen.", rationale="Vand.")
    amendment = amendments.amend_decision(original=original, draft=draft, reason="Nyt sted", by=None).decision
    expected = decision_record(amendment.id)["required_consultations"]
    without_costs = _evacuation(incident, costs=[])
    assert expected != decision_record(without_costs.id)["required_consultations"], \
        "the 300.000 kr. of the amended decision changes what is required"
    db.session.execute(update(Decision).where(Decision.incident_id == incident.id)
                       .values(required_consultations=None, missing_count=None))
    db.session.expire_all()
    body = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions").get_json()
    assert body[1]["amends"] == 1 and body[1]["required_consultations"] == expected


def test_json_export_is_streamed_and_equals_the_api_list(app, login, api_as):
    incident = factories.incident()
    for i in range(3):
        _evacuation(incident, title=f"E{i}")
    listed = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions").get_json()
    client = login("revisor")
    response = client.get(f"/incidents/{incident.id}/export/decisions.json")
    assert response.status_code == 200 and response.is_streamed
    exported = json.loads(response.get_data(as_text=True))
    assert [d["number"] for d in exported] == [1, 2, 3]
    assert exported == listed


@pytest.mark.parametrize("whole_second", [False, True], ids=["fraction", "whole-second"])
def test_the_log_and_amend_responses_equal_what_is_read_back(app, api_as, whole_second):
    """The 201 body is built from what the service wrote (no query); it must be the same as a read — also the
    times, which the reads format from the driver's raw value (a whole second has no fraction either way)."""
    incident = factories.incident()
    herning = factories.organisation("Herning Kommune").id
    person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    moment = utcnow() - timedelta(minutes=3)
    if whole_second:
        moment = moment.replace(microsecond=0)
    at = moment.astimezone(timezone(timedelta(hours=1))).isoformat()  # not UTC
    police = api_as("politi")
    created = police.post(f"/api/v1/incidents/{incident.id}/decisions", json={
        "staff": "LBS-O", "decided_at": at, "decided_by": person, "owner": herning, "type": "evacuation",
        "title": "Evakuering", "decision": "Beboere evakueres.", "rationale": "Vand.", "urgent": True,
        "options": [{"text": "Busser", "chosen": True}, {"text": "Vent", "chosen": False, "rejection_reason": "Vand"}],
        "costs": [{"bearer": herning, "category": "evacuation_transport", "estimate_dkk": "300000.50",
                   "description": "Busser"}],
        "consultations": [{"party": "657:kommunaldirektoer", "consulted_at": at, "mode": "consult",
                           "outcome": "agreed_with_reservation", "channel": "telefon", "note": "Ok"}],
    })
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["costs"] and body["consultations"] and body["required_consultations"]
    assert body["decided_at"] == body["consultations"][0]["consulted_at"] == moment.astimezone(UTC).isoformat()
    assert ("." in body["decided_at"]) is not whole_second
    assert body == police.get(f"/api/v1/decisions/{body['id']}").get_json()
    assert [body] == police.get(f"/api/v1/incidents/{incident.id}/decisions").get_json()
    amended = police.post(f"/api/v1/decisions/{body['id']}/amendments",
                          json={"reason": "Flere busser", "costs": [
                              {"bearer": herning, "category": "evacuation_transport", "estimate_dkk": 400000}]})
    assert amended.status_code == 201, amended.get_json()
    again = amended.get_json()
    assert again["amends"] == body["number"] and again["costs"][0]["estimate_dkk"] == "400000.00"
    assert again == police.get(f"/api/v1/decisions/{again['id']}").get_json()
    assert police.get(f"/api/v1/decisions/{body['id']}").get_json()["amended_by"] == again["number"]


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-28 15:12:50.500996", "2026-11-28T15:12:50.500996+00:00"),  # SQLAlchemy's SQLite text
    ("2026-11-28 15:12:50.000000", "2026-11-28T15:12:50+00:00"),
    ("2026-11-28 15:12:50", "2026-11-28T15:12:50+00:00"),  # text written by other means
    ("2026-11-28T16:12:50.5+01:00", "2026-11-28T15:12:50.500000+00:00"),
])
def test_a_raw_time_reads_as_utc_iso(raw, expected):
    assert read_time(raw) == expected
    assert read_time(raw) == datetime.fromisoformat(expected).isoformat()


def test_a_read_is_utc_whatever_the_database_sessions_time_zone(app, backend):
    """On PostgreSQL a time's text follows the session's zone unless written in UTC; the API still says UTC."""
    incident = factories.incident()
    _evacuation(incident, title="E")
    db.session.commit()
    utc = decision_record(db.session.scalars(select(Decision.id).where(Decision.incident_id == incident.id)).one())
    if backend == "postgresql":
        db.session.execute(text("SET TIME ZONE 'Europe/Copenhagen'"))
    assert decision_record(utc["id"]) == utc
    assert utc["decided_at"].endswith("+00:00") and utc["recorded_at"].endswith("+00:00")
