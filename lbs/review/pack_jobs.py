"""Review packs asked for in a request and built by the worker (``flask lbs worker``), never in a web request.

:func:`request_pack` finds or queues the pack of an incident as it stands (see :func:`state_key`) for the user's
scope. The worker (:mod:`lbs.ops.worker`) calls :func:`take` for one queued pack (or one whose builder died and
whose lease ran out), then :func:`build`: written by :mod:`lbs.review.pack_stream` into a temporary file, its
bytes stored in 1 MiB chunks, marked ready (or failed, after :data:`MAX_ATTEMPTS`). Every step is a short
transaction of its own; the progress is written as the build goes, so that the review page can show it.

On PostgreSQL the due pack is picked with ``FOR UPDATE SKIP LOCKED`` (several workers never take the same one);
on SQLite the write lock serialises the take.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lbs import chunks
from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.consultation.hearings import ConsultationRequest
from lbs.database import write_intent
from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.errors import Conflict, NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident, IncidentEvent
from lbs.review import integrity, signing
from lbs.review.access import get_incident_for
from lbs.review.models import Finding
from lbs.review.pack_models import PackStatus, ReviewPack, ReviewPackChunk
from lbs.review.pack_stream import write_pack
from lbs.staffs.models import RosterCorrection
from lbs.timeutil import utcnow

CHUNK = 1 << 20
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 3


def state_key(incident: Incident) -> str:
    """A digest of the stored markers of everything a pack shows: the decision chain's head, the appended
    consultations' and attachments' chains, the costs' version, the incident's own fields and history, the
    findings, hearing requests and answers, and the roster's corrections (the rosters as known when each decision
    was logged never change). Asking again while none of them changed gives the same pack. A sign-off is not among
    them: it signs the pack as it stands, which stays the incident's pack afterwards."""
    def newest(model: Any, *where: ColumnElement[bool]) -> list[object]:
        return list(db.session.execute(select(func.count(model.id), func.max(model.id)).where(*where)).one())

    markers: list[object] = [
        incident.last_decision_number, integrity.chain_head(incident.id), incident.appended_consultations,
        incident.consultation_head, incident.attachment_count, incident.attachment_head, incident.costs_version,
        incident.status.value, incident.ended_at, incident.title,
        *newest(Finding, Finding.incident_id == incident.id),
        *newest(IncidentEvent, IncidentEvent.incident_id == incident.id),
        *newest(RosterCorrection),  # a roster change reaching back over logged decisions (the rosters as known stay)
    ]
    markers += list(db.session.execute(
        select(func.count(ConsultationRequest.id), func.max(ConsultationRequest.id),
               func.max(ConsultationRequest.answered_at), func.max(ConsultationRequest.withdrawn_at))
        .where(ConsultationRequest.incident_id == incident.id)).one())
    return hashlib.sha256(repr(markers).encode("utf-8")).hexdigest()


def _scope_key(scope: ReadScope) -> str:
    return scope.municipality_code or ""


def request_pack(*, by: User, incident_id: int, now: datetime | None = None) -> ReviewPack:
    """The pack of the incident as it stands, for ``by``'s scope: the one already asked for, or a new one queued
    (a failed one is queued again). Any user who may read the incident's review may ask."""
    incident = get_incident_for(by, incident_id)
    scope = ReadScope.of(by)
    key, scope_key = state_key(incident), _scope_key(scope)
    found = _find(incident.id, key, scope_key)
    if found is None:
        found = ReviewPack(incident_id=incident.id, chain_head=integrity.chain_head(incident.id), state_key=key,
                           scope_key=scope_key, status=PackStatus.QUEUED, progress=0, attempts=0,
                           requested_by_id=by.id, created_at=now or utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(found)
        except IntegrityError:  # asked for at the same moment elsewhere: that one
            found = _find(incident.id, key, scope_key)
            if found is None:
                raise
        else:
            audit.record(by=by, action="review.pack.request", object_type="incident", object_id=incident.id,
                         summary=f"review pack {found.id} of incident {incident.id} queued",
                         data={"pack_id": found.id, "chain_head": found.chain_head, "scope": scope_key or None})
    elif found.status is PackStatus.FAILED:
        found.status, found.progress, found.attempts, found.error = PackStatus.QUEUED, 0, 0, None
    db.session.flush()
    return found


def _find(incident_id: int, key: str, scope_key: str) -> ReviewPack | None:
    return db.session.scalar(select(ReviewPack).where(
        ReviewPack.incident_id == incident_id, ReviewPack.state_key == key, ReviewPack.scope_key == scope_key))


def get_pack(*, by: User, pack_id: int) -> ReviewPack:
    """A pack ``by`` may read: of an incident they may read, and of their scope (a municipality user's packs
    show their own costs; police, admin and reviewers may read every pack)."""
    pack = db.session.get(ReviewPack, pack_id)
    if pack is None:
        raise NotFound("review pack not found")
    get_incident_for(by, pack.incident_id)
    own = _scope_key(ReadScope.of(by))
    if own and pack.scope_key != own:
        raise NotFound("review pack not found")
    return pack


def current_pack(*, by: User, incident: Incident) -> ReviewPack | None:
    """The pack of the incident as it stands for ``by``'s scope, if one was asked for."""
    return _find(incident.id, state_key(incident), _scope_key(ReadScope.of(by)))


def ready(pack: ReviewPack) -> ReviewPack:
    """The pack, if it is ready; 409 before."""
    if pack.status is not PackStatus.READY:
        raise Conflict(f"the review pack is {pack.status.value}, not ready")
    return pack


def _chunk_at(pack_id: int, index: int) -> bytes | None:
    return db.session.scalar(select(ReviewPackChunk.data).where(ReviewPackChunk.pack_id == pack_id,
                                                                ReviewPackChunk.index == index))


def iter_chunks(pack_id: int) -> Iterator[bytes]:
    """The stored pack's bytes, chunk by chunk."""
    return chunks.iter_chunks(partial(_chunk_at, pack_id))


def stream_chunks(pack_id: int) -> Iterator[bytes]:
    """:func:`iter_chunks` for a response body, each chunk read in a short app context of its own."""
    return chunks.stream_chunks(partial(_chunk_at, pack_id))


class StoredZip(io.RawIOBase):
    """A stored pack as a seekable file, read a chunk at a time (to take one member out of it)."""

    def __init__(self, pack: ReviewPack) -> None:
        self._id, self._size, self._at = pack.id, pack.size or 0, 0
        self._chunk: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = max(0, base + offset)
        return self._at

    def readinto(self, buffer: Any) -> int:
        index, start = divmod(self._at, CHUNK)
        if self._chunk is None or self._chunk[0] != index:
            self._chunk = (index, _chunk_at(self._id, index) or b"")
        data = self._chunk[1][start:start + len(buffer)]
        buffer[:len(data)] = data
        self._at += len(data)
        return len(data)


def member_bytes(pack: ReviewPack, name: str) -> bytes:
    """One file of a ready pack (its PDF, say), read out of the stored ZIP."""
    with zipfile.ZipFile(io.BufferedReader(StoredZip(ready(pack)), CHUNK)) as archive:
        return archive.read(name)


def pack_json(pack: ReviewPack) -> dict[str, object]:
    return {"id": pack.id, "incident_id": pack.incident_id, "status": pack.status.value, "progress": pack.progress,
            "sha256": pack.sha256, "chain_head": pack.chain_head, "created_at": pack.created_at.isoformat(),
            "size": pack.size, "decisions": pack.decisions, "costs_of_municipality": pack.scope_key or None}


# --- the worker's side -------------------------------------------------------------------------------


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(ReviewPack.status == PackStatus.QUEUED,
               (ReviewPack.status == PackStatus.BUILDING) & (ReviewPack.lease_until < now))


def anything_due(now: datetime | None = None) -> bool:
    """Whether a pack waits to be built (a plain read: an idle worker asks without taking the write lock)."""
    return db.session.scalar(select(ReviewPack.id).where(_due(now or utcnow())).limit(1)) is not None


def take(now: datetime | None = None) -> int | None:
    """Take the oldest due pack for this worker (committed): its id."""
    at = now or utcnow()
    query = select(ReviewPack.id).where(_due(at)).order_by(ReviewPack.created_at, ReviewPack.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    pack_id = db.session.scalar(query)
    if pack_id is not None:
        db.session.execute(update(ReviewPack).where(ReviewPack.id == pack_id).values(
            status=PackStatus.BUILDING, lease_until=at + LEASE, started_at=at, progress=0,
            attempts=ReviewPack.attempts + 1))
    db.session.commit()
    return pack_id


def _set(pack_id: int, **values: object) -> None:
    db.session.execute(update(ReviewPack).where(ReviewPack.id == pack_id).values(**values))
    db.session.commit()


def build(pack_id: int, *, now: datetime | None = None) -> ReviewPack:
    """Build a taken pack: written to a temporary file, then stored in chunks, one short transaction each; ready
    with its SHA-256 and size, or failed (queued again until :data:`MAX_ATTEMPTS`)."""
    _one_snapshot()
    pack = db.session.get(ReviewPack, pack_id)
    if pack is None:
        raise NotFound("review pack not found")
    incident = db.session.get(Incident, pack.incident_id)
    assert incident is not None
    scope = ReadScope.of_municipality(pack.scope_key) if pack.scope_key else EVERYTHING
    attempts = pack.attempts
    try:
        with tempfile.TemporaryFile(prefix="lbs-pack-") as out:
            written = write_pack(incident, out, generated_at=now or utcnow(), scope=scope,
                                 progress=lambda share: _progress(pack_id, share))
            db.session.rollback()  # end the build's read
            _store(pack_id, out)
    except Exception as exc:  # a failed build is recorded, never left "building"
        db.session.rollback()
        failed = attempts >= MAX_ATTEMPTS
        _set(pack_id, status=PackStatus.FAILED if failed else PackStatus.QUEUED, lease_until=None,
             error=f"{type(exc).__name__}: {exc}"[:2000], progress=0)
        if failed:
            audit.record(by=None, action="review.pack.failed", object_type="incident", object_id=pack.incident_id,
                         summary=f"review pack {pack_id} of incident {pack.incident_id} failed",
                         data={"pack_id": pack_id, "error": f"{type(exc).__name__}"})
            db.session.commit()
        raise
    _set(pack_id, status=PackStatus.READY, progress=100, sha256=written.sha256, size=written.size,
         decisions=written.decisions, last_decision_number=written.last_decision_number, lease_until=None,
         chain_head=written.chain_head, signing_key_fingerprint=signing.instance_public_key().fingerprint,
         finished_at=utcnow(), error=None)
    done = db.session.get(ReviewPack, pack_id)
    assert done is not None
    return done


def _one_snapshot() -> None:
    """Read the whole build from one snapshot: SQLite's read transaction is one; PostgreSQL's default (read
    committed) sees each statement's own, so the build's transaction is repeatable read there."""
    db.session.rollback()
    if isinstance(db.engines[None], Engine) and db.engines[None].dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _progress(pack_id: int, share: int) -> None:
    """Written on a connection of its own, so that the build reads one snapshot throughout."""
    statement = update(ReviewPack).where(ReviewPack.id == pack_id, ReviewPack.progress < share).values(progress=share)
    bind = db.engines[None]
    if not isinstance(bind, Engine):  # a test's connection, inside its transaction
        bind.execute(statement)
        return
    with bind.connect() as connection, write_intent(), connection.begin():
        connection.execute(statement)


def _store(pack_id: int, source: IO[bytes]) -> None:
    source.seek(0)
    db.session.execute(delete(ReviewPackChunk).where(ReviewPackChunk.pack_id == pack_id))
    db.session.commit()
    index = 0
    while chunk := source.read(CHUNK):
        stored = ReviewPackChunk(pack_id=pack_id, index=index, data=chunk)
        db.session.add(stored)
        db.session.commit()
        db.session.expunge(stored)  # one chunk in memory at a time
        index += 1

