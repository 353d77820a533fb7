"""The decision page's "Tilføj høring": who sees it, where, and what a submission does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lbs.consultation.models import Consultation
from lbs.extensions import db
from lbs.formatting import dt_input
from lbs.timeutil import utcnow
from tests.decisions.test_appended_api import _decision_body


@pytest.fixture
def logged(api_as, app):
    from tests import factories

    incident = factories.incident()
    db.session.commit()
    api = api_as("politi")
    decision = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=_decision_body()).get_json()
    return incident, decision, api


def _form(**overrides):
    data = {"party": "657:kommunaldirektoer", "consulted_at": dt_input(utcnow() - timedelta(minutes=1)),
            "mode": "approve", "outcome": "agreed", "channel": "telefon", "note": "Ringede tilbage"}
    data.update(overrides)
    return data


def _appended() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Consultation)
                             .where(Consultation.appended_seq.is_not(None))) or 0


def test_police_see_the_form_with_outcome_and_mode_blank(login, logged):
    _incident, decision, _api = logged
    page = login("politi").get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "Tilføj høring" in page
    assert f'action="/decisions/{decision["id"]}/consultations"' in page
    for name in ("outcome", "mode"):
        select_html = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert 'selected value=""' in select_html or "selected" not in select_html


@pytest.mark.parametrize("user", ["revisor", "herning"])
def test_others_do_not(login, logged, user):
    _incident, decision, _api = logged
    page = login(user).get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "Tilføj høring" not in page


def test_a_submission_is_listed_and_counts(login, logged):
    _incident, decision, _api = logged
    client = login("politi")
    before = client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "missing-consultations" in before and "Kommunaldirektør" in before.split("missing-consultations")[1]
    response = client.post(f"/decisions/{decision['id']}/consultations", data=_form())
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/decisions/{decision['id']}")
    page = client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "Høring tilføjet til beslutning 1." in page
    assert "tilføjet efterfølgende" in page and "af " in page.split("tilføjet efterfølgende")[1][:60]
    missing = page.split("missing-consultations")[1].split("</p>")[0] if "missing-consultations" in page else ""
    assert "Kommunaldirektør" not in missing
    assert _appended() == 1


@pytest.mark.parametrize("change, message", [
    ({"outcome": ""}, "Vælg udfaldet."),
    ({"mode": ""}, "Vælg høringsformen."),
    ({"party": ""}, "Vælg den part, der blev hørt."),
    ({"party": "657:nobody"}, "Ukendt part."),
    ({"consulted_at": "i går"}, "Angiv"),
    ({"consulted_at": lambda: dt_input(utcnow() + timedelta(minutes=30))}, "højst ligge 5 minutter"),  # at run time
    ({"channel": "x" * 201}, "200"),
])
def test_bad_input_is_a_danish_form_error_and_writes_nothing(login, logged, change, message):
    change = {key: value() if callable(value) else value for key, value in change.items()}
    _incident, decision, _api = logged
    response = login("politi").post(f"/decisions/{decision['id']}/consultations", data=_form(**change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _appended() == 0


def test_control_characters_are_refused_by_every_form(login, logged):
    _incident, decision, _api = logged
    response = login("politi").post(f"/decisions/{decision['id']}/consultations", data=_form(note="a\x01b"))
    assert response.status_code == 400 and _appended() == 0


def test_an_amended_decision_has_no_form_and_a_post_is_refused(login, logged):
    _incident, decision, api = logged
    amendment = api.post(f"/api/v1/decisions/{decision['id']}/amendments", json={"reason": "Nyt"}).get_json()
    client = login("politi")
    assert "Tilføj høring" not in client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert "Tilføj høring" in client.get(f"/decisions/{amendment['id']}").get_data(as_text=True)
    response = client.post(f"/decisions/{decision['id']}/consultations", data=_form(), follow_redirects=True)
    assert f"den gældende version, beslutning {amendment['number']}" in response.get_data(as_text=True)
    assert _appended() == 0


def test_a_closed_incident_has_no_form(login, logged):
    incident, decision, api = logged
    assert api.post(f"/api/v1/incidents/{incident.id}/close").status_code == 200
    client = login("politi")
    assert "Tilføj høring" not in client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    response = client.post(f"/decisions/{decision['id']}/consultations", data=_form(), follow_redirects=True)
    assert "genåbn den for at tilføje en høring" in response.get_data(as_text=True)
    assert _appended() == 0


def test_unknown_decision_is_404(login):
    assert login("politi").post("/decisions/999999/consultations", data=_form()).status_code == 404


def test_the_integrity_check_on_the_incident_page_catches_a_deleted_appended_row(login, logged):
    from sqlalchemy import delete

    incident, decision, _api = logged
    client = login("politi")
    assert client.post(f"/decisions/{decision['id']}/consultations", data=_form()).status_code == 302
    ok = client.post(f"/incidents/{incident.id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "kæden er intakt" in ok
    db.session.execute(delete(Consultation).where(Consultation.appended_seq.is_not(None)))
    db.session.commit()
    broken = client.post(f"/incidents/{incident.id}/verify", follow_redirects=True).get_data(as_text=True)
    assert "Integritetskontrol FEJLEDE: kæden er brudt ved beslutning 1." in broken
