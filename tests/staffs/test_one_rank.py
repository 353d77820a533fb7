"""One person holds at most one rank of a seat at a time: the rule in the roster functions, the services, the
API (422 on ``person_id``), the assignment form (Danish error on the person) and ``import-roster``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs import roster, services
from lbs.staffs.models import Assignment, Person, Position
from lbs.timeutil import to_local
from tests import factories

T0 = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def iso(n: float) -> str:
    return day(n).isoformat()


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                 for m in (Person, Assignment, AuditEvent))


@dataclass
class Held:
    id: int
    position_id: int
    person_id: int
    rank: int
    valid_from: datetime
    valid_to: datetime | None


# ---------------------------------------------------------------- the pure rule


def test_find_other_rank_only_flags_the_same_person_in_another_rank_of_the_same_seat_meanwhile():
    existing = [Held(1, 10, 7, 0, day(0), day(10))]
    find = roster.find_other_rank
    assert find(existing, position_id=10, person_id=7, rank=1, valid_from=day(5), valid_to=None) is existing[0]
    assert find(existing, position_id=10, person_id=7, rank=1, valid_from=day(-5), valid_to=day(1)) is existing[0]
    # touching ends are not an overlap; another person, another seat or the same rank are other rules
    assert find(existing, position_id=10, person_id=7, rank=1, valid_from=day(10), valid_to=None) is None
    assert find(existing, position_id=10, person_id=7, rank=1, valid_from=day(-5), valid_to=day(0)) is None
    assert find(existing, position_id=10, person_id=8, rank=1, valid_from=day(5), valid_to=None) is None
    assert find(existing, position_id=11, person_id=7, rank=1, valid_from=day(5), valid_to=None) is None
    assert find(existing, position_id=10, person_id=7, rank=0, valid_from=day(5), valid_to=None) is None
    assert find(existing, position_id=10, person_id=7, rank=1, valid_from=day(5), valid_to=None, ignore_id=1) is None


# ---------------------------------------------------------------- services


def _seat_and_people(app) -> tuple[Position, Person, Person]:
    position = factories.position("Énrangsplads")
    return position, factories.person("Ene Person"), factories.person("Anden Person")


def test_service_refuses_a_second_rank_for_the_same_person(app):
    position, one, other = _seat_and_people(app)
    first = services.assign(by=None, position_id=position.id, person_id=one.id, rank=0, valid_from=day(0),
                            valid_to=day(30))
    with pytest.raises(services.OtherRankError) as refused:
        services.assign(by=None, position_id=position.id, person_id=one.id, rank=1, valid_from=day(29))
    assert refused.value.clash.id == first.id
    assert set(refused.value.fields or {}) == {"person_id"}
    assert "one rank" in refused.value.message
    # adjacent periods, another person or another seat are fine
    services.assign(by=None, position_id=position.id, person_id=one.id, rank=1, valid_from=day(30))
    services.assign(by=None, position_id=position.id, person_id=other.id, rank=2, valid_from=day(0))
    elsewhere = factories.position("Anden plads")
    services.assign(by=None, position_id=elsewhere.id, person_id=one.id, rank=1, valid_from=day(0))


def test_extending_an_assignment_into_another_rank_of_the_same_person_is_refused(app):
    position, one, _other = _seat_and_people(app)
    primary = services.assign(by=None, position_id=position.id, person_id=one.id, rank=0, valid_from=day(0),
                              valid_to=day(10))
    services.assign(by=None, position_id=position.id, person_id=one.id, rank=1, valid_from=day(10))
    with pytest.raises(services.OtherRankError) as refused:
        services.end_assignment(by=None, assignment=primary, valid_to=day(20))
    assert set(refused.value.fields or {}) == {"valid_to"}


def test_replacing_a_holder_by_someone_of_another_rank_is_refused(app):
    position, one, other = _seat_and_people(app)
    primary = services.assign(by=None, position_id=position.id, person_id=one.id, rank=0, valid_from=day(0))
    services.assign(by=None, position_id=position.id, person_id=other.id, rank=1, valid_from=day(0))
    with pytest.raises(services.OtherRankError):
        services.replace_holder(by=None, assignment=primary, person_id=other.id, at=day(5))


# ---------------------------------------------------------------- API


def test_api_422_on_person_id_and_nothing_written(api_as):
    api = api_as("politi")
    position = factories.position("API-plads")
    one, other = factories.person("API En"), factories.person("API To")
    elsewhere = factories.position("API anden plads")
    db.session.commit()
    body = {"position_id": position.id, "person_id": one.id, "rank": 0, "valid_from": iso(0), "valid_to": iso(30)}
    assert api.post("/api/v1/assignments", json=body).status_code == 201
    before = counts()
    clash = api.post("/api/v1/assignments", json={**body, "rank": 1, "valid_from": iso(10), "valid_to": None})
    assert clash.status_code == 422
    error = clash.get_json()["error"]
    assert set(error["fields"]) == {"person_id"}
    assert "rank 0" in error["message"] and "one rank" in error["message"]
    assert counts() == before
    # adjacent (touching) periods: allowed
    assert api.post("/api/v1/assignments", json={**body, "rank": 1, "valid_from": iso(30),
                                                 "valid_to": None}).status_code == 201
    # a different seat: allowed
    assert api.post("/api/v1/assignments", json={**body, "position_id": elsewhere.id, "rank": 1}).status_code == 201
    # a different person in another rank: allowed
    assert api.post("/api/v1/assignments", json={**body, "person_id": other.id, "rank": 1}).status_code == 201


def test_api_end_extension_into_another_rank_is_422(api_as):
    api = api_as("admin")
    position = factories.position("API-forlængelse")
    one = factories.person("API Forlænger")
    db.session.commit()
    first = api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": one.id, "rank": 0,
                                                  "valid_from": iso(0), "valid_to": iso(10)}).get_json()
    assert api.post("/api/v1/assignments", json={"position_id": position.id, "person_id": one.id, "rank": 1,
                                                 "valid_from": iso(10)}).status_code == 201
    before = counts()
    response = api.post(f"/api/v1/assignments/{first['id']}/end", json={"valid_to": iso(20)})
    assert response.status_code == 422 and "valid_to" in response.get_json()["error"]["fields"]
    assert counts() == before


# ---------------------------------------------------------------- the form (Danish)


def test_the_assign_form_says_in_danish_that_the_person_holds_another_rank(login):
    client = login("politi")
    herning = db.session.scalars(select(Position).where(Position.title == "Krisestabskontakt, Herning Kommune")).one()
    primary = db.session.scalars(select(Assignment).where(Assignment.position_id == herning.id,
                                                          Assignment.rank == 0)).one()
    before = counts()
    start = to_local(datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/staffs/positions/{herning.id}/assign",
                           data={"person": str(primary.person_id), "rank": "1", "valid_from": start})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "error-summary" in html
    assert (f"{primary.person.name} har allerede denne plads som Primær" in html
            and "en person kan kun have én rang på en plads ad gangen" in html), html
    # the message sits on the person field (its error text, linked from the summary)
    person_error = html[html.index('id="person-error"'):]
    assert "har allerede denne plads" in person_error[:person_error.index("</p>")]
    assert counts() == before


# ---------------------------------------------------------------- import-roster


HEADER = "staff;position;person;job_title;organisation;rank;valid_from;valid_to\n"


def _csv(tmp_path, text: str) -> str:
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return str(path)


def test_import_roster_names_the_row_of_a_second_rank(app, runner, tmp_path):
    before = counts()
    # row 2: an existing primary holder as deputy of the same seat; rows 3–4: a new person twice in one file
    text = ("LBS-O;Krisestabskontakt, Herning Kommune;Beredskabskoordinator, Herning Kommune;Koordinator;"
            "Herning Kommune;1;2030-01-01 08:00;\n"
            "LBS-O;Logfører;Ny logfører, Midt- og Vestjyllands Politi;Logfører;Midt- og Vestjyllands Politi;2;"
            "2030-01-01 08:00;2030-02-01 08:00\n"
            "LBS-O;Logfører;Ny logfører, Midt- og Vestjyllands Politi;Logfører;Midt- og Vestjyllands Politi;3;"
            "2030-01-15 08:00;\n")
    result = runner.invoke(args=["lbs", "import-roster", _csv(tmp_path, text)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    row2 = next(line for line in lines if line.startswith("row 2:"))
    assert "already holds rank 0" in row2 and "existing assignment" in row2
    row4 = next(line for line in lines if line.startswith("row 4:"))
    assert "already holds rank 2" in row4 and "row 3" in row4
    assert not any(line.startswith("row 3:") for line in lines)
    assert "2 bad row(s)" in result.output
    assert counts() == before


def test_import_roster_allows_adjacent_ranks_and_different_people(app, runner, tmp_path):
    text = ("LBS-O;Logfører;Ny logfører, Midt- og Vestjyllands Politi;Logfører;Midt- og Vestjyllands Politi;2;"
            "2030-01-01 08:00;2030-02-01 08:00\n"
            "LBS-O;Logfører;Ny logfører, Midt- og Vestjyllands Politi;Logfører;Midt- og Vestjyllands Politi;3;"
            "2030-02-01 08:00;\n"
            "LBS-O;Logfører;Anden logfører, Midt- og Vestjyllands Politi;Logfører;Midt- og Vestjyllands Politi;4;"
            "2030-01-01 08:00;\n")
    result = runner.invoke(args=["lbs", "import-roster", _csv(tmp_path, text)])
    assert result.exit_code == 0, result.output
    assert "imported 3 assignment(s)" in result.output and "2 new person(s)" in result.output


def test_the_replace_form_refuses_a_holder_of_another_rank_in_danish(login):
    client = login("politi")
    log = db.session.scalars(select(Position).where(Position.title == "Logfører")).one()
    primary = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id, Assignment.rank == 0,
                                                          Assignment.valid_to.is_(None))).one()
    deputy = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id,
                                                         Assignment.rank == 1)).one()
    before = counts()
    at = to_local(datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/staffs/assignments/{primary.id}/replace",
                           data={"person": str(deputy.person_id), "at": at})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    person_error = html[html.index('id="person-error"'):]
    assert f"{deputy.person.name} har allerede denne plads som Stedfortræder 1" in \
        person_error[:person_error.index("</p>")]
    assert counts() == before
    db.session.refresh(primary)
    assert primary.valid_to is None  # the end of the old assignment was rolled back too
