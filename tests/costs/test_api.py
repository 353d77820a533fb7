"""Costs API: contract shapes, error precedence, workflow, scoping, nothing written on error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.costs.models import CostChange
from lbs.decisions.models import CostLine, CostStatus
from lbs.extensions import db
from tests import factories as f


def _setup():
    inc = f.incident("Costs API test")
    d1 = f.decision_with_costs(inc, [
        {"bearer": "657", "category": "emergency_accommodation", "estimate": "100000.00"},
        {"bearer": "657", "category": "catering", "estimate": "40000.50", "provisional": True},
    ])
    d2 = f.decision_with_costs(inc, [
        {"bearer": "661", "category": "catering", "estimate": "0.01", "description": "kaffe"},
        {"bearer": "657", "category": "catering", "estimate": "0.01"},
    ])
    db.session.commit()
    return inc, d1.test_lines + d2.test_lines


def _changes() -> int:
    return db.session.scalar(select(func.count(CostChange.id))) or 0


def _audits() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def test_incident_costs_shape_order_and_totals(app, api_as):
    inc, lines = _setup()
    response = api_as("revisor").get(f"/api/v1/incidents/{inc.id}/costs")
    assert response.status_code == 200
    body = response.get_json()
    assert [line["id"] for line in body["lines"]] == [line.id for line in lines]
    first = body["lines"][1]
    assert first == {
        "id": lines[1].id, "decision_id": lines[1].decision_id, "bearer": f.municipality("657").organisation_id,
        "category": "catering", "description": None, "estimate_dkk": "40000.50", "actual_dkk": None,
        "status": "estimated", "provisional": True,
    }
    herning = f.municipality("657").organisation_id
    holstebro = f.municipality("661").organisation_id
    # Ordered by bearer name (Herning before Holstebro), then category.
    assert body["totals"] == [
        {"bearer": herning, "category": "catering", "estimate_dkk": "40000.51", "actual_dkk": None},
        {"bearer": herning, "category": "emergency_accommodation", "estimate_dkk": "100000.00", "actual_dkk": None},
        {"bearer": holstebro, "category": "catering", "estimate_dkk": "0.01", "actual_dkk": None},
    ]


def test_superseded_lines_listed_but_not_totalled(app, api_as):
    inc, lines = _setup()
    amendment = f.decision_with_costs(inc, [{"bearer": "657", "category": "catering", "estimate": "7.00"}])
    for line in lines[:2]:
        line.superseded_by_id = amendment.id
    db.session.commit()
    body = api_as("politi").get(f"/api/v1/incidents/{inc.id}/costs").get_json()
    assert len(body["lines"]) == 5
    herning = f.municipality("657").organisation_id
    totals = {(t["bearer"], t["category"]): t["estimate_dkk"] for t in body["totals"]}
    assert totals[(herning, "catering")] == "7.01"
    assert (herning, "emergency_accommodation") not in totals


def test_unknown_incident_is_404(app, api_as):
    assert api_as("herning").get("/api/v1/incidents/999999/costs").status_code == 404
    assert api_as("herning").get("/api/v1/incidents/99999999999/costs").status_code == 404


def test_accept_with_actual_then_settle_and_history(app, api_as):
    _, lines = _setup()
    api = api_as("herning")
    r = api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "accepted", "actual_dkk": "98500.5"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "accepted"
    assert r.get_json()["actual_dkk"] == "98500.50"
    r = api.patch(f"/api/v1/costs/{lines[0].id}", {"actual_dkk": 99000, "note": "korrigeret faktura"})
    assert r.status_code == 200
    assert r.get_json()["actual_dkk"] == "99000.00"
    r = api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "settled"})
    assert r.status_code == 200 and r.get_json()["status"] == "settled"
    history = api_as("politi").get(f"/api/v1/costs/{lines[0].id}/history").get_json()
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in history] == [
        ("actual_dkk", None, "98500.50", "herning"),
        ("status", "estimated", "accepted", "herning"),
        ("actual_dkk", "98500.50", "99000.00", "herning"),
        ("note", None, "korrigeret faktura", "herning"),
        ("status", "accepted", "settled", "herning"),
    ]
    assert all("+00:00" in h["at"] or h["at"].endswith("Z") for h in history)
    # Settled is frozen.
    before = _changes()
    for body in ({"note": "x"}, {"actual_dkk": "1.00"}, {"status": "accepted"}, {"status": "disputed", "note": "y"}):
        r = api.patch(f"/api/v1/costs/{lines[0].id}", body)
        assert r.status_code == 409, body
    assert _changes() == before


def test_dispute_needs_a_note(app, api_as):
    _, lines = _setup()
    api = api_as("herning")
    before, audits = _changes(), _audits()
    for body in ({"status": "disputed"}, {"status": "disputed", "note": ""}, {"status": "disputed", "note": "  "}):
        r = api.patch(f"/api/v1/costs/{lines[0].id}", body)
        assert r.status_code == 422
        assert "note" in r.get_json()["error"]["fields"]
    assert (_changes(), _audits()) == (before, audits)
    r = api.patch(f"/api/v1/costs/{lines[0].id}",
                  {"status": "disputed", "note": "Regionen bærer transporten", "informed": "LBS-formanden"})
    assert r.status_code == 200 and r.get_json()["status"] == "disputed"
    history = api.get(f"/api/v1/costs/{lines[0].id}/history").get_json()
    assert {"field": "informed", "old": None, "new": "LBS-formanden"} in [
        {k: h[k] for k in ("field", "old", "new")} for h in history]


@pytest.mark.parametrize("path, allowed", [
    (["accepted", "settled"], True),
    (["disputed", "settled"], True),
    (["accepted", "disputed", "accepted", "settled"], True),
    (["disputed", "accepted", "disputed", "settled"], True),
    (["settled"], False),
    (["accepted", "estimated"], False),
    (["disputed", "estimated"], False),
])
def test_every_transition(app, api_as, path, allowed):
    _, lines = _setup()
    api = api_as("herning")
    line_id = lines[0].id
    api.patch(f"/api/v1/costs/{line_id}", {"actual_dkk": "10.00"})
    for index, status in enumerate(path):
        body = {"status": status, "note": f"step {index}"}
        r = api.patch(f"/api/v1/costs/{line_id}", body)
        if index == len(path) - 1 and not allowed:
            assert r.status_code == 422
            assert "status" in r.get_json()["error"]["fields"]
        else:
            assert r.status_code == 200, (status, r.get_json())
            assert r.get_json()["status"] == status


def test_settle_needs_an_actual_amount(app, api_as):
    _, lines = _setup()
    api = api_as("herning")
    assert api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "accepted"}).status_code == 200
    r = api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "settled"})
    assert r.status_code == 422 and "actual_dkk" in r.get_json()["error"]["fields"]
    r = api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "settled", "actual_dkk": "0"})
    assert r.status_code == 200 and r.get_json()["actual_dkk"] == "0.00"


@pytest.mark.parametrize("bad", [
    "-5", "1e3", "1.234", "abc", "", " 12", "12 ", "1000000000000", "1,5", "0x10", "١٢", 12.5, -1, 10**12, True,
    [], {}, "1.", ".5",
])
def test_every_money_rule_is_422_and_writes_nothing(app, api_as, bad):
    _, lines = _setup()
    api = api_as("herning")
    before, audits = _changes(), _audits()
    r = api.patch(f"/api/v1/costs/{lines[0].id}", {"actual_dkk": bad})
    assert r.status_code == 422, bad
    assert "actual_dkk" in r.get_json()["error"]["fields"]
    assert (_changes(), _audits()) == (before, audits)
    db.session.expire_all()
    assert db.session.get(CostLine, lines[0].id).actual_dkk is None


@pytest.mark.parametrize("good, expected", [
    ("12000", "12000.00"), ("1.5", "1.50"), ("45000.50", "45000.50"), (0, "0.00"),
    (999_999_999_999, "999999999999.00"), ("999999999999.99", "999999999999.99"),
])
def test_valid_money(app, api_as, good, expected):
    _, lines = _setup()
    r = api_as("herning").patch(f"/api/v1/costs/{lines[0].id}", {"actual_dkk": good})
    assert r.status_code == 200
    assert r.get_json()["actual_dkk"] == expected


@pytest.mark.parametrize("body", [
    {"status": "paid"}, {"status": 3}, {"note": 5}, {"note": "a\x00b"}, {"note": "x" * 10_001}, {},
    {"invoice_ref": "x" * 201},
])
def test_other_validation_errors(app, api_as, body):
    _, lines = _setup()
    before = _changes()
    r = api_as("herning").patch(f"/api/v1/costs/{lines[0].id}", body)
    assert r.status_code == 422, body
    assert _changes() == before


def test_scoping_and_precedence(app, api_as):
    _, lines = _setup()
    herning_line, holstebro_line = lines[0], lines[2]
    before = _changes()
    for user in ("politi", "admin", "revisor"):
        api = api_as(user)
        assert api.patch(f"/api/v1/costs/{herning_line.id}", {"note": "x"}).status_code == 403
        # Non-municipal roles get 403 even for unknown ids and malformed bodies.
        assert api.patch("/api/v1/costs/999999", {"note": "x"}).status_code == 403
        assert api.open("PATCH", f"/api/v1/costs/{herning_line.id}", data="{not json").status_code == 403
    herning = api_as("herning")
    assert herning.patch("/api/v1/costs/999999", {"note": "x"}).status_code == 404
    assert herning.open("PATCH", "/api/v1/costs/999999", data="{bad").status_code == 404
    assert herning.patch(f"/api/v1/costs/{holstebro_line.id}", {"note": "x"}).status_code == 403
    assert herning.open("PATCH", f"/api/v1/costs/{holstebro_line.id}", data="{bad").status_code == 403
    assert herning.open("PATCH", f"/api/v1/costs/{herning_line.id}", data="{bad").status_code == 400
    assert herning.open("PATCH", f"/api/v1/costs/{herning_line.id}", data="[1]").status_code == 422
    assert herning.open("PATCH", f"/api/v1/costs/{herning_line.id}", data="NaN").status_code == 400
    holstebro = api_as("holstebro")
    assert holstebro.patch(f"/api/v1/costs/{herning_line.id}", {"status": "accepted"}).status_code == 403
    assert holstebro.patch(f"/api/v1/costs/{holstebro_line.id}", {"status": "accepted"}).status_code == 200
    assert api_as(None).patch(f"/api/v1/costs/{herning_line.id}", {"note": "x"}).status_code == 401
    assert _changes() == before + 1


def test_validation_before_conflict(app, api_as):
    _, lines = _setup()
    api = api_as("herning")
    api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "accepted", "actual_dkk": "5"})
    api.patch(f"/api/v1/costs/{lines[0].id}", {"status": "settled"})
    assert api.patch(f"/api/v1/costs/{lines[0].id}", {"actual_dkk": "-5"}).status_code == 422
    assert api.open("PATCH", f"/api/v1/costs/{lines[0].id}", data="{").status_code == 400
    assert api.patch(f"/api/v1/costs/{lines[0].id}", {"actual_dkk": "5"}).status_code == 409


def test_superseded_line_is_frozen(app, api_as):
    inc, lines = _setup()
    amendment = f.decision_with_costs(inc, [])
    lines[0].superseded_by_id = amendment.id
    db.session.commit()
    assert api_as("herning").patch(f"/api/v1/costs/{lines[0].id}", {"note": "x"}).status_code == 409


def test_history_unknown_line_is_404_and_empty_history(app, api_as):
    _, lines = _setup()
    assert api_as("admin").get("/api/v1/costs/999999/history").status_code == 404
    assert api_as("admin").get(f"/api/v1/costs/{lines[0].id}/history").get_json() == []


def test_change_is_audited(app, api_as):
    _, lines = _setup()
    api_as("herning").patch(f"/api/v1/costs/{lines[0].id}", {"status": "accepted", "actual_dkk": "1.00"})
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "cost_line",
                                                        AuditEvent.object_id == str(lines[0].id))).one()
    assert event.actor == "herning"
    assert event.data["changes"]["status"] == {"old": "estimated", "new": "accepted"}
    assert event.data["changes"]["actual_dkk"] == {"old": None, "new": "1.00"}
    db.session.expire_all()
    assert db.session.get(CostLine, lines[0].id).status is CostStatus.ACCEPTED
    assert db.session.get(CostLine, lines[0].id).actual_dkk == Decimal("1.00")
