"""A position's audit trail reads as Danish sentences: names instead of ids, local times, who did it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lbs.extensions import db
from lbs.formatting import dt
from lbs.staffs import services
from lbs.staffs.models import Assignment, Person, Position
from lbs.timeutil import to_local
from tests import factories


def test_assigning_and_ending_read_as_sentences_in_local_time(login):
    client = login("politi")
    police = factories.organisation("Midt- og Vestjyllands Politi")
    staff = services.get_staff_by_code("LBS-O")
    assert staff is not None
    position = services.create_position(by=None, staff=staff, title="Beredskabschef",
                                        organisation_id=police.id, mandatory=False, min_deputies=0)
    anna = services.create_person(by=None, name="Anna Jensen", job_title="Vagthavende", organisation_id=police.id)
    db.session.commit()
    # 11:00 UTC on 6 December is 12:00 in Copenhagen
    start = datetime(2030, 12, 6, 11, 0, tzinfo=UTC)
    response = client.post(f"/staffs/positions/{position.id}/assign", data={
        "person": str(anna.id), "rank": "1", "valid_from": to_local(start).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assignment = db.session.scalars(select(Assignment).where(Assignment.person_id == anna.id)).one()
    end = start + timedelta(days=2)
    ended = client.post(f"/staffs/assignments/{assignment.id}/end",
                        data={"valid_to": to_local(end).strftime("%Y-%m-%dT%H:%M")})
    assert ended.status_code == 302, ended.get_data(as_text=True)[:500]

    page = client.get(f"/staffs/positions/{position.id}").get_data(as_text=True)
    shown = to_local(start).strftime("%d.%m.%Y %H:%M")
    assert shown.endswith("12:00")
    assert f"Anna Jensen indsat som stedfortræder 1 for Beredskabschef fra {shown} af politi" in page
    assert (f"Anna Jensen ophører som stedfortræder 1 for Beredskabschef {dt(end)} (hidtil: uden slutdato) "
            "af politi") in page
    assert "person " not in page and "+00:00" not in page and "valid_to" not in page


def test_a_changed_position_lists_its_fields_with_danish_labels_and_names(login):
    client = login("admin")
    police = factories.organisation("Midt- og Vestjyllands Politi")
    herning = factories.organisation("Herning Kommune")
    position = db.session.scalars(select(Position).where(Position.title == "Krisestabskontakt, Herning Kommune")
                                  ).one()
    response = client.post(f"/staffs/positions/{position.id}/edit", data={
        "title": "Kontakt, Herning", "organisation": str(police.id), "min_deputies": "2"})
    assert response.status_code == 302
    page = client.get(f"/staffs/positions/{position.id}").get_data(as_text=True)
    assert "Pladsen ændret af admin:" in page
    assert "Titel fra Krisestabskontakt, Herning Kommune til Kontakt, Herning" in page
    assert f"Organisation fra {herning.name} til {police.name}" in page
    assert "Mindste antal stedfortrædere fra" in page and "organisation_id" not in page


def test_people_are_named_not_numbered(login):
    client = login("revisor")
    held = db.session.scalars(select(Assignment)).first()
    assert held is not None
    person = db.session.get(Person, held.person_id)
    page = client.get(f"/staffs/positions/{held.position_id}").get_data(as_text=True)
    assert person is not None and person.name in page
    assert "assigned to position" not in page
