"""Roster pages: the staff roster as of any moment, edit controls by role, forms, history, print."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs.models import Assignment, Person, Position
from lbs.timeutil import to_local, utcnow
from tests import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def counts() -> tuple[int, int, int, int]:
    return count(Position), count(Person), count(Assignment), count(AuditEvent)


def english(client):
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def seat(title: str) -> Position:
    return db.session.scalars(select(Position).where(Position.title == title)).one()


def person_named(name: str) -> Person:
    return db.session.scalars(select(Person).where(Person.name == name)).one()


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def row_of(html: str, position: Position) -> str:
    start = html.index(f'id="position-{position.id}"')
    return html[start:html.index("</tr>", start)]


def test_index_lists_both_staffs(login):
    html = english(login("revisor")).get("/staffs").get_data(as_text=True)
    assert "/staffs/LBS-S" in html and "/staffs/LBS-O" in html


def test_staff_page_shows_holders_gaps_and_edit_controls_for_police(login):
    client = english(login("politi"))
    response = client.get("/staffs/LBS-O")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    herning = seat("Krisestabskontakt, Herning Kommune")
    row = row_of(html, herning)
    assert "Beredskabskoordinator, Herning Kommune" in row and "Herning Kommune" in row
    assert "Gap: too few deputies (0 of at least 1)" in row
    assert f"/staffs/positions/{herning.id}/assign" in row
    assert "New position" in html and "/replace" in html and "/end" in html
    log = row_of(html, seat("Logfører"))
    assert log.index("Logfører B") < log.index("Logfører C")


@pytest.mark.parametrize("username", ["herning", "revisor"])
def test_readers_see_the_roster_without_edit_controls(login, username):
    client = english(login(username))
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    assert "Krisestabskontakt, Herning Kommune" in html and "Gap: too few deputies" in html
    for marker in ("/assign", "/edit", "/replace", "/end", "New position", "/positions/new"):
        assert marker not in html, marker
    people = client.get("/staffs/people").get_data(as_text=True)
    assert "/staffs/people/new" not in people and "/edit" not in people
    herning = seat("Krisestabskontakt, Herning Kommune")
    before = counts()
    response = client.post(f"/staffs/positions/{herning.id}/assign",
                           data={"person": "1", "rank": "1", "valid_from": "2026-01-01T10:00"})
    assert response.status_code == 403
    assert counts() == before


def test_as_of_last_month_shows_the_old_logkeeper(login):
    client = english(login("herning"))
    month_ago = utcnow() - timedelta(days=30)
    html = client.get("/staffs/LBS-O", query_string={"at": local_input(month_ago)}).get_data(as_text=True)
    log = row_of(html, seat("Logfører"))
    # A holds the seat then; B shows only as the incoming holder (the handover two weeks ago)
    assert '<span class="holder-name">Logfører A' in log and '<span class="holder-name">Logfører B' not in log
    assert "Roster as of" in html and f'value="{local_input(month_ago)}"' in html
    now_html = client.get("/staffs/LBS-O").get_data(as_text=True)
    assert "Logfører B" in row_of(now_html, seat("Logfører"))


@pytest.mark.parametrize("value, message", [
    ("2026-10-25T02:30", "occurs twice"),
    ("2026-03-29T02:30", "does not exist"),
    ("yesterday", "Not a valid date and time"),
    ("9" * 40, "Not a valid date and time"),
])
def test_as_of_refuses_dst_edges_and_nonsense(login, value, message):
    response = english(login("politi")).get("/staffs/LBS-O", query_string={"at": value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_as_of_just_outside_the_dst_hour_is_fine(login):
    client = english(login("politi"))
    for value in ("2026-10-25T01:59", "2026-10-25T03:00", "2026-03-29T03:00"):
        assert client.get("/staffs/LBS-O", query_string={"at": value}).status_code == 200


def test_assign_a_deputy_closes_the_gap(login):
    client = english(login("politi"))
    herning = seat("Krisestabskontakt, Herning Kommune")
    form = client.get(f"/staffs/positions/{herning.id}/assign").get_data(as_text=True)
    assert 'type="datetime-local"' in form and 'name="rank"' in form and 'value="1"' in form
    deputy = person_named("Teknisk direktør, Herning Kommune")
    response = client.post(f"/staffs/positions/{herning.id}/assign", data={
        "person": str(deputy.id), "rank": "1", "valid_from": local_input(utcnow() - timedelta(minutes=5))})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staffs/LBS-O")
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    assert "saved" in html
    row = row_of(html, herning)
    assert "Teknisk direktør, Herning Kommune" in row and "too few deputies" not in row


def test_assign_form_errors_write_nothing(login):
    client = english(login("politi"))
    herning = seat("Krisestabskontakt, Herning Kommune")
    someone = person_named("Teknisk direktør, Herning Kommune")
    before = counts()
    cases = [
        ({"rank": "0", "valid_from": "2026-01-01T10:00"}, "Overlaps the assignment of Beredskabskoordinator"),
        ({"rank": "1", "valid_from": "2026-05-01T10:00", "valid_to": "2026-04-01T10:00"}, "Must be after the start"),
        ({"rank": "1", "valid_from": "2026-10-25T02:15"}, "occurs twice"),
        ({"rank": "1", "valid_from": "2026-03-29T02:15"}, "does not exist"),
        ({"rank": "-1", "valid_from": "2026-01-01T10:00"}, "rank"),
        ({"rank": "1", "valid_from": ""}, "Valid from"),
    ]
    for data, text in cases:
        response = client.post(f"/staffs/positions/{herning.id}/assign", data={"person": str(someone.id), **data})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, data
        assert "error-summary" in html and text.lower() in html.lower(), (data, text)
    unknown = client.post(f"/staffs/positions/{herning.id}/assign",
                          data={"person": "999999", "rank": "1", "valid_from": "2026-01-01T10:00"})
    assert unknown.status_code == 200 and "error-summary" in unknown.get_data(as_text=True)
    assert client.get("/staffs/positions/999999/assign").status_code == 404
    assert counts() == before


def test_end_and_replace(login):
    client = english(login("politi"))
    log = seat("Logfører")
    current = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id, Assignment.rank == 0,
                                                          Assignment.valid_to.is_(None))).one()
    newcomer = factories.person("Logfører D, Midt- og Vestjyllands Politi")
    db.session.commit()
    # replacing before the assignment started is refused, nothing written
    before = counts()
    refused = client.post(f"/staffs/assignments/{current.id}/replace",
                          data={"person": str(newcomer.id), "at": local_input(current.valid_from - timedelta(days=1))})
    assert refused.status_code == 200 and "error-summary" in refused.get_data(as_text=True)
    assert counts() == before
    at = utcnow() - timedelta(minutes=1)
    response = client.post(f"/staffs/assignments/{current.id}/replace",
                           data={"person": str(newcomer.id), "at": local_input(at)})
    assert response.status_code == 302
    db.session.refresh(current)
    new = db.session.scalars(select(Assignment).where(Assignment.person_id == newcomer.id)).one()
    assert current.valid_to == new.valid_from and new.rank == 0 and new.valid_to is None
    row = row_of(client.get("/staffs/LBS-O").get_data(as_text=True), log)
    assert "Logfører D" in row and "Logfører B" not in row
    # end the deputy
    deputy = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id,
                                                         Assignment.rank == 1)).one()
    form = client.get(f"/staffs/assignments/{deputy.id}/end").get_data(as_text=True)
    assert 'type="datetime-local"' in form
    ended = client.post(f"/staffs/assignments/{deputy.id}/end", data={"valid_to": local_input(utcnow())})
    assert ended.status_code == 302
    row = row_of(client.get("/staffs/LBS-O").get_data(as_text=True), log)
    assert "Logfører C" not in row and "too few deputies" in row
    # history lists every holder and the audit trail of the changes
    history = client.get(f"/staffs/positions/{log.id}").get_data(as_text=True)
    for name in ("Logfører A", "Logfører B", "Logfører C", "Logfører D"):
        assert name in history
    assert "assigned as primary holder for Logfører" in history and "stops as deputy 1 for Logfører" in history
    assert ", by politi" in history
    again = client.post(f"/staffs/assignments/{deputy.id}/end", data={"valid_to": local_input(utcnow())})
    assert again.status_code == 200 and "already ended" in again.get_data(as_text=True)


def test_create_and_edit_position_and_person(login):
    client = english(login("admin"))
    police = factories.organisation("Midt- og Vestjyllands Politi")
    before = counts()
    bad = client.post("/staffs/LBS-O/positions/new", data={"title": "", "organisation": str(police.id),
                                                           "min_deputies": "0"})
    assert bad.status_code == 200 and "error-summary" in bad.get_data(as_text=True)
    assert counts() == before
    created = client.post("/staffs/LBS-O/positions/new", data={"title": "Presse", "organisation": str(police.id),
                                                               "mandatory": "y", "min_deputies": "1"})
    assert created.status_code == 302
    position = seat("Presse")
    assert position.mandatory and position.min_deputies == 1
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    assert "Gap: mandatory position without a primary holder" in row_of(html, position)
    edit = client.get(f"/staffs/positions/{position.id}/edit").get_data(as_text=True)
    assert 'value="Presse"' in edit
    client.post(f"/staffs/positions/{position.id}/edit", data={"title": "Presse og SoMe",
                                                                "organisation": str(police.id), "min_deputies": "0"})
    db.session.refresh(position)
    assert position.title == "Presse og SoMe" and not position.mandatory
    history = client.get(f"/staffs/positions/{position.id}").get_data(as_text=True)
    assert "Presse og SoMe" in history and "Nobody has held this position" in history

    bad_person = client.post("/staffs/people/new", data={"name": "Ny", "job_title": "Ny",
                                                         "organisation": str(police.id), "email": "not-an-email"})
    assert bad_person.status_code == 200 and "valid e-mail" in bad_person.get_data(as_text=True)
    ok = client.post("/staffs/people/new", data={"name": "Presseofficer, Midt- og Vestjyllands Politi",
                                                 "job_title": "Presseofficer", "organisation": str(police.id),
                                                 "email": "presse@politi.dk", "phone": "+45 72 58 14 00"})
    assert ok.status_code == 302
    person = person_named("Presseofficer, Midt- og Vestjyllands Politi")
    assert person.email == "presse@politi.dk"
    client.post(f"/staffs/people/{person.id}/edit", data={"name": person.name, "job_title": "Pressechef",
                                                          "organisation": str(police.id), "email": "",
                                                          "phone": "+45 72 58 14 00"})
    db.session.refresh(person)
    assert person.job_title == "Pressechef" and person.email is None
    assert "Pressechef" in client.get("/staffs/people").get_data(as_text=True)


def test_print_view_shows_its_time(login):
    client = english(login("herning"))
    month_ago = utcnow() - timedelta(days=30)
    html = client.get("/staffs/LBS-O/print", query_string={"at": local_input(month_ago)}).get_data(as_text=True)
    assert "Organisation assignment list" in html and "Logfører A" in html
    assert to_local(month_ago).strftime("%Y-%m-%d %H:%M") in html
    assert client.get("/staffs/NOPE/print").status_code == 404
    assert client.get("/staffs/NOPE").status_code == 404


def test_danish_is_the_default(login):
    html = login("politi").get("/staffs/LBS-O").get_data(as_text=True)
    assert "Stedfortrædere" in html and "Hul: for få stedfortrædere" in html and "Vis bemandingen pr." in html


def test_person_form_refuses_control_characters(login):
    client = english(login("politi"))
    police = factories.organisation("Midt- og Vestjyllands Politi")
    before = counts()
    for data in ({"name": "A\x00B", "job_title": "X"}, {"name": "A", "job_title": "X", "email": "a\x00@b.dk"},
                 {"name": "A", "job_title": "X", "phone": "12\x0034"}):
        response = client.post("/staffs/people/new", data={"organisation": str(police.id), **data})
        # NUL and other control characters in any form field: a 400 page with a message (lbs/security.py).
        assert response.status_code == 400 and "control" in response.get_data(as_text=True)
    assert counts() == before


def test_form_errors_are_danish_too(login):
    client = login("politi")
    log = seat("Logfører")
    before = counts()
    html = client.post(f"/staffs/positions/{log.id}/assign",
                       data={"person": "999999", "rank": "-1", "valid_from": "x"}).get_data(as_text=True)
    for text in ("Ikke et gyldigt valg.", "Tallet skal være mellem 0 og 1000.", "Ikke en gyldig dato og tid."):
        assert text in html
    html = client.post(f"/staffs/positions/{log.id}/assign",
                       data={"person": "1", "rank": "1", "valid_from": "2026-10-25T02:30"}).get_data(as_text=True)
    assert "forekommer to gange" in html
    assert counts() == before
