"""Upgrading a database whose decisions were logged under the schema before 1e99271dce73 keeps its chains.

The old rows are written with SQL only, into tables reflected from the old schema (the ORM models describe the new
one), and each decision is hashed from its row as stored, as the old code hashed it: every column but ``id`` and
``hash`` (``required_consultations`` and ``missing_count`` when set), its cost lines' immutable part and its
consultations. After the upgrade ``lbs verify`` passes, the backfilled ``unmet_count`` judges the stored
requirements by form and outcome, the read model reports the statuses, a consultation appended to an old decision
(through the API) keeps the chains intact and turns its status to met, and an edit made behind the application's
back is caught. A closed incident with a decision logged before requirements were stored upgrades too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import JSON, Column, Connection, MetaData, Table, insert, select, update

from lbs.auth.services import issue_token
from lbs.decisions.chain import canonical_json
from lbs.decisions.models import Decision
from lbs.decisions.read_model import decision_record
from lbs.extensions import db
from lbs.types import Money, UTCDateTime
from tests.conftest import ApiClient, make_app

BEFORE = "3c8d2f6e9a17"  # the revision 1e99271dce73 upgrades from
T0 = datetime(2026, 11, 20, 2, 15, 30, 123456, tzinfo=UTC)

# What the decision hash covered before 1e99271dce73 (lbs/decisions/chain.py as it was then).
OLD_DECISION_FIELDS = (
    "incident_id", "number", "staff_id", "decided_at", "recorded_at", "decided_by_id", "decided_by_off_roster",
    "recorded_by_id", "owner_id", "type", "title", "decision", "information", "options", "rationale",
    "legal_basis", "expected_outcome", "urgent", "conditions", "amends_id", "amendment_reason", "delay_reason",
    "missing_reason", "prev_hash",
)
OLD_OPTIONAL_FIELDS = ("required_consultations", "missing_count")
COST_FIELDS = ("bearer_id", "category", "description", "estimate_dkk", "provisional")
CONSULTATION_FIELDS = ("party", "consulted_at", "mode", "outcome", "channel", "note")


def old_decision_hash(decision: Mapping[str, Any], costs: Iterable[Mapping[str, Any]],
                      consultations: Iterable[Mapping[str, Any]]) -> str:
    """The decision hash as the code before 1e99271dce73 computed it."""
    fields = {f: decision.get(f) for f in OLD_DECISION_FIELDS}
    fields.update({f: decision[f] for f in OLD_OPTIONAL_FIELDS if decision.get(f) is not None})
    content = {
        "decision": fields,
        "costs": sorted(canonical_json({f: row.get(f) for f in COST_FIELDS}) for row in costs),
        "consultations": sorted(canonical_json({f: row.get(f) for f in CONSULTATION_FIELDS})
                                for row in consultations),
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _time(name: str) -> Column[Any]:
    return Column(name, UTCDateTime())


def old_tables(connection: Connection) -> dict[str, Table]:
    """The tables of the old schema, reflected, with the app's column types where the stored form differs from the
    Python value (UTC times, money in øre, JSON)."""
    metadata = MetaData()
    typed: dict[str, list[Column[Any]]] = {
        "organisations": [_time("valid_from"), _time("valid_to")],
        "people": [_time("created_at")],
        "staffs": [],
        "users": [_time("created_at")],
        "consultation_parties": [],
        "incidents": [_time("started_at"), _time("ended_at"), _time("created_at")],
        "decisions": [_time("decided_at"), _time("recorded_at"), Column("options", JSON()),
                      Column("conditions", JSON()), Column("required_consultations", JSON(none_as_null=True))],
        "cost_lines": [Column("estimate_dkk", Money()), Column("actual_dkk", Money()), _time("created_at"),
                       _time("updated_at")],
        "consultations": [_time("consulted_at")],
    }
    return {name: Table(name, metadata, *columns, autoload_with=connection) for name, columns in typed.items()}


def _requirement(key: str, organisation_id: int, mode: str, rule: str) -> dict[str, Any]:
    return {"party": key, "name": f"Part {key}", "organisation_id": organisation_id, "mode": mode, "rule": rule,
            "timing": "before", "path": [], "flag": ""}


class OldLog:
    """Writes an incident's decision log as the old code stored it (SQL only)."""

    def __init__(self, connection: Connection) -> None:
        self.c = connection
        self.t = old_tables(connection)
        self.head: str | None = None
        self.number = 0

    def add(self, table: str, /, **values: Any) -> int:
        found = self.t[table]
        return int(self.c.execute(insert(found).values(**values).returning(found.c.id)).scalar_one())

    def log(self, *, costs: Iterable[dict[str, Any]] = (), consulted: Iterable[dict[str, Any]] = (),
            **values: Any) -> int:
        """Insert one decision with its cost lines and consultations, then hash it from its rows as stored."""
        self.number += 1
        t = self.t
        decision_id = self.add("decisions", number=self.number, prev_hash=self.head, hash="pending", **values)
        for line in costs:
            self.add("cost_lines", decision_id=decision_id, incident_id=values["incident_id"], **line)
        for item in consulted:
            self.add("consultations", decision_id=decision_id, **item)
        row = dict(self.c.execute(select(t["decisions"]).where(t["decisions"].c.id == decision_id)).mappings().one())
        stored = {k: v for k, v in row.items() if k not in ("id", "hash")}
        # The old hash covered every column of the row but id and hash.
        assert set(stored) == {*OLD_DECISION_FIELDS, *OLD_OPTIONAL_FIELDS}
        cl, co, party = t["cost_lines"], t["consultations"], t["consultation_parties"]
        lines = self.c.execute(select(*(cl.c[f] for f in COST_FIELDS)).where(cl.c.decision_id == decision_id))
        made = self.c.execute(
            select(party.c.key.label("party"), co.c.consulted_at, co.c.mode, co.c.outcome, co.c.channel, co.c.note)
            .join(party, party.c.id == co.c.party_id).where(co.c.decision_id == decision_id))
        digest = old_decision_hash(stored, [dict(r) for r in lines.mappings()], [dict(r) for r in made.mappings()])
        self.c.execute(update(t["decisions"]).where(t["decisions"].c.id == decision_id).values(hash=digest))
        self.head = digest
        return decision_id


def seed_old_log(connection: Connection) -> dict[str, Any]:
    """Reference data and an incident with three decisions, as logged before the upgrade."""
    log = OldLog(connection)
    kommune = log.add("organisations", name="Herning Kommune", kind="municipality")
    politi = log.add("organisations", name="Midt- og Vestjyllands Politi", kind="police")
    person = log.add("people", name="Politiinspektør Hansen", job_title="Politiinspektør", organisation_id=politi,
                     created_at=T0)
    staff = log.add("staffs", code="LBS-S", name="Lokal beredskabsstab", level="strategic")
    user = log.add("users", username="politi", password_hash="x", role="police", active=True, created_at=T0)
    parties = {key: log.add("consultation_parties", key=key, name=f"Part {key}", role=key, organisation_id=kommune)
               for key in ("kd", "amk", "beredskab")}
    incident = log.add("incidents", title="Oversvømmelse i Herning", kind="flood", exercise=False, started_at=T0,
                       status="active", created_at=T0, created_by_id=user, last_decision_number=3, costs_version=0)

    def decision(minutes: int, title: str, **values: Any) -> dict[str, Any]:
        at = T0 + timedelta(minutes=minutes)
        base = {"incident_id": incident, "staff_id": staff, "decided_at": at, "recorded_at": at + timedelta(minutes=2),
                "decided_by_id": person, "decided_by_off_roster": False, "recorded_by_id": user, "owner_id": kommune,
                "type": "evacuation", "title": title, "decision": f"{title}.", "information": "Vandstand 2,1 m",
                "options": [{"text": title, "chosen": True, "rejection_reason": None}],
                "rationale": "Vandet stiger.", "legal_basis": "Beredskabsloven § 17", "expected_outcome": None,
                "urgent": False, "conditions": {"vulnerable": True}, "amends_id": None, "amendment_reason": None,
                "delay_reason": None, "missing_reason": None}
        base.update(values)
        return base

    def consulted(key: str, minutes: int, mode: str, outcome: str) -> dict[str, Any]:
        return {"party_id": parties[key], "consulted_at": T0 + timedelta(minutes=minutes), "mode": mode,
                "outcome": outcome, "channel": "telefon", "note": None}

    # 1: three requirements; the old judging counted each as met (missing_count 0), the new one finds an approval
    # only informed and a consultation unanswered.
    first = log.log(
        **decision(0, "Evakuering af Søndergade", required_consultations=[
            _requirement("kd", kommune, "approve", "R5"), _requirement("amk", kommune, "consult", "R3"),
            _requirement("beredskab", kommune, "approve", "R1")], missing_count=0),
        costs=[{"bearer_id": kommune, "category": "evacuation_transport", "description": "Busser",
                "estimate_dkk": Decimal("125000.50"), "provisional": True, "actual_dkk": Decimal("118000.00"),
                "status": "accepted", "budget_note": "none", "created_at": T0, "updated_at": T0}],
        consulted=[consulted("kd", -5, "inform", "agreed"), consulted("amk", -4, "consult", "no_answer"),
                   consulted("beredskab", -3, "approve", "agreed_with_reservation")],
    )
    # 2: a requirement with no consultation at all; amended by 3.
    second = log.log(**decision(30, "Afspærring af Åvej", type="cordon",
                                required_consultations=[_requirement("kd", kommune, "approve", "R5")],
                                missing_count=1, missing_reason="Kommunaldirektøren kunne ikke nås"))
    third = log.log(**decision(45, "Afspærring af Åvej og Bredgade", type="cordon", amends_id=second,
                               amendment_reason="Bredgade også oversvømmet",
                               required_consultations=[_requirement("kd", kommune, "approve", "R5")],
                               missing_count=0),
                    consulted=[consulted("kd", 44, "approve", "agreed")])
    # A closed incident whose one decision was logged before the requirements were stored (NULL): computed when
    # read, no unmet_count.
    log.head, log.number = None, 0
    closed = log.add("incidents", title="Storm over Holstebro", kind="severe_weather", exercise=False,
                     started_at=T0, ended_at=T0 + timedelta(days=1), status="closed", created_at=T0,
                     created_by_id=user, last_decision_number=1, costs_version=0)
    early = log.log(**decision(10, "Varsling af beboere", incident_id=closed, type="warning",
                               required_consultations=None, missing_count=None))
    return {"incident": incident, "closed": closed, "decisions": (first, second, third), "early": early}


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["lbs", "verify"])
    return result.exit_code, result.output


def statuses(decision_id: int) -> dict[str, str]:
    record = decision_record(decision_id)
    return {item["party"]: item["status"] for item in record["required_consultations"]}


Upgraded = tuple[Flask, dict[str, Any], dict[int, str]]


@pytest.fixture
def upgraded(fresh_database_url: str) -> Upgraded:
    """A database at the old revision with the old log, upgraded to head; with the decisions' hashes before."""
    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            seeded = seed_old_log(connection)
            decisions = old_tables(connection)["decisions"]
            hashes = {row.id: row.hash for row in connection.execute(select(decisions.c.id, decisions.c.hash))}
        upgrade()
        db.session.remove()
    return app, seeded, hashes


def test_upgrade_keeps_old_chains_intact_and_judges_them(upgraded: Upgraded) -> None:
    app, seeded, hashes = upgraded
    first, second, third = seeded["decisions"]
    early = seeded["early"]
    code, output = verify(app)
    assert code == 0, output
    assert "2 incident(s), 4 decision(s)" in output

    with app.app_context():
        stored = {d.id: d for d in db.session.scalars(select(Decision))}
        # The upgrade changed no hash and filled nothing the hash covers.
        assert {i: d.hash for i, d in stored.items()} == hashes
        assert all(d.decided_by_name is None and d.decided_by_seat is None for d in stored.values())
        # Backfilled by the new judging: an approval only informed and an unanswered consultation are not met.
        assert {i: d.unmet_count for i, d in stored.items()} == {first: 2, second: 1, third: 0, early: None}
        assert stored[first].missing_count == 0  # the old judging's count, hash-covered, stays

        assert statuses(first) == {"kd": "insufficient_form", "amk": "no_answer", "beredskab": "met"}
        assert statuses(second) == {"kd": "missing"}
        assert statuses(third) == {"kd": "met"}
        record = decision_record(first)
        assert {item["party"] for item in record["missing_consultations"]} == {"kd", "amk"}
        assert record["decided_by_name"] == "Politiinspektør Hansen"
        assert record["costs"][0]["estimate_dkk"] == "125000.50"
        assert all(item["recorded_at"] == record["recorded_at"] for item in record["consultations"])
        assert decision_record(second)["amended_by"] == 3
        assert statuses(early) == {}  # no rules in this database: nothing computed as required
        # The closed incident's closing is in its history.
        events = Table("incident_events", MetaData(), _time("ended_at"), autoload_with=db.session.connection())
        assert [(e.incident_id, e.kind, e.ended_at) for e in db.session.execute(select(events))] == [
            (seeded["closed"], "closed", T0 + timedelta(days=1))]


def test_appending_to_an_old_decision_keeps_verify_passing(upgraded: Upgraded) -> None:
    app, seeded, hashes = upgraded
    first, second, _third = seeded["decisions"]
    with app.app_context():
        token = issue_token(username="politi")
        db.session.commit()
    api = ApiClient(app.test_client(), token)
    body = {"party": "kd", "consulted_at": (T0 + timedelta(hours=1)).isoformat(), "mode": "approve",
            "outcome": "agreed", "channel": "telefon", "note": "Ringede tilbage kl. 03.15"}
    response = api.post(f"/api/v1/decisions/{first}/consultations", json=body)
    assert response.status_code == 201, response.get_json()
    # Only the current version takes one; a closed incident none.
    amended = api.post(f"/api/v1/decisions/{second}/consultations", json=body)
    assert amended.status_code == 409 and "current version is decision 3" in amended.get_json()["error"]["message"]
    assert api.post(f"/api/v1/decisions/{seeded['early']}/consultations", json=body).status_code == 409

    read = api.get(f"/api/v1/decisions/{first}")
    assert read.status_code == 200
    judged = {item["party"]: item["status"] for item in read.get_json()["required_consultations"]}
    assert judged == {"kd": "met", "amk": "no_answer", "beredskab": "met"}
    with app.app_context():
        decision = db.session.get(Decision, first)
        assert decision is not None
        assert decision.unmet_count == 1 and decision.hash == hashes[first]
        db.session.remove()
    code, output = verify(app)
    assert code == 0, output


def test_an_edit_of_an_old_row_is_caught_after_the_upgrade(upgraded: Upgraded) -> None:
    app, seeded, _hashes = upgraded
    first, second, _third = seeded["decisions"]

    def change(table: str, row_id: int, **values: Any) -> None:
        with app.app_context():
            found = old_tables(db.session.connection())[table]
            db.session.execute(update(found).where(found.c.id == row_id).values(**values))
            db.session.commit()

    with app.app_context():
        consultations = old_tables(db.session.connection())["consultations"]
        informed = db.session.execute(select(consultations.c.id).where(
            consultations.c.decision_id == first, consultations.c.mode == "inform")).scalar_one()
    # The classic one: an approval only informed, made to look asked for approval.
    change("consultations", informed, mode="approve")
    code, output = verify(app)
    assert code == 1 and "chain broken at decision 1" in output, output
    change("consultations", informed, mode="inform")
    assert verify(app)[0] == 0

    change("decisions", second, title="Afspærring af Åvej (rettet)")
    code, output = verify(app)
    assert code == 1 and "chain broken at decision 2" in output, output
