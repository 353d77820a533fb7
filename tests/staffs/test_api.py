"""The roster API (shared/contract.md, Rosters): every endpoint, its errors and its roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs.models import Assignment, Person, Position
from lbs.timeutil import utcnow
from tests import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def counts() -> tuple[int, int, int, int]:
    return count(Position), count(Person), count(Assignment), count(AuditEvent)


def police_org_id() -> int:
    return factories.organisation("Midt- og Vestjyllands Politi").id


def seat(title: str, staff: str = "LBS-O") -> Position:
    found = db.session.scalars(select(Position).where(Position.title == title)).one()
    assert found.staff.code == staff
    return found


def person_named(name: str) -> Person:
    return db.session.scalars(select(Person).where(Person.name == name)).one()


# a roster change that reaches back over the demo's logged decisions needs a reason (lbs.staffs.corrections)
REASON = "Efterregistreret"


def iso(days: float = 0) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def test_list_positions_shape_and_order(api_as):
    api = api_as("herning")
    response = api.get("/api/v1/staffs/LBS-O/positions")
    assert response.status_code == 200
    positions = response.get_json()
    assert positions[0]["title"] == "Stabschef (politiinspektør)"
    assert set(positions[0]) == {"id", "staff", "title", "organisation_id", "mandatory", "min_deputies"}
    assert all(p["staff"] == "LBS-O" for p in positions)
    herning = next(p for p in positions if p["title"] == "Krisestabskontakt, Herning Kommune")
    assert herning["min_deputies"] == 1 and herning["mandatory"] is True
    assert api.get("/api/v1/staffs/LBS-X/positions").status_code == 404


def test_create_position(api_as):
    api = api_as("politi")
    body = {"title": "Presse", "organisation_id": police_org_id(), "mandatory": True, "min_deputies": 2}
    response = api.post("/api/v1/staffs/LBS-S/positions", json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["staff"] == "LBS-S" and created["title"] == "Presse" and created["min_deputies"] == 2
    assert isinstance(created["id"], int)
    listed = api.get("/api/v1/staffs/LBS-S/positions").get_json()
    assert listed[-1] == created
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "position",
                                                        AuditEvent.object_id == str(created["id"]))).one()
    assert event.actor == "politi" and event.data["changes"]["title"] == {"old": None, "new": "Presse"}


@pytest.mark.parametrize("body, field", [
    ({"organisation_id": 1}, "title"),
    ({"title": "x" * 201, "organisation_id": 1}, "title"),
    ({"title": "a\x00b", "organisation_id": 1}, "title"),
    ({"title": "Ok"}, "organisation_id"),
    ({"title": "Ok", "organisation_id": 999999}, "organisation_id"),
    ({"title": "Ok", "organisation_id": "1"}, "organisation_id"),
    ({"title": "Ok", "organisation_id": 1, "mandatory": "yes"}, "mandatory"),
    ({"title": "Ok", "organisation_id": 1, "min_deputies": -1}, "min_deputies"),
    ({"title": "Ok", "organisation_id": 1, "min_deputies": 1.5}, "min_deputies"),
])
def test_create_position_invalid_is_422_and_writes_nothing(api_as, body, field):
    api = api_as("admin")
    before = counts()
    response = api.post("/api/v1/staffs/LBS-O/positions", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert counts() == before


def test_create_position_errors_precedence(api_as):
    api = api_as("politi")
    assert api.post("/api/v1/staffs/NOPE/positions", json={}).status_code == 404
    assert api.open("POST", "/api/v1/staffs/NOPE/positions", data="{bad").status_code == 404
    assert api.open("POST", "/api/v1/staffs/LBS-O/positions", data="{bad").status_code == 400
    assert api.post("/api/v1/staffs/LBS-O/positions", json=[1]).status_code == 422
    # 403 before 404 and 400
    municipal = api_as("herning")
    assert municipal.post("/api/v1/staffs/NOPE/positions", json={}).status_code == 403
    assert municipal.open("POST", "/api/v1/staffs/LBS-O/positions", data="{bad").status_code == 403


def test_people_list_and_create(api_as):
    api = api_as("politi")
    people = api.get("/api/v1/people").get_json()
    assert any(p["name"] == "Politidirektør" for p in people)
    assert {"id", "name", "job_title", "organisation_id"} <= set(people[0])
    names = [p["name"] for p in people]
    assert names == sorted(names)
    body = {"name": "Vagtchef, Herning Kommune", "job_title": "Vagtchef",
            "organisation_id": factories.municipality("657").organisation_id,
            "email": "vagt@herning.dk", "phone": "+45 96 28 28 28"}
    response = api.post("/api/v1/people", json=body)
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == body["name"] and created["email"] == body["email"] and isinstance(created["id"], int)
    # email and phone are optional
    minimal = api.post("/api/v1/people", json={"name": "X", "job_title": "Y", "organisation_id": police_org_id()})
    assert minimal.status_code == 201 and minimal.get_json()["email"] is None
    assert api_as("revisor").get("/api/v1/people").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"job_title": "Y", "organisation_id": 1}, "name"),
    ({"name": "X", "organisation_id": 1}, "job_title"),
    ({"name": "X", "job_title": "Y"}, "organisation_id"),
    ({"name": "X", "job_title": "Y", "organisation_id": 2**31}, "organisation_id"),
    ({"name": "X", "job_title": "Y", "organisation_id": 424242}, "organisation_id"),
    ({"name": "X", "job_title": "Y", "organisation_id": 1, "phone": "1" * 41}, "phone"),
    ({"name": "X", "job_title": "Y", "organisation_id": 1, "email": "e" * 201}, "email"),
    ({"name": "X" * 201, "job_title": "Y", "organisation_id": 1}, "name"),
])
def test_create_person_invalid(api_as, body, field):
    api = api_as("politi")
    before = counts()
    response = api.post("/api/v1/people", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert counts() == before


def test_assign_a_deputy_closes_the_gap(api_as):
    api = api_as("politi")
    herning = seat("Krisestabskontakt, Herning Kommune")
    roster = api.get("/api/v1/staffs/LBS-O/roster").get_json()
    assert {"position_id": herning.id, "problem": "too_few_deputies"} in roster["gaps"]
    deputy = factories.person("Beredskabsmedarbejder, Herning Kommune", "Herning Kommune")
    response = api.post("/api/v1/assignments", json={"position_id": herning.id, "person_id": deputy.id,
                                                     "rank": 1, "valid_from": iso(-1), "reason": REASON})
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) == {"id", "position_id", "person_id", "rank", "valid_from", "valid_to"}
    assert created["valid_to"] is None and created["rank"] == 1
    assert created["valid_from"].endswith("+00:00")
    roster = api.get("/api/v1/staffs/LBS-O/roster").get_json()
    assert {"position_id": herning.id, "problem": "too_few_deputies"} not in roster["gaps"]
    entry = next(p for p in roster["positions"] if p["id"] == herning.id)
    assert entry["deputies"] == [{"id": deputy.id, "name": deputy.name, "job_title": deputy.job_title,
                                  "organisation_id": deputy.organisation_id}]
    assert entry["primary"]["name"] == "Beredskabskoordinator, Herning Kommune"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "assignment",
                                                        AuditEvent.object_id == str(created["id"]))).one()
    assert event.data["changes"]["person_id"] == {"old": None, "new": deputy.id}


def test_assignment_errors_write_nothing(api_as):
    api = api_as("politi")
    herning = seat("Krisestabskontakt, Herning Kommune")
    person = factories.person("Ny person")
    db.session.commit()  # keep the factory's rows when an error response rolls the session back
    base = {"position_id": herning.id, "person_id": person.id, "rank": 1,
            "valid_from": "2026-01-01T00:00:00+01:00"}
    cases = [
        ({**base, "position_id": 999999}, "position_id"),
        ({**base, "person_id": 999999}, "person_id"),
        ({**base, "valid_to": "2025-12-31T00:00:00+01:00"}, "valid_to"),
        ({**base, "valid_to": "2026-01-01T00:00:00+01:00"}, "valid_to"),
        ({**base, "valid_from": "2026-01-01T00:00:00"}, "valid_from"),
        ({**base, "valid_to": "2026-02-01 10:00"}, "valid_to"),
        ({**base, "valid_from": "yesterday"}, "valid_from"),
        ({**base, "rank": -1}, "rank"),
        ({**base, "rank": "1"}, "rank"),
        ({**base, "rank": True}, "rank"),
        ({k: v for k, v in base.items() if k != "rank"}, "rank"),
        ({k: v for k, v in base.items() if k != "valid_from"}, "valid_from"),
        # rank 0 is held open-ended since last year: overlap
        ({**base, "rank": 0}, "valid_from"),
    ]
    before = counts()
    for body, field in cases:
        response = api.post("/api/v1/assignments", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    assert api.open("POST", "/api/v1/assignments", data="[1,").status_code == 400
    assert api.post("/api/v1/assignments", json="text").status_code == 422
    assert counts() == before


def test_overlap_refused_but_touching_ends_allowed(api_as):
    api = api_as("admin")
    position = factories.position("Prøveplads")
    a, b = factories.person("A"), factories.person("B")
    db.session.commit()
    first = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": a.id, "rank": 0,
                                                  "valid_from": "2026-03-01T00:00:00Z",
                                                  "valid_to": "2026-04-01T00:00:00+02:00"})
    assert first.status_code == 201
    before = counts()
    clash = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": b.id, "rank": 0,
                                                  "valid_from": "2026-03-31T21:59:59Z"})
    assert clash.status_code == 422 and "overlaps" in clash.get_json()["error"]["message"]
    assert counts() == before
    inside = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": b.id, "rank": 0,
                                                   "valid_from": "2026-02-01T00:00:00Z",
                                                   "valid_to": "2026-03-01T00:00:01Z"})
    assert inside.status_code == 422
    touching = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": b.id, "rank": 0,
                                                     "valid_from": "2026-03-31T22:00:00Z", "reason": REASON})
    assert touching.status_code == 201
    before_start = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": b.id, "rank": 0,
                                                         "valid_from": "2026-02-01T00:00:00Z",
                                                         "valid_to": "2026-03-01T00:00:00Z"})
    assert before_start.status_code == 201
    # b holds rank 0 meanwhile (one rank per person): the deputy is someone else
    c = factories.person("C")
    db.session.commit()
    other_rank = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": c.id, "rank": 1,
                                                       "valid_from": "2026-03-15T00:00:00Z", "reason": REASON})
    assert other_rank.status_code == 201


def test_end_assignment(api_as):
    api = api_as("politi")
    position = factories.position("Slutplads")
    person = factories.person("Holder")
    db.session.commit()
    created = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": person.id, "rank": 0,
                                                    "valid_from": iso(-10), "reason": REASON}).get_json()
    before = counts()
    for body, status in (({}, 422), ({"valid_to": "2026-01-01T00:00:00"}, 422),
                         ({"valid_to": iso(-11)}, 422), ({"valid_to": created["valid_from"]}, 422)):
        response = api.post(f"/api/v1/assignments/{created['id']}/end", json=body)
        assert response.status_code == status, (body, response.get_json())
        assert "valid_to" in response.get_json()["error"]["fields"]
    assert api.open("POST", f"/api/v1/assignments/{created['id']}/end", data="nope").status_code == 400
    assert counts() == before
    end = iso(-1)
    response = api.post(f"/api/v1/assignments/{created['id']}/end", json={"valid_to": end, "reason": REASON})
    assert response.status_code == 200
    ended = response.get_json()
    assert ended["id"] == created["id"] and ended["valid_to"] is not None
    assert api.get(f"/api/v1/assignments/{created['id']}").get_json() == ended
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.end",
                                                        AuditEvent.object_id == str(created["id"]))).one()
    assert event.data["changes"]["valid_to"]["old"] is None
    # already over: conflict with state
    again = api.post(f"/api/v1/assignments/{created['id']}/end", json={"valid_to": iso(-2)})
    assert again.status_code == 409
    # the seat is free from the end on: a new primary may start exactly then
    follow = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": person.id, "rank": 0,
                                                   "valid_from": ended["valid_to"], "reason": REASON})
    assert follow.status_code == 201


def test_end_unknown_or_wrong_method(api_as):
    api = api_as("politi")
    assert api.post("/api/v1/assignments/999999/end", json={"valid_to": iso()}).status_code == 404
    assert api.post("/api/v1/assignments/99999999999/end", json={}).status_code == 404
    assert api.open("POST", "/api/v1/assignments/999999/end", data="{").status_code == 404
    assert api.get("/api/v1/assignments/999999").status_code == 404
    assignment = db.session.scalars(select(Assignment).order_by(Assignment.id)).first()
    before = counts()
    for method in ("DELETE", "PUT", "PATCH"):
        response = api.open(method, f"/api/v1/assignments/{assignment.id}")
        assert response.status_code == 405 and response.get_json()["error"]["message"]
    assert api.open("DELETE", f"/api/v1/assignments/{assignment.id}/end").status_code == 405
    assert counts() == before


def test_end_extension_may_not_overlap(api_as):
    api = api_as("politi")
    position = factories.position("Udvidelse")
    a, b = factories.person("A1"), factories.person("B1")
    db.session.commit()
    first = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": a.id, "rank": 0,
                                                  "valid_from": iso(1), "valid_to": iso(5)}).get_json()
    api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": b.id, "rank": 0,
                                          "valid_from": iso(5)})
    response = api.post(f"/api/v1/assignments/{first['id']}/end", json={"valid_to": iso(6)})
    assert response.status_code == 422
    assert api.post(f"/api/v1/assignments/{first['id']}/end", json={"valid_to": iso(3)}).status_code == 200


@pytest.mark.parametrize("username", ["herning", "holstebro", "revisor"])
def test_only_police_and_admin_write(api_as, username):
    api = api_as(username)
    position = seat("Logfører")
    person = person_named("Logfører C, Midt- og Vestjyllands Politi")
    assignment = db.session.scalars(select(Assignment).where(Assignment.position_id == position.id)).first()
    before = counts()
    requests = [
        ("/api/v1/staffs/LBS-O/positions", {"title": "X", "organisation_id": police_org_id()}),
        ("/api/v1/people", {"name": "X", "job_title": "Y", "organisation_id": police_org_id()}),
        ("/api/v1/assignments", {"position_id": position.id, "person_id": person.id, "rank": 5,
                                 "valid_from": iso()}),
        (f"/api/v1/assignments/{assignment.id}/end", {"valid_to": iso(1)}),
    ]
    for path, body in requests:
        response = api.post(path, json=body)
        assert response.status_code == 403, path
        assert response.get_json()["error"]["message"]
    assert counts() == before
    # but they read
    assert api.get("/api/v1/staffs/LBS-O/roster").status_code == 200
    assert api.get("/api/v1/staffs/LBS-O/positions").status_code == 200


def test_roster_as_of_shape_and_history(api_as):
    api = api_as("revisor")
    now = api.get("/api/v1/staffs/LBS-O/roster").get_json()
    assert set(now) == {"staff", "at", "positions", "gaps"} and now["staff"] == "LBS-O"
    log = next(p for p in now["positions"] if p["title"] == "Logfører")
    assert set(log) == {"id", "title", "mandatory", "primary", "deputies"}
    assert log["primary"]["name"] == "Logfører B, Midt- og Vestjyllands Politi"
    assert [d["name"] for d in log["deputies"]] == ["Logfører C, Midt- og Vestjyllands Politi"]
    month_ago = (utcnow() - timedelta(days=30)).isoformat()
    old = api.get("/api/v1/staffs/LBS-O/roster", query_string={"at": month_ago}).get_json()
    old_log = next(p for p in old["positions"] if p["title"] == "Logfører")
    assert old_log["primary"]["name"] == "Logfører A, Midt- og Vestjyllands Politi"
    # an offset other than UTC is understood and the answer carries an offset
    with_z = api.get("/api/v1/staffs/LBS-S/roster", query_string={"at": "2026-06-01T12:00:00+02:00"}).get_json()
    assert with_z["at"] == "2026-06-01T10:00:00+00:00"
    chair = with_z["positions"][0]
    assert chair["primary"]["name"] == "Politidirektør" and len(chair["deputies"]) == 2
    # positions are in sort order and gaps are only of known problems
    assert now["positions"][0]["title"] == "Stabschef (politiinspektør)"
    assert all(g["problem"] in ("no_primary", "too_few_deputies") for g in now["gaps"])


def test_roster_far_past_has_no_primary_gaps(api_as):
    api = api_as("politi")
    response = api.get("/api/v1/staffs/LBS-O/roster", query_string={"at": "2000-01-01T00:00:00Z"})
    body = response.get_json()
    assert response.status_code == 200
    assert all(p["primary"] is None and p["deputies"] == [] for p in body["positions"])
    mandatory = [p["id"] for p in body["positions"] if p["mandatory"]]
    assert [g["position_id"] for g in body["gaps"] if g["problem"] == "no_primary"] == mandatory


@pytest.mark.parametrize("at", ["2026-11-28T14:05:00", "2026-11-28", "nonsense", "", "0001-01-01T00:00:00+01:00",
                                "2026-13-01T00:00:00Z", "x" * 100])
def test_roster_time_without_offset_or_bad_is_422(api_as, at):
    response = api_as("politi").get("/api/v1/staffs/LBS-O/roster", query_string={"at": at})
    assert response.status_code == 422
    assert "at" in response.get_json()["error"]["fields"]


def test_roster_unknown_staff_and_auth(api_as, client):
    assert api_as("politi").get("/api/v1/staffs/LBS-X/roster").status_code == 404
    assert api_as("politi").get("/api/v1/staffs/LBS-X/roster?at=bad").status_code == 404
    assert client.get("/api/v1/staffs/LBS-O/roster").status_code == 401
    assert client.post("/api/v1/assignments", json={}).status_code == 401


def test_openapi_describes_the_roster_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path, method in [("/api/v1/staffs/{code}/positions", "get"), ("/api/v1/staffs/{code}/positions", "post"),
                         ("/api/v1/people", "get"), ("/api/v1/people", "post"), ("/api/v1/assignments", "post"),
                         ("/api/v1/assignments/{assignment_id}/end", "post"),
                         ("/api/v1/staffs/{code}/roster", "get")]:
        assert method in paths[path], (path, method)
    assert "requestBody" in paths["/api/v1/assignments"]["post"]
    from openapi_spec_validator import validate

    validate(document)


def test_roster_at_with_an_unencoded_plus(api_as):
    api = api_as("politi")
    response = api.get("/api/v1/staffs/LBS-O/roster?at=2026-06-01T12:00:00+02:00")
    assert response.status_code == 200 and response.get_json()["at"] == "2026-06-01T10:00:00+00:00"
    assert api.get("/api/v1/staffs/LBS-O/roster?at=2026-06-01T12:00:00%2B02:00").status_code == 200


def test_the_october_hour_that_happens_twice_is_told_apart_by_its_offset(api_as):
    api = api_as("politi")
    position = factories.position("Nattevagt")
    person = factories.person("Nattevagt A")
    db.session.commit()
    # 02:30 the second time (winter time, +01:00) — one hour after 02:30 summer time (+02:00)
    created = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": person.id, "rank": 0,
                                                    "valid_from": "2026-10-25T02:30:00+01:00", "reason": REASON})
    assert created.status_code == 201
    assert created.get_json()["valid_from"] == "2026-10-25T01:30:00+00:00"

    def primary(at: str):
        body = api.get("/api/v1/staffs/LBS-O/roster", query_string={"at": at}).get_json()
        return next(p for p in body["positions"] if p["id"] == position.id)["primary"]

    assert primary("2026-10-25T02:30:00+02:00") is None
    assert primary("2026-10-25T02:59:59+02:00") is None
    assert primary("2026-10-25T02:30:00+01:00")["id"] == person.id
    assert primary("2026-10-25T01:30:00Z")["id"] == person.id
    # without an offset the time is refused, not guessed
    assert api.get("/api/v1/staffs/LBS-O/roster", query_string={"at": "2026-10-25T02:30:00"}).status_code == 422


def test_hostile_staff_codes_are_404(api_as, login):
    api = api_as("politi")
    for code in ("%00", "LBS-O%00", "x" * 300, "%F0%9F%92%A5"):
        assert api.get(f"/api/v1/staffs/{code}/roster").status_code == 404
        assert api.get(f"/api/v1/staffs/{code}/positions").status_code == 404
        assert api.post(f"/api/v1/staffs/{code}/positions", json={}).status_code == 404
    client = login("politi")
    assert client.get("/staffs/LBS-O%00").status_code == 404
    assert client.get("/staffs/LBS-O", query_string={"at": "2026-01-01T10:00\x00"}).status_code == 422
