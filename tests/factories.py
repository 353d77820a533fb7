"""Plain factory functions for tests (they only flush; the test's transaction is rolled back)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentKind
from lbs.organisations.models import Municipality, Organisation
from lbs.staffs.models import Person, Position, Staff
from lbs.timeutil import utcnow


def staff(code: str = "LBS-O") -> Staff:
    found = db.session.scalar(select(Staff).where(Staff.code == code))
    assert found is not None
    return found


def municipality(code: str = "657") -> Municipality:
    found = db.session.get(Municipality, code)
    assert found is not None
    return found


def organisation(name: str) -> Organisation:
    found = db.session.scalar(select(Organisation).where(Organisation.name == name))
    assert found is not None, name
    return found


def person(name: str = "Testperson", organisation_name: str = "Midt- og Vestjyllands Politi", **kw: Any) -> Person:
    p = Person(name=name, job_title=kw.pop("job_title", name), organisation=organisation(organisation_name), **kw)
    db.session.add(p)
    db.session.flush()
    return p


def position(title: str = "Testplads", staff_code: str = "LBS-O", **kw: Any) -> Position:
    pos = Position(staff=staff(staff_code), title=title,
                   organisation=kw.pop("organisation", None) or organisation("Midt- og Vestjyllands Politi"), **kw)
    db.session.add(pos)
    db.session.flush()
    return pos


def incident(
    title: str = "Testhændelse",
    *,
    municipalities: tuple[str, ...] = ("657",),
    started_at: datetime | None = None,
    kind: IncidentKind = IncidentKind.FLOOD,
    **kw: Any,
) -> Incident:
    inc = Incident(title=title, kind=kind, started_at=started_at or utcnow() - timedelta(hours=6), **kw)
    inc.municipalities = [municipality(code) for code in municipalities]
    db.session.add(inc)
    db.session.flush()
    return inc


def money(text: str) -> Decimal:
    return Decimal(text)
