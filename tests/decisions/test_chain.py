"""The hash chain: any direct change in the database is detected; amendments keep the chain valid."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update

from lbs.consultation.facts import DecisionType
from lbs.consultation.models import Consultation, Mode, Outcome, Party
from lbs.decisions import amendments, chain, log, verification
from lbs.decisions.draft import ConsultationDraft, CostDraft, DecisionDraft
from lbs.decisions.models import CostCategory, CostLine, CostStatus, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories

# ---------------------------------------------------------------- pure


def _fields(**kw):
    base = {f: None for f in chain.DECISION_FIELDS}
    base.update(number=1, title="t", options=[], conditions={})
    base.update(kw)
    return base


def test_hash_is_stable_and_order_independent_for_children():
    costs = [{"bearer_id": 1, "category": CostCategory.SUPPLIES, "description": None,
              "estimate_dkk": Decimal("1.50"), "provisional": False},
             {"bearer_id": 2, "category": "catering", "description": "x", "estimate_dkk": Decimal("2"),
              "provisional": True}]
    a = chain.decision_hash(_fields(), costs, [])
    assert a == chain.decision_hash(_fields(), list(reversed(costs)), [])
    assert len(a) == 64 and a != chain.decision_hash(_fields(title="u"), costs, [])
    changed = [dict(costs[0], estimate_dkk=Decimal("1.51")), costs[1]]
    assert a != chain.decision_hash(_fields(), changed, [])
    # actual amount and status are not part of the hash
    assert a == chain.decision_hash(_fields(), [dict(c, actual_dkk=Decimal(9), status="settled") for c in costs], [])


def test_verify_chain_names_first_broken():
    first = _fields(number=1)
    h1 = chain.decision_hash(first)
    second = _fields(number=2, prev_hash=h1)
    h2 = chain.decision_hash(second)
    good = [chain.StoredDecision(1, first, [], [], h1), chain.StoredDecision(2, second, [], [], h2)]
    assert chain.verify_chain(good, last_number=2) == chain.ChainResult(True, 2, None)
    assert chain.verify_chain(good[:1], last_number=2) == chain.ChainResult(False, 1, 2)
    tampered = [good[0], chain.StoredDecision(2, dict(second, title="x"), [], [], h2)]
    assert chain.verify_chain(tampered).first_broken == 2
    gap = [good[0], chain.StoredDecision(3, dict(second, number=3), [], [], h2)]
    assert chain.verify_chain(gap).first_broken == 2
    assert chain.verify_chain([chain.StoredDecision(1, dict(first, title="y"), [], [], h1)]).first_broken == 1


# ---------------------------------------------------------------- against the database


def _draft(**kw):
    pid = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    herning = factories.organisation("Herning Kommune").id
    data = dict(
        staff="LBS-O", decided_at=utcnow() - timedelta(minutes=3), decided_by_id=pid, owner_id=herning,
        type=DecisionType.EVACUATION, title="Evakuering", decision="Beboere evakueres.", rationale="Vand.",
        information="Info", options=[{"text": "A", "chosen": True, "rejection_reason": None}],
        legal_basis="§ 17", expected_outcome="Tørre fødder", conditions={"vulnerable": True},
        missing_reason="Ingen svar", delay_reason="Forsinket",
        costs=[CostDraft(herning, CostCategory.CATERING, Decimal("1000.00"), False, "Mad")],
        consultations=[ConsultationDraft("657:kommunaldirektoer", utcnow() - timedelta(minutes=5), Mode.CONSULT,
                                         Outcome.AGREED, "telefon", "ok")],
    )
    data.update(kw)
    return DecisionDraft(**data)


@pytest.fixture
def logged(app):
    incident = factories.incident()
    other = factories.incident(title="Anden")
    decisions = [log.log_decision(incident=incident, draft=_draft(title=f"D{i}"), by=None).decision
                 for i in range(3)]
    db.session.flush()
    assert verification.verify_incident(incident).ok
    return incident, other, decisions


def _tamper_values(incident, other):
    now = utcnow()
    return {
        "incident_id": other.id, "number": 7, "staff_id": factories.staff("LBS-S").id,
        "decided_at": now - timedelta(minutes=1), "recorded_at": now + timedelta(seconds=1),
        "decided_by_id": db.session.scalars(select(Person.id).where(Person.name == "Politidirektør")).one(),
        "decided_by_off_roster": True, "recorded_by_id": 1,
        "owner_id": factories.organisation("Midt- og Vestjyllands Politi").id, "type": DecisionType.CORDON,
        "title": "Ændret", "decision": "Ændret", "information": "Ændret",
        "options": [{"text": "B", "chosen": True, "rejection_reason": None}], "rationale": "Ændret",
        "legal_basis": None, "expected_outcome": "Ændret", "urgent": True, "conditions": {"vulnerable": False},
        "amends_id": None, "amendment_reason": "Ændret", "delay_reason": None, "missing_reason": None,
        "prev_hash": "0" * 64, "required_consultations": [], "missing_count": 99,
        "decided_by_name": "Ændret", "decided_by_job_title": "Ændret", "decided_by_seat": "Ændret",
    }


@pytest.mark.parametrize("column", [*chain.DECISION_FIELDS, *chain.OPTIONAL_FIELDS, "hash"])
def test_direct_update_of_any_decision_field_is_detected(logged, column):
    incident, other, decisions = logged
    target = decisions[1]
    values = _tamper_values(incident, other)
    if column == "amends_id":
        value = decisions[0].id
    elif column == "hash":
        value = "f" * 64
    else:
        value = values[column]
    db.session.execute(update(Decision).where(Decision.id == target.id).values({column: value}))
    result = verification.verify_incident(incident)
    assert not result.ok and result.first_broken == 2, column


@pytest.mark.parametrize("column, value", [
    ("estimate_dkk", Decimal("1000.01")), ("bearer_id", None), ("category", CostCategory.SUPPLIES),
    ("description", "Andet"), ("provisional", True),
])
def test_direct_update_of_cost_line_is_detected(logged, column, value):
    incident, _, decisions = logged
    if column == "bearer_id":
        value = factories.organisation("Region Midtjylland").id
    db.session.execute(update(CostLine).where(CostLine.decision_id == decisions[2].id).values({column: value}))
    assert verification.verify_incident(incident).first_broken == 3


def test_cost_workflow_fields_are_outside_the_hash_but_removal_and_insertion_are_not(logged):
    incident, _, decisions = logged
    db.session.execute(update(CostLine).where(CostLine.decision_id == decisions[0].id).values(
        actual_dkk=Decimal("900.00"), status=CostStatus.SETTLED, note="betalt", superseded_by_id=decisions[1].id))
    assert verification.verify_incident(incident).ok
    db.session.execute(delete(CostLine).where(CostLine.decision_id == decisions[0].id))
    assert verification.verify_incident(incident).first_broken == 1


def test_inserted_cost_line_is_detected(logged):
    incident, _, decisions = logged
    db.session.execute(insert(CostLine).values(
        decision_id=decisions[1].id, incident_id=incident.id, bearer_id=decisions[1].owner_id,
        category=CostCategory.SUPPLIES, estimate_dkk=Decimal("5.00"), provisional=False,
        status=CostStatus.ESTIMATED))
    assert verification.verify_incident(incident).first_broken == 2


@pytest.mark.parametrize("column", ["party_id", "consulted_at", "mode", "outcome", "channel", "note", "delete"])
def test_direct_change_of_consultation_is_detected(logged, column):
    incident, _, decisions = logged
    where = Consultation.decision_id == decisions[0].id
    if column == "delete":
        db.session.execute(delete(Consultation).where(where))
    else:
        value = {
            "party_id": db.session.scalars(select(Party.id).where(Party.key == "657:borgmester")).one(),
            "consulted_at": utcnow(), "mode": Mode.INFORM, "outcome": Outcome.OBJECTED, "channel": "sms",
            "note": "ændret",
        }[column]
        db.session.execute(update(Consultation).where(where).values({column: value}))
    assert verification.verify_incident(incident).first_broken == 1


def test_deleting_the_last_decision_is_detected(logged):
    incident, _, decisions = logged
    for model in (CostLine, Consultation):
        db.session.execute(delete(model).where(model.decision_id == decisions[2].id))
    db.session.execute(delete(Decision).where(Decision.id == decisions[2].id))
    result = verification.verify_incident(incident)
    assert not result.ok and result.first_broken == 3


def test_amendments_keep_the_chain_valid(logged):
    incident, _, decisions = logged
    original = decisions[1]
    amendment = amendments.amend_decision(original=original, draft=_draft(title="Rettet", costs=[
        CostDraft(original.owner_id, CostCategory.CATERING, Decimal("2000.00"))]), reason="Nyt overslag",
        by=None).decision
    db.session.flush()
    assert amendment.number == 4 and amendment.amends_id == original.id and amendment.prev_hash == decisions[2].hash
    assert verification.verify_incident(incident) == chain.ChainResult(True, 4, None)
    superseded = db.session.scalars(select(CostLine).where(CostLine.decision_id == original.id)).one()
    assert superseded.superseded_by_id == amendment.id


def test_incident_counter_matches(logged):
    incident, _, _ = logged
    db.session.refresh(incident)
    assert db.session.get(Incident, incident.id).last_decision_number == 3
