"""Staffs, positions, people and assignments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lbs.extensions import db
from lbs.staffs.models import Staff


def list_staffs() -> Sequence[Staff]:
    return db.session.scalars(select(Staff).order_by(Staff.id)).all()


def get_staff_by_code(code: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(Staff.code == code))
