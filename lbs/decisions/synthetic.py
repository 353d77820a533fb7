"""Synthetic load: exactly N decisions over K extra active incidents (``seed-demo --decisions N``).

Rows are bulk-inserted with precomputed hashes (the same :mod:`lbs.decisions.chain` as the log service),
so every chain verifies. Decision ids are assigned here so that cost lines and consultations can refer
to them without a round trip per row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text

from lbs.audit import services as audit
from lbs.consultation import ruleset
from lbs.consultation.facts import CostFact, DecisionFacts, DecisionType
from lbs.consultation.judging import judge_requirements
from lbs.consultation.models import Mode, Outcome, Party
from lbs.database import write_intent
from lbs.decisions import chain
from lbs.decisions.models import CostCategory, CostStatus, Decision
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.incidents.models import IncidentKind
from lbs.organisations.models import Municipality, Organisation
from lbs.staffs import services as staffs
from lbs.staffs.models import Person
from lbs.timeutil import utcnow

BATCH = 5000
TYPES = list(DecisionType)
CATEGORIES = list(CostCategory)


def _plan(decisions: int, incidents_count: int) -> list[int]:
    base, extra = divmod(decisions, incidents_count)
    return [base + (1 if i < extra else 0) for i in range(incidents_count)]


def seed_synthetic(*, decisions: int, incidents: int, echo: Callable[[str], Any]) -> None:
    with write_intent():
        _seed(decisions=decisions, incidents_count=incidents, echo=echo)


def _seed(*, decisions: int, incidents_count: int, echo: Callable[[str], Any]) -> None:
    """Create the incidents and their decisions, inserted in batches of ``BATCH`` rows.

    One function on purpose: the state carried from one decision to the next (the next id, the previous hash,
    the incident's running cost total that the R14 rule reads) stays in view in one loop."""
    now = utcnow()
    police = db.session.scalars(select(Organisation).where(Organisation.name.like("%Politi"))).first()
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.code)).all()
    staffs_by_code = {s.code: s for s in staffs.list_staffs()}
    if police is None or not municipalities or set(staffs_by_code) < {"LBS-S", "LBS-O"}:
        raise RuntimeError("the demo district must be loaded first")
    makers: dict[str, tuple[int, bool]] = {}
    for code, name in (("LBS-S", "Politidirektør"), ("LBS-O", "Politiinspektør (stabschef)")):
        person_id = db.session.scalars(select(Person.id).where(Person.name == name)).one()
        on = staffs.is_on_roster(person_id=person_id, staff_id=staffs_by_code[code].id, at=now - timedelta(days=1))
        makers[code] = (person_id, not on)
    parties = {p.key: p.id for p in db.session.scalars(select(Party))}
    next_id = (db.session.scalar(select(func.max(Decision.id))) or 0) + 1
    written = 0
    started = now - timedelta(days=2)
    span = timedelta(days=1, hours=20)  # every decision lies between the start and four hours ago

    for index, count in enumerate(_plan(decisions, incidents_count)):
        municipality = municipalities[index % len(municipalities)]
        incident = incidents.create_incident(
            title=f"Syntetisk hændelse {index + 1}", kind=IncidentKind.OTHER,
            started_at=started - timedelta(minutes=index), municipality_codes=[municipality.code], by=None,
            description="Syntetiske data til belastningstest (seed-demo --decisions).")
        incident.last_decision_number = count
        db.session.flush()
        step = span / max(count, 1)
        party_key = f"{municipality.code}:repraesentant"
        party_id = parties[party_key]
        prev_hash: str | None = None
        rows: list[dict[str, Any]] = []
        costs: list[dict[str, Any]] = []
        consulted: list[dict[str, Any]] = []
        facts: list[DecisionFacts] = []
        earlier: list[dict[str, Decimal]] = []
        running = Decimal(0)  # the incident's cost total so far (every line is the one municipality's)
        for number in range(1, count + 1):
            estimate = Decimal(1000 + number % 90_000)
            facts.append(DecisionFacts(
                at=incident.started_at + timedelta(minutes=1) + step * (number - 1),
                staff="LBS-O" if number % 3 else "LBS-S", type=TYPES[number % len(TYPES)].value,
                owner_organisation_id=police.id, municipalities=(municipality.code,), urgent=number % 7 == 0,
                incident_id=incident.id, costs=(CostFact(municipality.organisation_id,
                                                         CATEGORIES[number % len(CATEGORIES)].value, estimate,
                                                         number % 10 == 0),)))
            earlier.append({municipality.code: running} if running else {})
            running += estimate
        # What the rules require of each decision, judged as if logged one after the other (R14 totals).
        required = ruleset.required_consultations_many(facts=facts, earlier=earlier)
        for number, fact, needed in zip(range(1, count + 1), facts, required, strict=True):
            person_id, off_roster = makers[fact.staff]
            decided_at = fact.at
            fields: dict[str, Any] = {
                "incident_id": incident.id, "number": number, "staff_id": staffs_by_code[fact.staff].id,
                "decided_at": decided_at, "recorded_at": decided_at + timedelta(minutes=1),
                "decided_by_id": person_id, "decided_by_off_roster": off_roster, "recorded_by_id": None,
                "owner_id": police.id, "type": DecisionType(fact.type),
                "title": f"Syntetisk beslutning {number}", "decision": f"Beslutning nr. {number} (syntetisk).",
                "information": None, "options": [], "rationale": "Syntetiske data.", "legal_basis": None,
                "expected_outcome": None, "urgent": fact.urgent, "conditions": {}, "amends_id": None,
                "amendment_reason": None, "delay_reason": None, "missing_reason": None,
                "required_consultations": [r.record() for r in needed],
                "prev_hash": prev_hash,
            }
            # Each decision consults one party (``consult``, agreed): every other requirement, and an approval
            # of that party, stays unmet.
            fields["missing_count"] = fields["unmet_count"] = sum(
                1 for item in judge_requirements(needed, [(party_key, Mode.CONSULT, Outcome.AGREED)]) if not item.met)
            cost_rows = [{"bearer_id": c.bearer_organisation_id, "category": CostCategory(c.category),
                          "description": None, "estimate_dkk": c.estimate_dkk, "provisional": c.provisional}
                         for c in fact.costs]
            consultation_row = {"party": party_key, "consulted_at": decided_at - timedelta(minutes=2),
                                "mode": Mode.CONSULT, "outcome": Outcome.AGREED, "channel": "telefon", "note": None}
            digest = chain.decision_hash(fields, cost_rows, [consultation_row])
            decision_id = next_id
            next_id += 1
            rows.append({**fields, "id": decision_id, "hash": digest})
            for cost in cost_rows:
                costs.append({**cost, "decision_id": decision_id, "incident_id": incident.id,
                              "status": CostStatus.ESTIMATED, "created_at": now, "updated_at": now})
            consulted.append({"decision_id": decision_id, "party_id": party_id,
                              "consulted_at": consultation_row["consulted_at"], "mode": Mode.CONSULT,
                              "outcome": Outcome.AGREED, "channel": "telefon", "note": None,
                              "recorded_at": fields["recorded_at"]})
            prev_hash = digest
            if len(rows) >= BATCH or number == count:
                _flush(rows, costs, consulted)
                written += len(rows)
                rows, costs, consulted = [], [], []
                echo(f"  {written}/{decisions} synthetic decisions")
        audit.record(by=None, action="decision.synthetic", object_type="incident", object_id=incident.id,
                     summary=f"{count} synthetic decisions seeded", data={"decisions": count})
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('decisions', 'id'), "
                                "(SELECT COALESCE(MAX(id), 1) FROM decisions))"))
        db.session.commit()
        # Fresh planner statistics after a bulk load (autovacuum would get there later).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    echo(f"Synthetic data loaded: {written} decisions in {incidents_count} incidents.")


def _flush(rows: list[dict[str, Any]], costs: list[dict[str, Any]], consulted: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(db.metadata.tables["decisions"]), rows)
    if costs:
        db.session.execute(insert(db.metadata.tables["cost_lines"]), costs)
    if consulted:
        db.session.execute(insert(db.metadata.tables["consultations"]), consulted)

