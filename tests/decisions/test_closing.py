"""Closing and reopening an incident (services): defaults, every 422 and 409 in the contract's order, the
history rows and the audit trail, and the guarded status change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lbs.audit.models import AuditEvent
from lbs.auth.models import User
from lbs.decisions import closing
from lbs.errors import Conflict, ValidationError
from lbs.extensions import db
from lbs.incidents import closing as incident_closing
from lbs.incidents.models import Incident, IncidentEvent, IncidentEventKind, IncidentStatus
from lbs.timeutil import utcnow
from tests import factories


def _user(username: str = "politi") -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _events(incident: Incident) -> list[IncidentEvent]:
    return list(db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
                                   .order_by(IncidentEvent.id)))


def _audit(incident: Incident) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "incident", AuditEvent.object_id == str(incident.id)).order_by(AuditEvent.id)))


def _refresh(incident: Incident) -> Incident:
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    return found


@pytest.fixture
def incident(app):
    created = factories.incident("Lukkes", started_at=utcnow() - timedelta(hours=5))
    db.session.commit()  # so that rolling back a refused write keeps it (the test's transaction is still undone)
    return created


def test_close_defaults_to_now_and_keeps_who_and_when(incident):
    before = utcnow()
    event = closing.close_incident(incident=incident, by=_user())
    after = utcnow()
    assert incident.status is IncidentStatus.CLOSED and before <= incident.ended_at <= after
    stored = _refresh(incident)
    assert stored.status is IncidentStatus.CLOSED and stored.ended_at == event.ended_at
    [row] = _events(stored)
    assert (row.kind, row.by_id, row.ended_at, row.reason) == (IncidentEventKind.CLOSED, _user().id,
                                                               stored.ended_at, None)
    assert before <= row.recorded_at <= after
    assert _audit(stored)[-1] == "incident.close"


def test_close_at_a_given_time_in_the_past(incident):
    at = utcnow() - timedelta(hours=1)
    closing.close_incident(incident=incident, by=_user(), at=at)
    assert _refresh(incident).ended_at == at


@pytest.mark.parametrize("offset, error", [
    (timedelta(seconds=1), closing.EndInFuture), (timedelta(minutes=4), closing.EndInFuture),
    (-timedelta(hours=6), closing.EndBeforeStart),
])
def test_close_refuses_an_end_in_the_future_or_before_the_start(incident, offset, error):
    now = utcnow()
    with pytest.raises(error) as raised:
        closing.close_incident(incident=incident, by=_user(), at=now + offset, now=now)
    assert raised.value.status == 422 and list(raised.value.fields) == ["ended_at"]
    db.session.rollback()
    assert _refresh(incident).status is IncidentStatus.ACTIVE and _events(incident) == []


def test_close_may_not_end_before_the_latest_decision(incident):
    now = utcnow()
    factories.decision_with_costs(incident, decided_at=now - timedelta(hours=2))
    latest = factories.decision_with_costs(incident, decided_at=now - timedelta(minutes=30))
    # An amendment numbered later but decided earlier: the latest decision is the one decided last.
    factories.decision_with_costs(incident, decided_at=now - timedelta(hours=1))
    with pytest.raises(closing.EndBeforeLastDecision) as raised:
        closing.close_incident(incident=incident, by=_user(), at=now - timedelta(minutes=31), now=now)
    assert raised.value.number == latest.number == 2 and raised.value.decided_at == latest.decided_at
    assert "number 2" in raised.value.fields["ended_at"][0]
    db.session.rollback()
    incident = _refresh(incident)
    assert incident.status is IncidentStatus.ACTIVE
    closing.close_incident(incident=incident, by=_user(), at=latest.decided_at, now=now)  # exactly then: fine
    assert _refresh(incident).ended_at == latest.decided_at


def test_closing_a_closed_incident_is_a_conflict_after_validation(incident):
    closing.close_incident(incident=incident, by=_user())
    with pytest.raises(Conflict):
        closing.close_incident(incident=incident, by=_user())
    with pytest.raises(closing.EndInFuture):  # 422 comes before 409
        closing.close_incident(incident=incident, by=_user(), at=utcnow() + timedelta(hours=1))
    assert len(_events(incident)) == 1


@pytest.mark.parametrize("reason", [None, "", "   \n\t "])
def test_reopen_needs_a_reason(incident, reason):
    closing.close_incident(incident=incident, by=_user())
    with pytest.raises(incident_closing.ReasonMissing) as raised:
        incident_closing.reopen_incident(incident=incident, reason=reason, by=_user())
    assert raised.value.status == 422 and list(raised.value.fields) == ["reason"]


def test_reopen_refuses_an_overlong_reason(incident):
    closing.close_incident(incident=incident, by=_user())
    with pytest.raises(ValidationError):
        incident_closing.reopen_incident(incident=incident, reason="x" * 10_001, by=_user())


def test_reopen_of_an_active_incident_is_a_conflict_after_validation(incident):
    with pytest.raises(incident_closing.ReasonMissing):  # 422 before 409
        incident_closing.reopen_incident(incident=incident, reason=" ", by=_user())
    with pytest.raises(Conflict):
        incident_closing.reopen_incident(incident=incident, reason="Ny brand", by=_user())
    assert _events(incident) == []


def test_reopen_makes_it_active_and_both_stay_in_the_history(incident):
    closing.close_incident(incident=incident, by=_user("politi"), at=utcnow() - timedelta(minutes=10))
    event = incident_closing.reopen_incident(incident=incident, reason="  Branden blussede op igen \n",
                                             by=_user("admin"))
    assert incident.status is IncidentStatus.ACTIVE and incident.ended_at is None
    stored = _refresh(incident)
    assert stored.status is IncidentStatus.ACTIVE and stored.ended_at is None
    assert event.reason == "Branden blussede op igen"
    closing.close_incident(incident=stored, by=_user("politi"))
    entries = incident_closing.history(stored.id)
    assert [e.kind for e in entries] == [IncidentEventKind.CLOSED, IncidentEventKind.REOPENED,
                                         IncidentEventKind.CLOSED]
    politi, admin = _user("politi"), _user("admin")
    assert [e.by_name for e in entries] == [politi.display_name or politi.username,
                                            admin.display_name or admin.username,
                                            politi.display_name or politi.username]
    assert entries[1].reason == "Branden blussede op igen" and entries[1].ended_at is None
    assert entries[0].ended_at is not None and entries[2].ended_at == stored.ended_at
    assert _audit(stored)[-3:] == ["incident.close", "incident.reopen", "incident.close"]


def test_history_of_a_closing_without_a_recorded_closer(incident):
    db.session.add(IncidentEvent(incident_id=incident.id, kind=IncidentEventKind.CLOSED, recorded_at=utcnow(),
                                 ended_at=utcnow()))
    db.session.flush()
    [entry] = incident_closing.history(incident.id)
    assert entry.by_name is None and entry.closed


def test_the_status_moves_only_from_the_expected_one(incident):
    """Another writer closed the incident behind this request's loaded object: the guarded change refuses
    to close it again, and the reopening reads the status as committed."""
    db.session.execute(update(Incident).where(Incident.id == incident.id)
                       .values(status=IncidentStatus.CLOSED, ended_at=utcnow())
                       .execution_options(synchronize_session=False))
    assert incident.status is IncidentStatus.ACTIVE  # the stale loaded object
    with pytest.raises(Conflict):
        incident_closing.mark_closed(incident=incident, at=utcnow(), by=_user())
    with pytest.raises(Conflict):
        closing.close_incident(incident=incident, by=_user())
    incident_closing.reopen_incident(incident=incident, reason="Fejl", by=_user())
    assert _refresh(incident).status is IncidentStatus.ACTIVE
    assert [e.kind for e in _events(incident)] == [IncidentEventKind.REOPENED]
