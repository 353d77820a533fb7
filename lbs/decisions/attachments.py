"""Attaching a file to a decision, and reading attachments back (see :mod:`lbs.decisions.attachment_models`).

An upload arrives spooled to disk by Werkzeug's form parser; :func:`attach` reads it 1 MiB at a time: once to
hash it and learn its size, once to store its chunks. The type is judged by the bytes
(:mod:`lbs.decisions.sniff`). Only the current version of a decision takes an attachment (409 naming the
current version). The incident's row is locked while its next sequence number is taken, as for appended
consultations, so the chain has no gap and no repeat under concurrent writers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.sql.dml import ReturningUpdate

from lbs import chunks
from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.decisions import sniff
from lbs.decisions.attachment_chain import attachment_hash
from lbs.decisions.attachment_models import Attachment, AttachmentChunk
from lbs.decisions.draft import check_encodable
from lbs.decisions.models import Decision
from lbs.decisions.reads import current_version
from lbs.errors import Conflict, DomainError, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.timeutil import utcnow
from lbs.validation import Fields

CHUNK = 1 << 20
MAX_BYTES = 25 * 1024 * 1024


class TooLarge(DomainError):
    status = 413


class UnsupportedType(DomainError):
    status = 415


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as given and a seekable binary handle on its bytes."""

    filename: str
    stream: IO[bytes]


def _check_text(filename: str, description: str | None) -> tuple[str, str | None]:
    """The name (at most 200 characters, no NUL or control character) and the description (free text)."""
    data = {"file": filename.strip(), "description": description}
    check_encodable(data)
    f = Fields(data)
    name = f.name("file")
    text = f.text("description", required=False)
    f.check("invalid attachment")
    assert name is not None
    return name, (text or "").strip() or None


def _measure(stream: IO[bytes]) -> tuple[int, str]:
    """Size and SHA-256 of the bytes, read in chunks (413 past the limit)."""
    stream.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > MAX_BYTES:
            raise TooLarge(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        digest.update(chunk)
    return size, digest.hexdigest()


def _take_seq() -> ReturningUpdate[Any]:
    table = cast(Table, Incident.__table__)
    return (update(table).where(table.c.id == bindparam("incident_id"))
            .values(attachment_count=table.c.attachment_count + 1)
            .returning(table.c.attachment_count, table.c.attachment_head))


def attach(*, decision: Decision, upload: Upload, description: str | None, by: User | None) -> Attachment:
    """Store the upload as an attachment of the decision; nothing is written on any error.

    422 for a name or description that cannot be stored or an empty file, 415 for bytes of a type not allowed or
    not the type the name claims, 413 past 25 MB, 409 when the decision has been amended."""
    name, text = _check_text(upload.filename, description)
    size, sha256 = _measure(upload.stream)
    if size == 0:
        raise ValidationError("invalid attachment", {"file": ["the file is empty"]})
    try:
        content_type = sniff.detect(upload.stream, name)
    except sniff.Unrecognised as exc:
        raise UnsupportedType(str(exc), {"file": [str(exc)]}) from exc
    row = db.session.execute(_take_seq(), {"incident_id": decision.incident_id}).one()
    current = current_version(decision)
    if current.id != decision.id:
        raise Conflict(f"decision {decision.number} has been amended: the current version is decision "
                       f"{current.number}; attach the file to that one")
    now = utcnow()
    attachment = Attachment(
        incident_id=decision.incident_id, decision_id=decision.id, seq=int(row[0]), filename=name,
        content_type=content_type, size=size, sha256=sha256, description=text, uploaded_at=now,
        uploaded_by_id=by.id if by else None, prev_hash=row[1])
    attachment.hash = attachment_hash(record_fields(attachment, decision))
    db.session.add(attachment)
    db.session.flush()
    _store_chunks(attachment.id, upload.stream)
    table = cast(Table, Incident.__table__)
    db.session.execute(update(table).where(table.c.id == decision.incident_id).values(attachment_head=attachment.hash))
    audit.record(by=by, action="attachment.add", object_type="decision", object_id=decision.id,
                 summary=f"attached {name} ({content_type}, {size} bytes, sha256 {sha256}) to decision "
                 f"{decision.number}")
    return attachment


def _store_chunks(attachment_id: int, stream: IO[bytes]) -> None:
    stream.seek(0)
    statement = insert(AttachmentChunk)
    index = 0
    while chunk := stream.read(CHUNK):
        db.session.execute(statement, {"attachment_id": attachment_id, "index": index, "data": chunk})
        index += 1


def record_fields(attachment: Attachment, decision: Decision) -> dict[str, Any]:
    """The chained fields of an attachment (see :mod:`lbs.decisions.attachment_chain`)."""
    return {
        "decision_id": decision.id, "decision_number": decision.number, "decision_hash": decision.hash,
        "seq": attachment.seq, "filename": attachment.filename, "content_type": attachment.content_type,
        "size": attachment.size, "sha256": attachment.sha256, "description": attachment.description,
        "uploaded_at": attachment.uploaded_at, "uploaded_by": attachment.uploaded_by_id,
        "prev_hash": attachment.prev_hash,
    }


# ---------------------------------------------------------------- reads


def get_attachment(attachment_id: int) -> Attachment:
    found = db.session.get(Attachment, attachment_id)
    if found is None:
        raise NotFound("no such attachment")
    return found


def attachments_of(decision_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The attachments of the decisions, oldest first, by decision id."""
    result: dict[int, list[Attachment]] = {i: [] for i in decision_ids}
    if decision_ids:
        query = select(Attachment).where(Attachment.decision_id.in_(list(decision_ids))).order_by(Attachment.seq)
        for attachment in db.session.scalars(query):
            result[attachment.decision_id].append(attachment)
    return result


def incident_attachments(incident_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.incident_id == incident_id)
                                   .order_by(Attachment.seq)))


def chunk_at(attachment_id: int, index: int) -> bytes | None:
    data = db.session.scalar(select(AttachmentChunk.data).where(AttachmentChunk.attachment_id == attachment_id,
                                                                AttachmentChunk.index == index))
    return bytes(data) if data is not None else None


def iter_bytes(attachment_id: int) -> Iterator[bytes]:
    """The stored bytes, chunk by chunk (one statement and one chunk in memory at a time)."""
    return chunks.iter_chunks(partial(chunk_at, attachment_id))


def stream_bytes(attachment_id: int) -> Iterator[bytes]:
    """:func:`iter_bytes` for a response body, each chunk read in a short app context of its own."""
    return chunks.stream_chunks(partial(chunk_at, attachment_id))


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id, "decision_id": attachment.decision_id, "filename": attachment.filename,
        "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
        "description": attachment.description, "uploaded_at": attachment.uploaded_at.isoformat(),
        "uploaded_by": attachment.uploaded_by_id,
    }
