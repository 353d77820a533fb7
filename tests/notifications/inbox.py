"""Helpers for the inbox tests: a user by name and notifications told to them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lbs.auth.models import User
from lbs.extensions import db
from lbs.notifications import services
from lbs.notifications.models import Kind, Notification
from lbs.timeutil import utcnow

COST_PARAMS = {"bearer": "Herning Kommune", "amount": "1234.50", "category": "catering", "number": 7,
               "title": "Forplejning af indsatsen", "incident": "Oversvømmelse i Herning"}


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def tell(username: str, count: int = 1, *, url: str = "/incidents", at: datetime | None = None) -> list[Notification]:
    """``count`` cost-line notifications to one user, a minute apart (committed), oldest first."""
    start = at or utcnow() - timedelta(hours=1)
    notes = []
    for i in range(count):
        notes += services.tell(kind=Kind.COST_LINE, params={**COST_PARAMS, "number": i + 1}, url=url,
                               users=[user(username)], now=start + timedelta(minutes=i))
    db.session.commit()
    return notes
