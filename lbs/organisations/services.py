"""Reads of organisations and municipalities."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lbs.extensions import db
from lbs.organisations.models import Municipality, Organisation


def list_organisations() -> Sequence[Organisation]:
    return db.session.scalars(select(Organisation).order_by(Organisation.id)).all()


def list_municipalities() -> Sequence[Municipality]:
    return db.session.scalars(select(Municipality).order_by(Municipality.name)).all()


def get_organisation(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id)


def get_municipality(code: str) -> Municipality | None:
    return db.session.get(Municipality, code)
