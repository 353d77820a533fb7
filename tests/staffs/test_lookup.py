"""The roster lookups the decision log relies on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lbs.extensions import db
from lbs.staffs import services
from lbs.staffs.models import Person
from lbs.timeutil import utcnow
from tests import factories


def _person(name: str) -> Person:
    return db.session.scalars(select(Person).where(Person.name == name)).one()


def test_is_on_roster_follows_validity(app):
    lbs_o, lbs_s = factories.staff("LBS-O"), factories.staff("LBS-S")
    now = utcnow()
    old, new = _person("Logfører A, Midt- og Vestjyllands Politi"), _person("Logfører B, Midt- og Vestjyllands Politi")
    assert services.is_on_roster(person_id=new.id, staff_id=lbs_o.id, at=now)
    assert not services.is_on_roster(person_id=old.id, staff_id=lbs_o.id, at=now)
    month_ago = now - timedelta(days=30)
    assert services.is_on_roster(person_id=old.id, staff_id=lbs_o.id, at=month_ago)
    assert not services.is_on_roster(person_id=new.id, staff_id=lbs_o.id, at=month_ago)
    assert not services.is_on_roster(person_id=new.id, staff_id=lbs_s.id, at=now)
    chair = _person("Politidirektør")
    assert chair in services.roster_people(staff_id=lbs_s.id, at=now)
    assert chair not in services.roster_people(staff_id=lbs_o.id, at=now)
