"""The demo district keeps the one-rank rule: nobody holds two ranks of one seat at the same time."""

from __future__ import annotations

from sqlalchemy import select

from lbs.extensions import db
from lbs.staffs import roster
from lbs.staffs.models import Assignment


def test_demo_has_no_person_with_two_ranks_of_a_seat(app):
    rows = list(db.session.scalars(select(Assignment)))
    assert len(rows) > 50
    clashes = [(a.id, other.id) for a in rows
               if (other := roster.find_other_rank(rows, position_id=a.position_id, person_id=a.person_id,
                                                   rank=a.rank, valid_from=a.valid_from, valid_to=a.valid_to,
                                                   ignore_id=a.id)) is not None]
    assert clashes == []
