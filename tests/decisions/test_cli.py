"""CLI: verify exit codes, seed-demo with synthetic decisions, the demo incidents."""

from __future__ import annotations

from sqlalchemy import func, select, update

from lbs.decisions import log, reads, verification
from lbs.decisions.models import CostLine, Decision
from lbs.demo.incidents import DEMO_TITLE, EXERCISE_TITLE
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.timeutil import utcnow
from tests import factories
from tests.conftest import make_app, prepare_database


def test_demo_incidents_are_seeded_with_valid_chains(app):
    demo = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    exercise = db.session.scalars(select(Incident).where(Incident.title == EXERCISE_TITLE)).one()
    assert exercise.exercise and [m.code for m in exercise.municipalities] == ["665", "671", "773", "787"]
    decisions = factories.decisions_of(demo)
    assert [d.number for d in decisions] == [1, 2, 3, 4, 5, 6]
    assert [d.type.value for d in decisions] == ["cordon", "evacuation", "shelter", "assistance_request",
                                                 "evacuation", "warning"]
    assert decisions[2].owner.name == "Herning Kommune" and decisions[5].urgent
    assert all(not d.decided_by_off_roster for d in decisions)
    lines = reads.cost_lines([d.id for d in decisions])
    assert sum(c.estimate_dkk for c in lines[decisions[1].id]) == 175000
    assert lines[decisions[3].id][0].provisional and lines[decisions[4].id][0].status.value == "disputed"
    assert verification.verify_incident(demo).ok and verification.verify_incident(exercise).ok


def test_verify_cli_exit_codes(runner, app):
    result = runner.invoke(args=["lbs", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    demo = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    assert runner.invoke(args=["lbs", "verify", "--incident", str(demo.id)]).exit_code == 0
    missing = runner.invoke(args=["lbs", "verify", "--incident", "999999"])
    assert missing.exit_code == 1 and "no such incident" in missing.output
    decision = factories.decisions_of(demo)[3]
    db.session.execute(update(CostLine).where(CostLine.decision_id == decision.id).values(estimate_dkk=1))
    db.session.flush()
    broken = runner.invoke(args=["lbs", "verify"])
    assert broken.exit_code == 1
    assert f"incident {demo.id}" in broken.output and "decision 4" in broken.output


def test_seed_demo_with_synthetic_decisions(fresh_database_url):
    prepare_database(fresh_database_url, seed=False)
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lbs", "seed-demo", "--decisions", "25", "--incidents", "3"])
    assert result.exit_code == 0, result.output
    assert "25/25" in result.output
    with app.app_context():
        synthetic = db.session.scalars(select(Incident).where(Incident.title.like("Syntetisk%"))).all()
        assert len(synthetic) == 3 and all(i.status.value == "active" for i in synthetic)
        count = db.session.scalar(select(func.count()).select_from(Decision).where(
            Decision.incident_id.in_([i.id for i in synthetic])))
        assert count == 25
        now = utcnow()
        assert all((now - i.started_at).days >= 1 for i in synthetic)
        latest = db.session.scalar(select(func.max(Decision.decided_at)))
        assert latest is not None and latest < now
        assert all(verification.verify_incident(i).ok for i in synthetic)
        db.session.remove()
    assert runner.invoke(args=["lbs", "verify"]).exit_code == 0
    # a new decision after the bulk insert gets a fresh id (sequence moved on PostgreSQL)
    with app.app_context():
        from datetime import timedelta

        from lbs.consultation.facts import DecisionType
        from lbs.decisions.draft import DecisionDraft
        incident = synthetic[0]
        incident = db.session.get(Incident, incident.id)
        last = factories.decisions_of(incident)[-1]
        draft = DecisionDraft(staff="LBS-O", decided_at=utcnow() - timedelta(minutes=1),
                              decided_by_id=last.decided_by_id, owner_id=last.owner_id, type=DecisionType.OTHER,
                              title="Efter", decision="x", rationale="y")
        new = log.log_decision(incident=incident, draft=draft, by=None).decision
        db.session.commit()
        assert new.number == last.number + 1 and verification.verify_incident(incident).ok
        db.session.remove()
        db.engine.dispose()
