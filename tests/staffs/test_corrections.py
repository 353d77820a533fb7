"""A roster change that reaches back over a logged decision of the staff needs a reason (contract, Rosters):
422 without one and nothing written; with one it is kept, audit-logged, shown as a correction in the position's
history and beside the decisions concerned in the review."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.errors import ValidationError
from lbs.extensions import db
from lbs.review import pack
from lbs.review.whole import incident_review
from lbs.staffs import services
from lbs.staffs.models import Assignment, Position, RosterCorrection, Staff, StaffLevel
from lbs.timeutil import to_local, utcnow
from tests import factories
from tests.hostile import DROP, SETTINGS, bad_string, row_counts

REASON = "Stedfortræderen var indkaldt, men blev ikke registreret"
JAN = datetime(2020, 1, 1, tzinfo=UTC)
DECIDED = datetime(2020, 1, 15, 12, tzinfo=UTC)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def counts() -> tuple[int, int, int]:
    return count(Assignment), count(RosterCorrection), count(AuditEvent)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def new_staff(code: str) -> Staff:
    """A staff of its own, so that the demo's decisions are not in the way."""
    staff = Staff(code=code, name=f"Stab {code}", level=StaffLevel.OPERATIVE)
    db.session.add(staff)
    db.session.flush()
    return staff


@pytest.fixture
def setup(app):
    """Staff T-A with a decision logged on 15 January 2020; staff T-B without decisions; a seat in each."""
    new_staff("T-A")
    new_staff("T-B")
    incident = factories.incident("Rettelse", started_at=JAN)
    decision = factories.decision(incident, number=1, decided_at=DECIDED, staff_code="T-A")
    seat_a = factories.position("Plads A", staff_code="T-A")
    seat_b = factories.position("Plads B", staff_code="T-B")
    holder = factories.person("Holder")
    other = factories.person("Anden")
    db.session.commit()
    return {"incident": incident, "decision": decision, "a": seat_a, "b": seat_b, "holder": holder,
            "other": other}


def body(seat: Position, person, valid_from: datetime, valid_to: datetime | None = None, **extra) -> dict:
    return {"position_id": seat.id, "person_id": person.id, "rank": 0, "valid_from": iso(valid_from),
            "valid_to": iso(valid_to) if valid_to else None, **extra}


def test_api_refuses_a_start_over_a_decision_without_a_reason(api_as, setup):
    api = api_as("politi")
    before = counts()
    for extra in ({}, {"reason": None}, {"reason": "   "}):
        response = api.post("/api/v1/assignments", json=body(setup["a"], setup["holder"], JAN,
                                                              datetime(2020, 2, 1, tzinfo=UTC), **extra))
        assert response.status_code == 422, extra
        error = response.get_json()["error"]
        assert "reason" in error["fields"] and "decision" in error["message"]
    assert counts() == before


def test_api_keeps_the_reason_and_shows_it_in_the_history(api_as, login, setup):
    api = api_as("politi")
    response = api.post("/api/v1/assignments", json=body(setup["a"], setup["holder"], JAN,
                                                          datetime(2020, 2, 1, tzinfo=UTC), reason=f"  {REASON} "))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["id"]
    correction = db.session.scalars(select(RosterCorrection).where(RosterCorrection.assignment_id == created)).one()
    assert correction.reason == REASON and correction.action == "assign"
    assert (correction.period_from, correction.period_to) == (JAN, datetime(2020, 2, 1, tzinfo=UTC))
    assert correction.staff_id == setup["a"].staff_id and correction.by_name
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "assignment",
                                                        AuditEvent.object_id == str(created))).one()
    assert event.data["changes"]["reason"] == {"old": None, "new": REASON}
    html = unescape(login("politi").get(f"/staffs/positions/{setup['a'].id}").get_data(as_text=True))
    assert f"Rettelse: {REASON}" in html


def test_api_end_over_a_decision_needs_a_reason(api_as, setup):
    api = api_as("politi")
    start = api.post("/api/v1/assignments", json=body(setup["a"], setup["holder"], JAN, reason=REASON))
    assert start.status_code == 201
    assignment_id = start.get_json()["id"]
    before = counts()
    refused = api.post(f"/api/v1/assignments/{assignment_id}/end", json={"valid_to": iso(datetime(2020, 1, 10,
                                                                                                    tzinfo=UTC))})
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    assert counts() == before
    assert db.session.get(Assignment, assignment_id).valid_to is None
    ended = api.post(f"/api/v1/assignments/{assignment_id}/end",
                     json={"valid_to": iso(datetime(2020, 1, 10, tzinfo=UTC)), "reason": REASON})
    assert ended.status_code == 200
    kept = db.session.scalars(select(RosterCorrection).where(RosterCorrection.assignment_id == assignment_id,
                                                             RosterCorrection.action == "end")).one()
    assert kept.period_from == datetime(2020, 1, 10, tzinfo=UTC)
    assert abs((kept.period_to - utcnow()).total_seconds()) < 60  # was open-ended: changed up to now


def test_no_reason_needed_without_a_decision_in_the_period(api_as, setup):
    api = api_as("politi")
    holder, other = setup["holder"], setup["other"]
    # before the decision (the period ends exactly when it was taken: the end is exclusive)
    assert api.post("/api/v1/assignments",
                    json=body(setup["a"], holder, JAN, DECIDED)).status_code == 201
    # a future start
    future = utcnow() + timedelta(days=1)
    assert api.post("/api/v1/assignments", json=body(setup["a"], other, future)).status_code == 201
    # an end after the decision
    assert api.post("/api/v1/assignments", json=body(setup["a"], holder, datetime(2020, 3, 1, tzinfo=UTC),
                                                     datetime(2020, 6, 1, tzinfo=UTC),
                                                     reason="ikke nødvendig")).status_code == 201
    assert count(RosterCorrection) == 0  # a reason given where none is needed is not a correction


def test_a_decision_at_the_start_counts(api_as, setup):
    response = api_as("politi").post("/api/v1/assignments", json=body(setup["a"], setup["holder"], DECIDED,
                                                                       DECIDED + timedelta(minutes=1)))
    assert response.status_code == 422


def test_other_staffs_decisions_do_not_count(api_as, setup):
    response = api_as("politi").post("/api/v1/assignments", json=body(setup["b"], setup["holder"], JAN))
    assert response.status_code == 201
    assert count(RosterCorrection) == 0


def test_too_long_or_control_reasons_are_refused(api_as, setup):
    api = api_as("politi")
    before = counts()
    for reason in ("x" * 2001, "a\x00b", "a\x07b"):
        response = api.post("/api/v1/assignments", json=body(setup["a"], setup["holder"], JAN, reason=reason))
        assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    assert counts() == before


def local_input(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_forms_say_in_danish_that_a_reason_is_needed(login, setup):
    client = login("politi")
    form = client.get(f"/staffs/positions/{setup['a'].id}/assign").get_data(as_text=True)
    assert "Begrundelse for rettelsen" in form and "kræves når ændringen rækker tilbage" in form.lower()
    before = counts()
    data = {"person": str(setup["holder"].id), "rank": "0", "valid_from": local_input(JAN)}
    refused = client.post(f"/staffs/positions/{setup['a'].id}/assign", data=data)
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 200 and "angiv en begrundelse for rettelsen" in html and "error-summary" in html
    assert counts() == before
    saved = client.post(f"/staffs/positions/{setup['a'].id}/assign", data={**data, "reason": REASON})
    assert saved.status_code == 302
    assignment = db.session.scalars(select(Assignment).where(Assignment.position_id == setup["a"].id)).one()
    # end and replace ask the same
    later = local_input(JAN + timedelta(days=2))
    for path, fields in ((f"/staffs/assignments/{assignment.id}/end", {"valid_to": later}),
                         (f"/staffs/assignments/{assignment.id}/replace",
                          {"person": str(setup["other"].id), "at": later})):
        before = counts()
        page = unescape(client.post(path, data=fields).get_data(as_text=True))
        assert "angiv en begrundelse for rettelsen" in page, path
        assert counts() == before
    replaced = client.post(f"/staffs/assignments/{assignment.id}/replace",
                           data={"person": str(setup["other"].id), "at": local_input(JAN + timedelta(days=2)),
                                 "reason": REASON})
    assert replaced.status_code == 302
    assert count(RosterCorrection) == 3  # the start, then the replacement's end and start


def test_review_shows_the_correction_beside_the_decision(api_as, login, setup):
    api = api_as("politi")
    assert api.post("/api/v1/assignments", json=body(setup["a"], setup["holder"], JAN,
                                                     reason=REASON)).status_code == 201
    html = unescape(login("revisor").get(f"/review/incidents/{setup['incident'].id}").get_data(as_text=True))
    section = html[html.index('id="decision-1"'):]
    section = section[:section.index("</section>")]
    assert f"Bemandingen blev rettet efterfølgende: {REASON}" in section
    assert section.count("Bemandingen blev rettet efterfølgende") == 1
    archive = zipfile.ZipFile(io.BytesIO(pack.build_pack(incident_review(setup["incident"]))))
    rosters = json.loads(archive.read("rosters.json"))
    assert [c["reason"] for c in rosters[0]["corrections"]] == [REASON]


def test_service_replace_without_reason_writes_nothing(setup):
    first = services.assign(by=None, position_id=setup["a"].id, person_id=setup["holder"].id, rank=0,
                            valid_from=JAN, reason=REASON)
    db.session.commit()
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.replace_holder(by=None, assignment=first, person_id=setup["other"].id,
                                at=datetime(2020, 1, 5, tzinfo=UTC))
    assert refused.value.fields and "reason" in refused.value.fields
    db.session.rollback()
    assert counts() == before


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_roster_row_needs_a_reason(runner, setup, tmp_path):
    header = "staff;position;person;job_title;organisation;rank;valid_from;valid_to"
    rows = ("T-A;Plads A;Ny;Ny;Midt- og Vestjyllands Politi;0;2020-01-01 10:00;\n"
            "T-B;Plads B;Ny;Ny;Midt- og Vestjyllands Politi;0;2020-01-01 10:00;\n")
    before = counts()
    result = runner.invoke(args=["lbs", "import-roster", write(tmp_path, header + "\n" + rows)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("row 2: reason:") and "decision" in line for line in lines), result.stderr
    assert not any(line.startswith("row 3:") for line in lines)
    assert counts() == before
    with_reason = header + ";reason\n" + "".join(f"{line};{REASON}\n" for line in rows.splitlines())
    result = runner.invoke(args=["lbs", "import-roster", write(tmp_path, with_reason)])
    assert result.exit_code == 0, result.output
    kept = db.session.scalars(select(RosterCorrection)).all()
    assert [(c.reason, c.staff_id) for c in kept] == [(REASON, setup["a"].staff_id)]


@SETTINGS
@given(reason=bad_string(2000, required=True))
def test_hostile_reasons_are_refused_and_write_nothing(api_as, setup, reason):
    """Over a logged decision every bad, blank or missing reason is a 422 on ``reason`` (400 for a body that is
    not JSON): never a 500, nothing written (assignment and end)."""
    api = api_as("politi")
    assignment = db.session.scalars(select(Assignment).where(Assignment.position_id == setup["a"].id)).first()
    if assignment is None:  # an open assignment of T-A's seat (since before its decision), to end in the past
        assignment = services.assign(by=None, position_id=setup["a"].id, person_id=setup["holder"].id, rank=0,
                                     valid_from=JAN, reason=REASON)
        db.session.commit()
    before = row_counts()
    start = {**body(setup["a"], setup["other"], JAN, datetime(2020, 2, 1, tzinfo=UTC)), "rank": 1}
    end = {"valid_to": iso(datetime(2020, 1, 10, tzinfo=UTC))}
    for path, payload in (("/api/v1/assignments", start), (f"/api/v1/assignments/{assignment.id}/end", end)):
        if reason is not DROP:
            payload = {**payload, "reason": reason}
        response = api.post(path, json=payload)
        if response.status_code == 400:  # NaN or infinity: not JSON at all
            assert response.get_json()["error"]["message"] == "malformed JSON body"
            continue
        assert response.status_code == 422, (path, reason, response.get_json())
        assert "reason" in response.get_json()["error"]["fields"]
    assert row_counts() == before
