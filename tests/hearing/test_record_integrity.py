"""An answer becomes a consultation covered by the hash chains: changing its outcome in the database afterwards is
found by ``lbs verify`` and by ``GET /api/v1/incidents/{id}/verify``, whether the answer was logged with the
decision or appended to it later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from lbs.consultation.models import Consultation, Outcome
from lbs.extensions import db
from lbs.hearing import answers
from tests.hearing.record_setup import heard_incident, user


def _verify(api_as, runner, incident_id):
    body = api_as("revisor").get(f"/api/v1/incidents/{incident_id}/verify").get_json()
    cli = runner.invoke(args=["lbs", "verify", "--incident", str(incident_id)])
    return body, cli


def _tamper(consultation_id):
    db.session.execute(update(Consultation).where(Consultation.id == consultation_id)
                       .values(outcome=Outcome.OBJECTED))
    db.session.commit()


@pytest.fixture
def heard(app, incident):
    found = heard_incident(incident)
    late = found.open[0]
    answers.answer(request=late, data={"outcome": "agreed"}, by=user("herning"),
                   now=found.t0 + timedelta(minutes=50))
    db.session.commit()
    return found


def test_the_answers_are_consultations_and_the_chains_verify(api_as, runner, incident, heard):
    logged = db.session.get(Consultation, heard.answered.consultation_id)
    appended = db.session.get(Consultation, heard.open[0].consultation_id)
    assert logged is not None and logged.appended_seq is None and logged.channel == "lbs"
    assert appended is not None and appended.appended_seq is not None and appended.channel == "lbs"
    body, cli = _verify(api_as, runner, incident.id)
    assert body["ok"] is True and cli.exit_code == 0, (body, cli.output)


def test_changing_an_answer_logged_with_the_decision_breaks_the_chain(api_as, runner, incident, heard):
    _tamper(heard.answered.consultation_id)
    body, cli = _verify(api_as, runner, incident.id)
    assert body["ok"] is False and body["first_broken"] == heard.decision.number
    assert cli.exit_code == 1 and "chain broken" in cli.output


def test_changing_a_late_appended_answer_breaks_the_chain(api_as, runner, incident, heard):
    _tamper(heard.open[0].consultation_id)
    body, cli = _verify(api_as, runner, incident.id)
    assert body["ok"] is False
    assert cli.exit_code == 1 and "chain broken" in cli.output
