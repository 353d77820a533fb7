"""The roster behind a party: who holds a party's seat at a moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lbs.consultation.models import Party
from lbs.extensions import db
from lbs.staffs.models import Assignment, Person
from lbs.staffs.services import held_at


@dataclass(frozen=True)
class SeatHolders:
    primary: Person | None
    deputies: list[Person]


def seat_holders(*, party_keys: Sequence[str], at: datetime) -> dict[str, SeatHolders]:
    """Who holds each party's seat at ``at`` (primary holder and deputies in rank order)."""
    parties = db.session.scalars(select(Party).where(Party.key.in_(list(party_keys)))).all()
    positions = {p.key: p.position_id for p in parties if p.position_id}
    result: dict[str, SeatHolders] = {}
    if not positions:
        return result
    rows = db.session.execute(
        select(Assignment.position_id, Assignment.rank, Person)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.position_id.in_(set(positions.values())), held_at(at))
        .order_by(Assignment.position_id, Assignment.rank)
    ).all()
    by_position: dict[int, list[tuple[int, Person]]] = {}
    for position_id, rank, person in rows:
        by_position.setdefault(position_id, []).append((rank, person))
    for key, position_id in positions.items():
        holders = by_position.get(position_id, [])
        primary = next((p for rank, p in holders if rank == 0), None)
        result[key] = SeatHolders(primary=primary, deputies=[p for rank, p in holders if rank > 0])
    return result
