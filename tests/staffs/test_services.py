"""Roster services on the database: as-of lookup, overlap, replace, end, audit, constant query count."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from lbs.audit.models import AuditEvent
from lbs.auth.models import User
from lbs.errors import Conflict, ValidationError
from lbs.extensions import db
from lbs.staffs import services
from lbs.staffs.models import Assignment, Person, Position
from lbs.staffs.roster import Problem
from lbs.timeutil import utcnow
from tests import factories


def user(name: str = "politi") -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@contextmanager
def counting_queries():
    statements: list[str] = []
    connection = db.session.connection()

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", before)


def test_roster_loads_in_a_constant_number_of_queries(app):
    staff = factories.staff("LBS-S")
    db.session.expunge_all()
    staff = factories.staff("LBS-S")
    with counting_queries() as few:
        small = services.roster_at(staff=staff, at=utcnow())
        _touch(small)
    # more positions and holders do not add queries
    for i in range(15):
        position = factories.position(f"Ekstra {i}", "LBS-S")
        for rank in range(3):
            db.session.add(Assignment(position=position, person=factories.person(f"P{i}-{rank}"), rank=rank,
                                      valid_from=utcnow() - timedelta(days=1)))
    db.session.flush()
    db.session.expunge_all()
    staff = factories.staff("LBS-S")
    with counting_queries() as many:
        big = services.roster_at(staff=staff, at=utcnow(), warnings=True)
        _touch(big)
    assert len(big.seats) == len(small.seats) + 15
    assert len(few) <= 4 and len(many) <= 4, (len(few), len(many))


def _touch(result: services.Roster) -> None:
    for seat in result.seats:
        str(seat.position.organisation.name)
        for holding in seat.holders:
            str(holding.person.name)
            str(holding.person.organisation.name)


def test_roster_as_of_follows_the_logkeeper_change(app):
    staff = factories.staff("LBS-O")
    now = utcnow()
    seat = next(s for s in services.roster_at(staff=staff, at=now).seats if s.position.title == "Logfører")
    assert seat.primary is not None and seat.primary.person.name.startswith("Logfører B")
    month = next(s for s in services.roster_at(staff=staff, at=now - timedelta(days=30)).seats
                 if s.position.title == "Logfører")
    assert month.primary is not None and month.primary.person.name.startswith("Logfører A")


def test_demo_gap_and_warnings(app):
    staff = factories.staff("LBS-O")
    result = services.roster_at(staff=staff, at=utcnow(), warnings=True)
    herning = next(s for s in result.seats if s.position.title == "Krisestabskontakt, Herning Kommune")
    assert herning.has(Problem.TOO_FEW_DEPUTIES)
    assert any(g.problem is Problem.TOO_FEW_DEPUTIES and g.position_id == herning.position.id for g in result.gaps)
    # a seat ending within 30 days is warned on the page, never a contract gap
    chief = next(s for s in result.seats if s.position.title == "Stabschef (politiinspektør)")
    assert chief.primary is not None
    services.end_assignment(by=user(), assignment=chief.primary, valid_to=utcnow() + timedelta(days=10))
    again = services.roster_at(staff=staff, at=utcnow(), warnings=True)
    chief = next(s for s in again.seats if s.position.title == "Stabschef (politiinspektør)")
    assert chief.has(Problem.ENDING_SOON)
    assert all(g.problem is not Problem.ENDING_SOON for g in again.gaps)


def test_shared_holder_across_staffs(app):
    lbs_o, lbs_s = factories.staff("LBS-O"), factories.staff("LBS-S")
    brs = next(s for s in services.roster_at(staff=lbs_o, at=utcnow()).seats
               if s.position.title.startswith("Vagthavende officer, Beredskabsstyrelsen"))
    assert brs.primary is not None and not brs.deputies
    extra = factories.position("Forbindelse", "LBS-S")
    services.assign(by=user(), position_id=extra.id, person_id=brs.primary.person_id, rank=0,
                    valid_from=utcnow() - timedelta(hours=1))
    o_seats = services.roster_at(staff=lbs_o, at=utcnow(), warnings=True).seats
    s_seats = services.roster_at(staff=lbs_s, at=utcnow(), warnings=True).seats
    assert next(s for s in o_seats if s.position.id == brs.position.id).has(Problem.SHARED_HOLDER)
    assert next(s for s in s_seats if s.position.id == extra.id).has(Problem.SHARED_HOLDER)


def test_replace_holder_in_one_step(app):
    position = factories.position("Erstatning")
    old, new = factories.person("Gammel"), factories.person("Ny")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    planned_end = datetime(2027, 1, 1, tzinfo=UTC)
    first = services.assign(by=user(), position_id=position.id, person_id=old.id, rank=0, valid_from=start,
                            valid_to=planned_end, reason="Efterregistreret")
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    second = services.replace_holder(by=user(), assignment=first, person_id=new.id, at=at, reason="Efterregistreret")
    assert first.valid_to == at and second.valid_from == at and second.valid_to == planned_end
    assert second.rank == 0 and second.position_id == position.id and second.person_id == new.id
    staff = factories.staff("LBS-O")
    for moment, holder in ((at - timedelta(seconds=1), old.id), (at, new.id)):
        seat = next(s for s in services.roster_at(staff=staff, at=moment).seats if s.position.id == position.id)
        assert seat.primary is not None and seat.primary.person_id == holder
    actions = [e.action for e in services.position_audit(position_id=position.id)]
    assert actions == ["assignment.create", "assignment.end", "assignment.create"]
    assert [a.id for a in services.position_history(position_id=position.id)] == [second.id, first.id]


@pytest.mark.parametrize("kind", ["same_person", "unknown_person", "before_start", "after_end"])
def test_replace_refusals_write_nothing(app, kind):
    position = factories.position("Erstatning")
    old = factories.person("Gammel")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = services.assign(by=user(), position_id=position.id, person_id=old.id, rank=0, valid_from=start,
                            valid_to=datetime(2026, 3, 1, tzinfo=UTC))
    other = factories.person("Anden")
    person_id, at = other.id, datetime(2026, 2, 1, tzinfo=UTC)
    if kind == "same_person":
        person_id = old.id
    elif kind == "unknown_person":
        person_id = 987654
    elif kind == "before_start":
        at = start
    else:
        at = datetime(2026, 3, 1, tzinfo=UTC)
    before = (count(Assignment), count(AuditEvent))
    with pytest.raises(ValidationError):
        services.replace_holder(by=user(), assignment=first, person_id=person_id, at=at)
    assert (count(Assignment), count(AuditEvent)) == before
    assert first.valid_to == datetime(2026, 3, 1, tzinfo=UTC)


def test_end_twice_is_a_conflict(app):
    position = factories.position("Afslut")
    holder = factories.person("Holder")
    assignment = services.assign(by=user(), position_id=position.id, person_id=holder.id, rank=0,
                                 valid_from=utcnow() - timedelta(days=3), reason="Efterregistreret")
    services.end_assignment(by=user(), assignment=assignment, valid_to=utcnow() - timedelta(days=1),
                            reason="Efterregistreret")
    with pytest.raises(Conflict):
        services.end_assignment(by=user(), assignment=assignment, valid_to=utcnow() - timedelta(days=2))


def test_edit_position_and_person_are_audited(app):
    staff = factories.staff("LBS-O")
    police = factories.organisation("Midt- og Vestjyllands Politi")
    herning = factories.municipality("657").organisation
    position = services.create_position(by=user(), staff=staff, title="Ny plads", organisation_id=police.id,
                                        mandatory=True, min_deputies=1)
    assert position.sort_order > 1
    services.update_position(by=user("admin"), position=position, title="Omdøbt plads", organisation_id=herning.id,
                             mandatory=True, min_deputies=2)
    event = services.position_audit(position_id=position.id)[-1]
    assert event.action == "position.update" and event.actor == "admin"
    assert event.data["changes"] == {"title": {"old": "Ny plads", "new": "Omdøbt plads"},
                                     "organisation_id": {"old": police.id, "new": herning.id},
                                     "min_deputies": {"old": 1, "new": 2}}
    person = services.create_person(by=user(), name="Ny", job_title="Titel", organisation_id=police.id,
                                    email="", phone=None)
    assert person.email is None
    services.update_person(by=user(), person=person, name="Ny", job_title="Anden titel", organisation_id=police.id,
                           email="ny@politi.dk", phone=None)
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.update")).one()
    assert change.data["changes"] == {"job_title": {"old": "Titel", "new": "Anden titel"},
                                      "email": {"old": None, "new": "ny@politi.dk"}}
    # an edit that changes nothing writes no audit event
    before = count(AuditEvent)
    services.update_person(by=user(), person=person, name="Ny", job_title="Anden titel", organisation_id=police.id,
                           email="ny@politi.dk", phone="")
    assert count(AuditEvent) == before
    with pytest.raises(ValidationError):
        services.create_person(by=user(), name="X", job_title="Y", organisation_id=555555)


def test_lookups_used_by_the_decision_log_still_agree(app):
    staff = factories.staff("LBS-O")
    position = factories.position("Opslag")
    person = factories.person("Opslagsperson")
    at = utcnow() + timedelta(days=3)
    services.assign(by=user(), position_id=position.id, person_id=person.id, rank=2, valid_from=at,
                    valid_to=at + timedelta(hours=1))
    assert not services.is_on_roster(person_id=person.id, staff_id=staff.id, at=at - timedelta(seconds=1))
    assert services.is_on_roster(person_id=person.id, staff_id=staff.id, at=at)
    assert not services.is_on_roster(person_id=person.id, staff_id=staff.id, at=at + timedelta(hours=1))
    assert person in services.roster_people(staff_id=staff.id, at=at)
    assert db.session.get(Person, person.id) is person and db.session.get(Position, position.id) is position


def test_concurrent_overlapping_assignments_one_wins(committed_app):
    """The second writer waits for the first (row lock / immediate transaction) and then sees the overlap."""
    import threading

    from lbs.database import write_intent

    position = factories.position("Samtidig")
    first, second = factories.person("Samtidig A"), factories.person("Samtidig B")
    db.session.commit()
    position_id, people = position.id, {"one": first.id, "two": second.id}
    start = datetime(2026, 7, 1, tzinfo=UTC)
    flushed, release = threading.Event(), threading.Event()
    results: dict[str, str] = {}

    def worker(name: str) -> None:
        with committed_app.app_context(), write_intent():
            try:
                if name == "two":
                    flushed.wait(10)
                services.assign(by=None, position_id=position_id, person_id=people[name], rank=0, valid_from=start,
                                reason="Efterregistreret")
                if name == "one":
                    flushed.set()
                    release.wait(10)  # keep the transaction open while the other writer tries
                db.session.commit()
                results[name] = "saved"
            except ValidationError:
                db.session.rollback()
                results[name] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    flushed.wait(10)
    threads[1].join(0.5)
    release.set()
    for thread in threads:
        thread.join(30)
    assert results == {"one": "saved", "two": "refused"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assignment)
                             .where(Assignment.position_id == position_id)) == 1
