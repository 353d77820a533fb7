"""Who decided is recorded when the decision is logged (contract: decided_by_name, …_job_title, …_seat)."""

from __future__ import annotations

from sqlalchemy import select

from lbs.decisions.verification import verify_all
from lbs.extensions import db
from lbs.staffs.models import Person
from tests import factories
from tests.decisions.test_api import body


def test_the_maker_is_recorded_hashed_and_kept_when_the_person_changes(api_as):
    incident = factories.incident()
    db.session.commit()
    api = api_as("politi")
    chief = db.session.scalars(select(Person).where(Person.name == "Politiinspektør (stabschef)")).one()
    outsider = factories.person("Frivillig koordinator")
    db.session.commit()
    created = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body())
    assert created.status_code == 201, created.get_json()
    logged = created.get_json()
    assert logged["decided_by_name"] == "Politiinspektør (stabschef)"
    assert logged["decided_by_job_title"] == chief.job_title
    assert logged["decided_by_seat"] == "Stabschef (politiinspektør)"
    assert logged["decided_by_off_roster"] is False

    off = api.post(f"/api/v1/incidents/{incident.id}/decisions", json=body(decided_by=outsider.id)).get_json()
    assert off["decided_by_seat"] is None and off["decided_by_off_roster"] is True
    assert off["decided_by_name"] == "Frivillig koordinator"

    chief.name, chief.job_title = "Omdøbt person", "Ny titel"
    db.session.commit()
    read = api.get(f"/api/v1/decisions/{logged['id']}").get_json()
    assert (read["decided_by_name"], read["decided_by_job_title"], read["decided_by_seat"]) == (
        logged["decided_by_name"], logged["decided_by_job_title"], logged["decided_by_seat"])
    assert read["hash"] == logged["hash"]
    assert all(item.result.ok for item in verify_all(incident.id))



def test_a_recorded_name_changed_in_the_database_breaks_the_chain(api_as):
    incident = factories.incident()
    db.session.commit()
    logged = api_as("politi").post(f"/api/v1/incidents/{incident.id}/decisions", json=body()).get_json()
    db.session.execute(db.text("UPDATE decisions SET decided_by_seat = 'Logfører' WHERE id = :id"),
                       {"id": logged["id"]})
    db.session.commit()
    [result] = verify_all(incident.id)
    assert result.result.ok is False and result.result.first_broken == logged["number"]
