"""The decision log API: incidents, decisions, amendments, verify, CSV — every error path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.consultation.facts import Requirement
from lbs.decisions import compliance
from lbs.decisions.models import CostLine, Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories


def _person_id(name: str = "Politiinspektør (stabschef)") -> int:
    return db.session.scalars(select(Person.id).where(Person.name == name)).one()


def body(**overrides):
    data = {
        "staff": "LBS-O",
        "decided_at": (utcnow() - timedelta(minutes=2)).isoformat(),
        "decided_by": _person_id(),
        "owner": factories.organisation("Midt- og Vestjyllands Politi").id,
        "type": "cordon",
        "title": "Afspærring af Bredgade",
        "decision": "Bredgade afspærres mellem Torvet og Østergade.",
        "rationale": "Vandstanden er over 40 cm.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def _counts(incident_id: int) -> tuple[int, int, int]:
    incident = db.session.get(Incident, incident_id)
    db.session.refresh(incident)
    decisions = db.session.scalar(select(func.count()).select_from(Decision).where(Decision.incident_id == incident_id))
    lines = db.session.scalar(select(func.count()).select_from(CostLine).where(CostLine.incident_id == incident_id))
    return decisions, lines, incident.last_decision_number


@pytest.fixture
def incident(app):
    inc = factories.incident()
    db.session.commit()
    return inc


def test_incident_create_list_get_close(api_as):
    api = api_as("politi")
    response = api.post("/api/v1/incidents", json={
        "title": "Storm over Lemvig", "kind": "storm_surge", "started_at": "2026-11-27T22:00:00+01:00",
        "municipalities": ["665", "671"], "exercise": True})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["municipalities"] == ["665", "671"] and created["status"] == "active"
    assert created["started_at"] == "2026-11-27T21:00:00+00:00" and created["ended_at"] is None
    assert set(created) >= {"id", "title", "kind", "started_at", "ended_at", "municipalities", "status"}
    assert api.get(f"/api/v1/incidents/{created['id']}").get_json()["title"] == "Storm over Lemvig"
    closed = api.post(f"/api/v1/incidents/{created['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed" and closed.get_json()["ended_at"]
    assert api.post(f"/api/v1/incidents/{created['id']}/close").status_code == 409
    listing = api_as("revisor").get("/api/v1/incidents").get_json()
    statuses = [i["status"] for i in listing]
    assert statuses == sorted(statuses, key=lambda s: s != "active")
    active = [i["started_at"] for i in listing if i["status"] == "active"]
    assert active == sorted(active)


@pytest.mark.parametrize("payload, field", [
    ({"kind": "flood", "started_at": "2026-11-27T22:00:00+01:00", "municipalities": ["657"]}, "title"),
    ({"title": "x", "kind": "volcano", "started_at": "2026-11-27T22:00:00+01:00", "municipalities": ["657"]}, "kind"),
    ({"title": "x", "kind": "flood", "started_at": "2026-11-27T22:00:00", "municipalities": ["657"]}, "started_at"),
    ({"title": "x", "kind": "flood", "started_at": "2026-11-27T22:00:00Z", "municipalities": ["999"]},
     "municipalities"),
    ({"title": "x", "kind": "flood", "started_at": "2026-11-27T22:00:00Z", "municipalities": []}, "municipalities"),
    ({"title": "x" * 201, "kind": "flood", "started_at": "2026-11-27T22:00:00Z", "municipalities": ["657"]}, "title"),
    ({"title": "a\x00b", "kind": "flood", "started_at": "2026-11-27T22:00:00Z", "municipalities": ["657"]}, "title"),
    ({"title": "x", "kind": "flood", "started_at": "2026-11-27T22:00:00Z", "municipalities": "657"},
     "municipalities"),
    ({"title": "x", "kind": "flood", "started_at": 12, "municipalities": ["657"], "exercise": "yes"}, "exercise"),
])
def test_incident_create_validation(api_as, payload, field):
    response = api_as("admin").post("/api/v1/incidents", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_incident_errors_precedence(api_as, client):
    assert client.post("/api/v1/incidents", json={}).status_code == 401
    assert api_as("herning").post("/api/v1/incidents", data="{bad").status_code == 403
    assert api_as("politi").post("/api/v1/incidents", data="{bad").status_code == 400
    assert api_as("politi").post("/api/v1/incidents", json=[1]).status_code == 422
    assert api_as("politi").get("/api/v1/incidents/999999").status_code == 404
    assert api_as("politi").post("/api/v1/incidents/99999999999/close").status_code == 404
    assert api_as("revisor").post("/api/v1/incidents/999999/close").status_code == 403


def test_log_decision_numbers_hash_and_shape(api_as, incident):
    api = api_as("politi")
    first = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        information="Målinger fra Forsyningen", legal_basis="Beredskabsloven § 17", urgent=True,
        options=[{"text": "Afspær hele midtbyen", "chosen": False, "rejection_reason": "Unødigt stort"},
                 {"text": "Afspær Bredgade", "chosen": True}],
        costs=[{"bearer": factories.organisation("Herning Kommune").id, "category": "supplies",
                "estimate_dkk": "12000.5", "provisional": True, "description": "Sandsække"}],
        consultations=[{"party": "657:kommunaldirektoer", "consulted_at": utcnow().isoformat(), "mode": "consult",
                        "outcome": "objected", "channel": "telefon"}],
    ))
    assert first.status_code == 201, first.get_json()
    d = first.get_json()
    for key in ("id", "incident_id", "number", "staff", "decided_at", "recorded_at", "decided_by", "owner", "type",
                "title", "decision", "rationale", "amends", "costs", "consultations", "required_consultations",
                "missing_consultations", "hash", "prev_hash", "decided_by_off_roster", "information", "options",
                "legal_basis", "urgent", "missing_reason", "delay_reason"):
        assert key in d, key
    assert d["number"] == 1 and d["prev_hash"] is None and len(d["hash"]) == 64 and d["amends"] is None
    assert d["staff"] == "LBS-O" and d["decided_by_off_roster"] is False and d["urgent"] is True
    assert d["costs"][0]["estimate_dkk"] == "12000.50" and d["costs"][0]["status"] == "estimated"
    assert d["costs"][0]["actual_dkk"] is None and d["costs"][0]["provisional"] is True
    assert d["costs"][0]["decision_id"] == d["id"]
    assert d["consultations"][0]["party"] == "657:kommunaldirektoer"
    assert d["consultations"][0]["outcome"] == "objected"
    assert d["decided_at"].endswith("+00:00") and d["options"][0]["rejection_reason"] == "Unødigt stort"
    second = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        decided_by=_person_id("Politidirektør"), staff="LBS-O", costs=[{"bearer": d["owner"],
        "category": "equipment", "estimate_dkk": 500}])).get_json()
    assert second["number"] == 2 and second["prev_hash"] == d["hash"]
    assert second["decided_by_off_roster"] is True  # the chief of police has no seat in LBS-O
    assert second["costs"][0]["estimate_dkk"] == "500.00"
    got = api_as("herning").get(f"/api/v1/decisions/{d['id']}")
    assert got.status_code == 200 and got.get_json()["hash"] == d["hash"]
    listing = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions").get_json()
    assert [x["number"] for x in listing] == [1, 2]
    assert [x["number"] for x in api.get(f"/api/v1/incidents/{incident.id}/decisions?after=1").get_json()] == [2]
    assert [x["number"] for x in api.get(f"/api/v1/incidents/{incident.id}/decisions?limit=1").get_json()] == [1]
    past_the_end = api.get(f"/api/v1/incidents/{incident.id}/decisions?after=2")
    assert past_the_end.status_code == 200 and past_the_end.get_json() == []
    lines = [x["costs"] for x in listing]  # each decision's own lines, none of the other's
    assert [[c["estimate_dkk"] for c in costs] for costs in lines] == [["12000.50"], ["500.00"]]
    verify = api.get(f"/api/v1/incidents/{incident.id}/verify").get_json()
    assert verify == {"ok": True, "checked": 2, "first_broken": None, "broken_attachment": None}


@pytest.mark.parametrize("query", ["limit=1001", "limit=0", "limit=abc", "limit=1.5", "after=-1", "after=x",
                                   "limit=99999999999999999999"])
def test_list_bad_query_is_422(api_as, incident, query):
    response = api_as("politi").get(f"/api/v1/incidents/{incident.id}/decisions?{query}")
    assert response.status_code == 422


def test_list_limit_1000_is_allowed(api_as, incident):
    assert api_as("politi").get(f"/api/v1/incidents/{incident.id}/decisions?limit=1000").status_code == 200


def _bad_cases():
    now = utcnow()
    return [
        ({"staff": ...}, "staff"),
        ({"staff": "LBS-X"}, "staff"),
        ({"staff": 5}, "staff"),
        ({"decided_by": 999999}, "decided_by"),
        ({"decided_by": 2**40}, "decided_by"),
        ({"decided_by": "1"}, "decided_by"),
        ({"decided_by": True}, "decided_by"),
        ({"owner": 999999}, "owner"),
        ({"owner": ...}, "owner"),
        ({"type": "party"}, "type"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"decision": "a\x00b"}, "decision"),
        ({"decision": "x" * 10_001}, "decision"),
        ({"rationale": ...}, "rationale"),
        ({"rationale": ["x"]}, "rationale"),
        ({"decided_at": "2026-11-28T02:14:00"}, "decided_at"),
        ({"decided_at": "yesterday"}, "decided_at"),
        ({"decided_at": FromNow(timedelta(minutes=10))}, "decided_at"),
        ({"decided_at": FromNow(-timedelta(days=3)), "delay_reason": "x"}, "decided_at"),
        ({"decided_at": FromNow(-timedelta(minutes=30))}, "delay_reason"),
        ({"urgent": "yes"}, "urgent"),
        ({"options": "none"}, "options"),
        ({"options": [{"chosen": True}]}, "options[0].text"),
        ({"options": [5]}, "options[0]"),
        ({"costs": [{"bearer": 999999, "category": "supplies", "estimate_dkk": "10"}]}, "costs[0].bearer"),
        ({"costs": [{"bearer": 1, "category": "beer", "estimate_dkk": "10"}]}, "costs[0].category"),
        ({"costs": [{"bearer": 1, "category": "supplies", "estimate_dkk": "-5"}]}, "costs[0].estimate_dkk"),
        ({"costs": [{"bearer": 1, "category": "supplies", "estimate_dkk": "1.234"}]}, "costs[0].estimate_dkk"),
        ({"costs": [{"bearer": 1, "category": "supplies", "estimate_dkk": "1e3"}]}, "costs[0].estimate_dkk"),
        ({"costs": [{"bearer": 1, "category": "supplies", "estimate_dkk": 10.5}]}, "costs[0].estimate_dkk"),
        ({"costs": [{"bearer": 1, "category": "supplies", "estimate_dkk": 10**12}]}, "costs[0].estimate_dkk"),
        ({"costs": [{"bearer": 1, "category": "supplies", "estimate_dkk": "abc"}]}, "costs[0].estimate_dkk"),
        ({"costs": [{"bearer": 1, "category": "supplies"}]}, "costs[0].estimate_dkk"),
        ({"consultations": [{"party": "nobody", "consulted_at": now.isoformat(), "mode": "consult",
                             "outcome": "agreed"}]}, "consultations[0].party"),
        ({"consultations": [{"party": "657:borgmester", "consulted_at": "2026-11-28T02:00", "mode": "consult",
                             "outcome": "agreed"}]}, "consultations[0].consulted_at"),
        ({"consultations": [{"party": "657:borgmester", "consulted_at": now.isoformat(), "mode": "shout",
                             "outcome": "maybe"}]}, "consultations[0].mode"),
        ({"conditions": "vulnerable"}, "conditions"),
        ({"missing_reason": 7}, "missing_reason"),
    ]


@dataclass(frozen=True)
class FromNow:
    delta: timedelta

    def resolve(self) -> str:
        return (utcnow() + self.delta).isoformat()

    def __str__(self) -> str:
        return f"now{'+' if self.delta >= timedelta(0) else '-'}{abs(self.delta)}"


@pytest.mark.parametrize("overrides, field", _bad_cases(), ids=lambda v: str(v)[:40] if isinstance(v, dict) else v)
def test_bad_decision_is_422_and_writes_nothing(api_as, incident, overrides, field):
    api = api_as("politi")
    assert api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).status_code == 201
    before = _counts(incident.id)
    # Times relative to now are resolved when the test runs, not when pytest collects it.
    overrides = {k: v.resolve() if isinstance(v, FromNow) else v for k, v in overrides.items()}
    response = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(**overrides))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert _counts(incident.id) == before
    # no number consumed: the next good decision is number 2
    assert api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()["number"] == 2


def test_decision_before_incident_start_is_422(api_as):
    inc = factories.incident(started_at=utcnow() - timedelta(minutes=5))
    db.session.commit()
    response = api_as("politi").post(f"/api/v1/incidents/{inc.id}/decisions",
                                     json=body(decided_at=(utcnow() - timedelta(minutes=10)).isoformat()))
    assert response.status_code == 422 and "decided_at" in response.get_json()["error"]["fields"]


def test_delay_with_reason_is_accepted(api_as, incident):
    response = api_as("admin").post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        decided_at=(utcnow() - timedelta(hours=1)).isoformat(), delay_reason="Logføreren var på stedet"))
    assert response.status_code == 201 and response.get_json()["delay_reason"] == "Logføreren var på stedet"


def test_decision_precedence_and_closed_incident(api_as, client, incident):
    url = f"/api/v1/incidents/{incident.id}/decisions"
    assert client.post(url, json=body()).status_code == 401
    assert api_as("herning").post("/api/v1/incidents/999999/decisions", data="{x").status_code == 403
    assert api_as("revisor").post(url, json=body()).status_code == 403
    assert api_as("politi").post("/api/v1/incidents/999999/decisions", data="{x").status_code == 404
    assert api_as("politi").post(url, data="{x").status_code == 400
    assert api_as("politi").post(url, data="[]").status_code == 422
    api = api_as("politi")
    assert api.post(f"/api/v1/incidents/{incident.id}/close").status_code == 200
    assert api.post(url, json={"title": 5}).status_code == 422  # validation before the closed state
    before = _counts(incident.id)
    assert api.post(url, json=body()).status_code == 409
    assert _counts(incident.id) == before


def test_hostile_bodies_never_500(api_as, incident):
    api = api_as("politi")
    url = f"/api/v1/incidents/{incident.id}/decisions"
    for raw in ['{"staff": "LBS-O", "decided_by": 1e400}', '{"decided_by": 99999999999999999999999999}',
                '{"title": "\\u0000"}', '{"costs": [[]]}', '{"costs": {}}', '{"consultations": [null]}',
                '{"options": [{"text": "a", "chosen": "x"}]}', "null", "NaN", '{"a": NaN}',
                "[" * 5000 + "]" * 5000, '{"decided_at": "9999-12-31T23:59:59+14:00"}',
                '{"decided_at": "0001-01-01T00:00:00+01:00"}', '{"conditions": {"a": 1.5}}',
                '{"title": "\\ud800"}', '{"consultations": [{"party": "\\udfff"}]}', '{"\\ud800": 1}']:
        response = api.open("POST", url, data=raw)
        assert response.status_code in (400, 422), (raw[:40], response.status_code)


def test_lone_surrogates_are_422(api_as, incident):
    api = api_as("politi")
    response = api.open("POST", "/api/v1/incidents", data='{"title": "\\ud800", "kind": "flood"}')
    assert response.status_code == 422
    d = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()
    response = api.open("POST", f"/api/v1/decisions/{d['id']}/amendments", data='{"reason": "\\ud800"}')
    assert response.status_code == 422


def test_preview_stores_nothing_and_judges_each_requirement(api_as, incident, monkeypatch):
    def fake(*, facts):
        assert facts.municipalities == ("657",) and facts.type == "evacuation"
        assert facts.costs and facts.costs[0].estimate_dkk == factories.money("90000.00")
        return [Requirement("657:kommunaldirektoer", "Kommunaldirektør", 1, "consult", "R2"),
                Requirement("657:borgmester", "Borgmester", 1, "approve", "R6")]

    monkeypatch.setattr(compliance, "required_consultations", fake)
    api = api_as("politi")
    before = _counts(incident.id)
    payload = body(type="evacuation", costs=[{"bearer": factories.organisation("Herning Kommune").id,
                                               "category": "catering", "estimate_dkk": "90000"}],
                   consultations=[{"party": "657:borgmester", "consulted_at": utcnow().isoformat(),
                                   "mode": "inform", "outcome": "no_answer"}])
    response = api.post(f"/api/v1/incidents/{incident.id}/decisions/preview", json=payload)
    assert response.status_code == 200
    result = response.get_json()
    assert [r["party"] for r in result["required_consultations"]] == ["657:kommunaldirektoer", "657:borgmester"]
    # The Borgmester was only informed of a decision they must approve: not met, and said why.
    assert [(r["party"], r["status"]) for r in result["required_consultations"]] == [
        ("657:kommunaldirektoer", "missing"), ("657:borgmester", "insufficient_form")]
    assert [r["party"] for r in result["missing_consultations"]] == ["657:kommunaldirektoer", "657:borgmester"]
    assert set(result["missing_consultations"][0]) == {"party", "name", "organisation_id", "mode", "rule", "status"}
    assert _counts(incident.id) == before
    assert api.post(f"/api/v1/incidents/{incident.id}/decisions/preview", json={"x": 1}).status_code == 422
    assert api.post("/api/v1/incidents/999999/decisions/preview", json=payload).status_code == 404
    assert api_as("herning").post(f"/api/v1/incidents/{incident.id}/decisions/preview",
                                  json=payload).status_code == 403
    logged = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=payload).get_json()
    for key in ("required_consultations", "missing_consultations"):
        assert [{k: r[k] for k in result[key][0]} for r in logged[key]] == result[key]


def test_amendment(api_as, incident):
    api = api_as("politi")
    herning = factories.organisation("Herning Kommune").id
    original = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(
        costs=[{"bearer": herning, "category": "supplies", "estimate_dkk": "10000"}],
        consultations=[{"party": "657:repraesentant", "consulted_at": utcnow().isoformat(), "mode": "consult",
                        "outcome": "agreed"}])).get_json()
    url = f"/api/v1/decisions/{original['id']}/amendments"
    assert api.post(url, json={"title": "Ny titel"}).status_code == 422  # reason required
    assert api.post(url, json={"reason": "x", "estimate": 5, "type": "bogus"}).status_code == 422
    assert api.post("/api/v1/decisions/999999/amendments", json={"reason": "x"}).status_code == 404
    assert api_as("herning").post(url, json={"reason": "x"}).status_code == 403
    assert api.post(url, data="{").status_code == 400
    plain = api.post(url, json={"reason": "Stavefejl i titlen", "title": "Afspærring af Bredgade (rettet)"})
    assert plain.status_code == 201, plain.get_json()
    amended = plain.get_json()
    assert amended["number"] == 2 and amended["amends"] == 1 and amended["title"].endswith("(rettet)")
    assert amended["decision"] == original["decision"] and amended["decided_at"] == original["decided_at"]
    assert amended["costs"] == [] and amended["amendment_reason"] == "Stavefejl i titlen"
    assert amended["delay_reason"] is None  # the reason stands in for it but is kept as itself
    assert [c["party"] for c in amended["consultations"]] == ["657:repraesentant"]
    assert amended["prev_hash"] == original["hash"]
    again = api.get(f"/api/v1/decisions/{original['id']}").get_json()
    assert again["hash"] == original["hash"] and again["amended_by"] == 2
    assert not again["costs"][0]["superseded"]
    url = f"/api/v1/decisions/{amended['id']}/amendments"  # only the current version can be amended
    with_costs = api.post(url, json={"reason": "Nyt overslag", "costs": [
        {"bearer": herning, "category": "supplies", "estimate_dkk": "25000"}]}).get_json()
    assert with_costs["number"] == 3 and with_costs["costs"][0]["estimate_dkk"] == "25000.00"
    line = db.session.get(CostLine, original["costs"][0]["id"])
    db.session.refresh(line)
    assert line.superseded_by_id == with_costs["id"]
    assert api.get(f"/api/v1/incidents/{incident.id}/verify").get_json() == {
        "ok": True, "checked": 3, "first_broken": None, "broken_attachment": None}
    assert api.post(f"/api/v1/incidents/{incident.id}/close").status_code == 200
    assert api.post(url, json={"reason": "for sent"}).status_code == 409


def test_decision_is_append_only(api_as, incident):
    api = api_as("admin")
    d = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()
    for method in ("PUT", "PATCH", "DELETE"):
        response = api.open(method, f"/api/v1/decisions/{d['id']}", json={"title": "x"})
        assert response.status_code == 405 and "error" in response.get_json()
    assert api.get("/api/v1/decisions/999999").status_code == 404
    assert api.get("/api/v1/decisions/99999999999").status_code == 404


def test_verify_and_csv(api_as, incident):
    api = api_as("politi")
    api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(title="=HYPERLINK(\"x\")",
             decision="Linje 1;\nLinje 2 \"citat\" æøå"))
    api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body())
    response = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    import csv
    import io
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "number" and len(rows) == 3
    assert rows[1][0] == "1" and "Linje 2 \"citat\" æøå" in rows[1][rows[0].index("decision")]
    assert rows[1][rows[0].index("title")].startswith("'=")
    assert api.get("/api/v1/incidents/999999/decisions.csv").status_code == 404
    assert api.get("/api/v1/incidents/999999/verify").status_code == 404
    empty = factories.incident(title="Tom")
    db.session.commit()
    assert api.get(f"/api/v1/incidents/{empty.id}/verify").get_json() == {
        "ok": True, "checked": 0, "first_broken": None, "broken_attachment": None}


def test_logging_a_decision_reads_as_much_with_many_costs_and_consultations(
        api_as, incident, count_queries):
    """The references of a decision are checked together (staff, decision maker, owner and roster in one
    statement; all cost bearers in one; all parties in one): the reads of a write do not grow with what it
    carries. (The inserts of its lines and consultations are one statement per table on PostgreSQL; SQLite's
    RETURNING gives no row order, so SQLAlchemy inserts those rows one by one there.)"""
    api = api_as("politi")
    orgs = [factories.organisation(name).id for name in ("Herning Kommune", "Holstebro Kommune",
                                                         "Ikast-Brande Kommune")]
    parties = ["657:kommunaldirektoer", "661:kommunaldirektoer", "657:repraesentant", "661:repraesentant"]

    def logged(costs: int, consulted: int) -> int:
        payload = body(
            costs=[{"bearer": orgs[i % len(orgs)], "category": "supplies", "estimate_dkk": "100"}
                   for i in range(costs)],
            consultations=[{"party": parties[i], "consulted_at": utcnow().isoformat(), "mode": "consult",
                            "outcome": "agreed"} for i in range(consulted)])
        with count_queries() as counter:
            response = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=payload)
            assert response.status_code == 201, response.get_json()
        return len([s for s in counter.statements if s.lstrip().upper().startswith("SELECT")])

    logged(1, 1)
    assert logged(1, 1) == logged(3, 4) == logged(12, 4)
