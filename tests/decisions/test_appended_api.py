"""``POST /api/v1/decisions/{id}/consultations``: a consultation appended to a logged decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.consultation.models import Consultation
from lbs.decisions import verification
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories


def _decision_body(**overrides):
    data = {
        "staff": "LBS-O", "decided_at": (utcnow() - timedelta(minutes=2)).isoformat(),
        "decided_by": db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one(),
        "owner": factories.organisation("Herning Kommune").id, "type": "resource_request",
        "title": "Forplejning", "decision": "Herning sørger for forplejning.", "rationale": "Mange evakuerede.",
        # A municipal cost between T1 and T2: the Kommunaldirektør must approve (R5).
        "costs": [{"bearer": factories.organisation("Herning Kommune").id, "category": "catering",
                   "estimate_dkk": "90000"}],
    }
    data.update(overrides)
    return data


def _consultation(**overrides):
    data = {"party": "657:kommunaldirektoer", "consulted_at": utcnow().isoformat(), "mode": "approve",
            "outcome": "agreed", "channel": "telefon", "note": "Ringede tilbage 03:10"}
    data.update(overrides)
    return data


@pytest.fixture
def incident(app):
    inc = factories.incident()
    db.session.commit()
    return inc


@pytest.fixture
def logged(api_as, incident):
    response = api_as("politi").post(f"/api/v1/incidents/{incident.id}/decisions", json=_decision_body())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _status(decision, party):
    return {r["party"]: r["status"] for r in decision["required_consultations"]}.get(party)


def _rows():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Consultation)), \
        db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_append_answers_201_and_the_decision_counts_it(api_as, logged, incident):
    api = api_as("politi")
    assert _status(logged, "657:kommunaldirektoer") == "missing"
    unmet_before = db.session.get(Decision, logged["id"]).unmet_count
    assert unmet_before and unmet_before >= 1
    response = api.post(f"/api/v1/decisions/{logged['id']}/consultations", json=_consultation(
        consulted_at="2026-12-06T03:10:00+01:00"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "decision_id", "party", "consulted_at", "recorded_at", "mode", "outcome", "channel",
                         "note", "recorded_by"}
    assert body["decision_id"] == logged["id"] and body["party"] == "657:kommunaldirektoer"
    assert body["consulted_at"] == "2026-12-06T02:10:00+00:00" and body["recorded_at"].endswith("+00:00")
    assert (body["mode"], body["outcome"], body["channel"], body["note"]) == (
        "approve", "agreed", "telefon", "Ringede tilbage 03:10")
    assert isinstance(body["recorded_by"], int)

    decision = api.get(f"/api/v1/decisions/{logged['id']}").get_json()
    assert decision["hash"] == logged["hash"]  # nothing already logged changed
    assert decision["consultations"][-1]["party"] == "657:kommunaldirektoer"
    assert decision["consultations"][-1]["appended"] is True and decision["consultations"][-1]["recorded_at"]
    assert _status(decision, "657:kommunaldirektoer") == "met"
    assert "657:kommunaldirektoer" not in {r["party"] for r in decision["missing_consultations"]}
    db.session.expire_all()
    after = db.session.get(Decision, logged["id"])
    assert after.unmet_count == unmet_before - 1
    incident_row = db.session.get(Incident, incident.id)
    assert incident_row.appended_consultations == 1 and incident_row.consultation_head
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.consultation.append")).one()
    assert audit.actor == "politi" and audit.object_id == str(logged["id"])
    assert api.get(f"/api/v1/incidents/{incident.id}/verify").get_json() == {
        "ok": True, "checked": 1, "first_broken": None, "broken_attachment": None}


def test_an_informed_approval_stays_insufficient_and_an_objection_is_objected(api_as, logged):
    api = api_as("politi")
    url = f"/api/v1/decisions/{logged['id']}/consultations"
    assert api.post(url, json=_consultation(mode="inform")).status_code == 201
    assert _status(api.get(f"/api/v1/decisions/{logged['id']}").get_json(),
                   "657:kommunaldirektoer") == "insufficient_form"
    assert api.post(url, json=_consultation(outcome="objected")).status_code == 201
    assert _status(api.get(f"/api/v1/decisions/{logged['id']}").get_json(), "657:kommunaldirektoer") == "objected"


def test_an_amended_decision_is_a_409_naming_the_current_version(api_as, logged):
    api = api_as("politi")
    second = api.post(f"/api/v1/decisions/{logged['id']}/amendments", json={"reason": "Nyt overslag"}).get_json()
    third = api.post(f"/api/v1/decisions/{second['id']}/amendments", json={"reason": "Igen"}).get_json()
    before = _rows()
    response = api.post(f"/api/v1/decisions/{logged['id']}/consultations", json=_consultation())
    assert response.status_code == 409
    assert f"decision {third['number']}" in response.get_json()["error"]["message"]
    assert _rows() == before
    assert api.post(f"/api/v1/decisions/{third['id']}/consultations", json=_consultation()).status_code == 201


def test_a_closed_incident_is_a_409(api_as, logged, incident):
    api = api_as("politi")
    assert api.post(f"/api/v1/incidents/{incident.id}/close").status_code == 200
    before = _rows()
    response = api.post(f"/api/v1/decisions/{logged['id']}/consultations", json=_consultation())
    assert response.status_code == 409 and "closed" in response.get_json()["error"]["message"]
    assert _rows() == before
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).appended_consultations == 0


@pytest.mark.parametrize("change, field", [
    ({"party": "657:nobody"}, "party"),
    ({"party": None}, "party"),
    ({"mode": "shout"}, "mode"),
    ({"outcome": None}, "outcome"),
    ({"outcome": "maybe"}, "outcome"),
    ({"consulted_at": "2026-12-06T03:10:00"}, "consulted_at"),  # no offset
    ({"consulted_at": "late"}, "consulted_at"),
    ({"consulted_at": lambda: (utcnow() + timedelta(minutes=10)).isoformat()}, "consulted_at"),  # at run time
    ({"channel": "x" * 201}, "channel"),
    ({"note": "x" * 10_001}, "note"),
    ({"note": "a\x00b"}, "note"),
    ({"channel": 5}, "channel"),
])
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(api_as, logged, change, field):
    change = {key: value() if callable(value) else value for key, value in change.items()}
    api = api_as("politi")
    before = _rows()
    response = api.post(f"/api/v1/decisions/{logged['id']}/consultations", json=_consultation(**change))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _rows() == before


def test_error_precedence(api_as, client, logged):
    url = f"/api/v1/decisions/{logged['id']}/consultations"
    assert client.post(url, json=_consultation()).status_code == 401
    assert api_as("herning").post(url, json=_consultation()).status_code == 403
    assert api_as("revisor").post(url, json=_consultation()).status_code == 403
    assert api_as("herning").post("/api/v1/decisions/999999/consultations", json={}).status_code == 403
    api = api_as("politi")
    assert api.post("/api/v1/decisions/999999/consultations", json=_consultation()).status_code == 404
    assert api.open("POST", url, data="{not json").status_code == 400
    assert api.open("POST", url, data="[1]").status_code == 422
    assert api.open("POST", url, data='{"party": "\\ud800"}').status_code == 422
    assert api_as("admin").post(url, json=_consultation()).status_code == 201


def test_the_openapi_document_lists_the_operation(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/decisions/{decision_id}/consultations"]["post"]
    assert operation["operationId"] == "appendConsultation"
    assert "201" in operation["responses"] and "409" in operation["responses"]


def test_verify_stays_ok_with_several_appended_on_several_decisions(api_as, logged, incident):
    api = api_as("politi")
    other = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=_decision_body(title="Andet")).get_json()
    for target in (logged, other, logged):
        assert api.post(f"/api/v1/decisions/{target['id']}/consultations",
                        json=_consultation(mode="consult")).status_code == 201
    db.session.expire_all()
    result = verification.verify_incident(db.session.get(Incident, incident.id))
    assert result.ok and result.checked == 2
    seqs = db.session.scalars(select(Consultation.appended_seq).where(Consultation.incident_id == incident.id)
                              .order_by(Consultation.appended_seq)).all()
    assert seqs == [1, 2, 3]
