"""Consultation parties: the roles a decision may have to consult."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from lbs.consultation.models import Party
from lbs.extensions import db


def list_parties() -> Sequence[Party]:
    return db.session.scalars(select(Party).order_by(Party.key)).all()


def parties_by_key(keys: Iterable[str]) -> dict[str, Party]:
    """The parties with these keys (unknown keys are left out), in one statement."""
    wanted = {key for key in keys if "\x00" not in key}  # PostgreSQL refuses NUL; no key has one
    if not wanted:
        return {}
    return {party.key: party for party in db.session.scalars(select(Party).where(Party.key.in_(wanted)))}
