"""Who is told what: a request → the party's municipality's users (in the application and by mail) and the
person in the party's seat now (or its first deputy) by mail; a cost line → the bearer municipality's users; an
answer → whoever made the proposal or logged the decision. Each names the incident and the decision or proposal
and links to it; another municipality's users are told nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lbs.auth.models import Role, User
from lbs.consultation.models import Party
from lbs.extensions import db
from lbs.notifications import services
from lbs.notifications.models import Kind, Notification, OutboxMail
from lbs.notifications.recipients import seat_holder
from lbs.notifications.titles import title
from lbs.staffs.models import Assignment
from lbs.timeutil import utcnow
from tests import factories
from tests.decisions.test_api import body as decision_body
from tests.hearing.api_support import answer, ask, decide_body
from tests.hearing.conftest import proposal_body


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _notes(url: str) -> dict[str, Notification]:
    rows = db.session.scalars(select(Notification).where(Notification.url == url)).all()
    by_user = {db.session.get(User, n.user_id).username: n for n in rows}
    assert len(by_user) == len(rows)  # one per user
    return by_user


def _said(app, note: Notification) -> str:
    """The notification's title as a Danish reader sees it."""
    with app.test_request_context(headers={"Accept-Language": "da"}):
        return title(note.kind, note.params)


def _mailed(url: str) -> list[str]:
    """The addresses mailed about ``url`` (the link ends the mail's text)."""
    return sorted(m.to_address for m in db.session.scalars(select(OutboxMail)) if m.body_text.count(url + "\n"))


@pytest.fixture
def proposal(app, api_as):
    """An open proposal costing Herning money (asked while mail is off: nothing in the outbox yet)."""
    incident = factories.incident()
    db.session.commit()
    response = api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def mail_on(app):
    app.config["LBS_SMTP_URL"] = "smtp://127.0.0.1:1"  # written to the outbox only: nothing is delivered here
    second = User(username="herning2", password_hash="x", role=Role.MUNICIPALITY, municipality_code="657",
                  email="Kommune.Herning2@demo.invalid")
    gone = User(username="herning-gone", password_hash="x", role=Role.MUNICIPALITY, municipality_code="657",
                email="gone@demo.invalid", active=False)
    db.session.add_all([second, gone])
    db.session.commit()


def _seat(party_key: str, *holders: tuple[int, str, bool]) -> None:
    """Give the party a fresh seat held by (rank, e-mail, still holding) people."""
    seat = factories.position("Sæde for test")
    now = utcnow()
    for rank, email, holding in holders:
        person = factories.person(f"Holder {rank} {email}", email=email)
        db.session.add(Assignment(position_id=seat.id, person_id=person.id, rank=rank,
                                  valid_from=now - timedelta(days=2),
                                  valid_to=None if holding else now - timedelta(hours=1)))
    party = db.session.scalars(select(Party).where(Party.key == party_key)).one()
    party.position_id = seat.id
    db.session.commit()


def test_a_request_tells_the_municipality_and_mails_the_seat_holder(app, api_as, proposal, mail_on, login):
    _seat("657:socialdirektoer", (0, "primary@demo.invalid", True), (1, "deputy@demo.invalid", True))
    asked = ask(api_as("politi"), proposal["id"], "657:socialdirektoer", "consult").get_json()
    url = f"/consultation-requests/{asked['id']}"
    notes = _notes(url)
    assert set(notes) == {"herning", "herning2"}  # not holstebro, not the inactive user, not the police
    note = notes["herning"]
    assert note.kind is Kind.CONSULTATION_REQUEST and note.incident_id == proposal["incident_id"]
    said = _said(app, note)
    assert "Evakuering af Sunds" in said and "Testhændelse" in said
    assert _mailed(url) == ["herning@demo.invalid", "kommune.herning2@demo.invalid", "primary@demo.invalid"]
    assert login("herning").get(url).status_code == 200  # the link leads to the request
    assert all(n.url != url for n in services.notifications_of(_user("holstebro")))


def test_a_seat_without_a_primary_mails_its_first_deputy(app, api_as, proposal, mail_on):
    _seat("657:socialdirektoer", (0, "left@demo.invalid", False), (2, "second@demo.invalid", True),
          (1, "first@demo.invalid", True))
    asked = ask(api_as("politi"), proposal["id"], "657:socialdirektoer", "consult").get_json()
    mailed = _mailed(f"/consultation-requests/{asked['id']}")
    assert "first@demo.invalid" in mailed
    assert not {"left@demo.invalid", "second@demo.invalid"} & set(mailed)


def test_seat_holder_is_the_primary_then_the_lowest_ranked_deputy(app):
    seat = factories.position("Sæde for test")
    now = utcnow()
    people = {name: factories.person(name) for name in ("primary", "first", "second")}
    for name, rank in (("second", 2), ("first", 1), ("primary", 0)):
        db.session.add(Assignment(position_id=seat.id, person_id=people[name].id, rank=rank,
                                  valid_from=now - timedelta(days=1)))
    db.session.flush()
    assert seat_holder(seat.id, now) is people["primary"]
    primary = db.session.scalars(select(Assignment).where(Assignment.person_id == people["primary"].id)).one()
    primary.valid_to = now - timedelta(minutes=1)
    db.session.flush()
    assert seat_holder(seat.id, now) is people["first"]
    assert seat_holder(seat.id, now - timedelta(hours=1)) is people["primary"]  # it was theirs then
    assert seat_holder(seat.id, now - timedelta(days=2)) is None


def test_a_cost_line_tells_the_bearer_municipality_only(app, api_as, mail_on, login):
    incident = factories.incident()
    db.session.commit()
    herning = factories.organisation("Herning Kommune").id
    logged = api_as("politi").post(f"/api/v1/incidents/{incident.id}/decisions", json=decision_body(
        costs=[{"bearer": herning, "category": "supplies", "estimate_dkk": "12500"}])).get_json()
    url = f"/costs/lines/{logged['costs'][0]['id']}"
    notes = _notes(url)
    assert set(notes) == {"herning", "herning2"}
    said = _said(app, notes["herning"])
    assert notes["herning"].kind is Kind.COST_LINE and notes["herning"].incident_id == incident.id
    assert "Afspærring af Bredgade" in said and incident.title in said and str(logged["number"]) in said
    assert "12.500" in said
    assert _mailed(url) == ["herning@demo.invalid", "kommune.herning2@demo.invalid"]
    assert login("herning").get(url).status_code == 200


def test_a_police_cost_line_tells_no_municipality(app, api_as, mail_on):
    incident = factories.incident()
    db.session.commit()
    police = factories.organisation("Midt- og Vestjyllands Politi").id
    api_as("politi").post(f"/api/v1/incidents/{incident.id}/decisions", json=decision_body(
        costs=[{"bearer": police, "category": "supplies", "estimate_dkk": "100"}]))
    assert not db.session.scalars(select(Notification).where(Notification.incident_id == incident.id)).all()


def test_an_answer_tells_the_proposer(app, api_as, proposal, mail_on, login):
    herning_request = next(r for r in proposal["requests"] if r["party"].startswith("657:"))
    assert answer(api_as("herning"), herning_request["id"], "agreed").status_code == 200
    url = f"/proposals/{proposal['id']}"
    notes = _notes(url)
    assert set(notes) == {"politi"}
    assert notes["politi"].kind is Kind.ANSWER
    said = _said(app, notes["politi"])
    assert "Evakuering af Sunds" in said and "Testhændelse" in said
    assert _mailed(url) == ["politi@demo.invalid"]
    assert login("politi").get(url).status_code == 200


def test_an_answer_about_a_decision_tells_who_logged_it(app, api_as, proposal, mail_on):
    police = api_as("politi")
    for row in proposal["requests"]:
        who = "herning" if row["party"].startswith("657:") else "politi"
        answer(api_as(who), row["id"], "agreed")
    decided = police.post(f"/api/v1/proposals/{proposal['id']}/decide", json=decide_body())
    assert decided.status_code == 201, decided.get_json()
    decision = decided.get_json()
    asked = police.post(f"/api/v1/decisions/{decision['id']}/requests",
                        json={"party": "657:socialdirektoer", "mode": "inform"})
    assert asked.status_code == 201, asked.get_json()
    answered = answer(api_as("herning"), asked.get_json()["id"], "agreed_with_reservation", "Vi følger op.")
    assert answered.status_code == 200, answered.get_json()
    notes = _notes(f"/decisions/{decision['id']}")
    assert set(notes) == {"politi"} and notes["politi"].kind is Kind.ANSWER
