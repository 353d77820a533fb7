"""Building a review pack as the worker does, for tests: ask for it as a user, then one worker round."""

from __future__ import annotations

from sqlalchemy import select

from lbs.auth.models import User
from lbs.extensions import db
from lbs.review import pack_jobs
from lbs.review.pack_models import PackStatus, ReviewPack


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def built_pack(incident_id: int, username: str = "revisor") -> ReviewPack:
    """The incident's pack as it stands for ``username``'s scope, built by one worker round."""
    pack = pack_jobs.request_pack(by=user(username), incident_id=incident_id)
    db.session.commit()
    if pack.status is not PackStatus.READY:
        taken = pack_jobs.take()
        assert taken == pack.id
        pack = pack_jobs.build(taken)
    assert pack.status is PackStatus.READY, pack.error
    return pack


def pack_bytes(pack: ReviewPack) -> bytes:
    return b"".join(pack_jobs.iter_chunks(pack.id))
