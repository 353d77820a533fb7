"""The chain of an incident's attachments (pure: no database but what the caller reads).

Each attachment is numbered per incident (``seq`` 1, 2, …) and its hash is SHA-256 over the canonical JSON
(:func:`lbs.decisions.chain.canonical_json`) of :data:`ATTACHMENT_FIELDS`: the decision it belongs to (id,
number, hash), its number, name, type, size and the SHA-256 of its bytes, its description, when and by whom it
was uploaded, and the previous attachment's hash. The incident keeps the count and the newest hash
(``incidents.attachment_count``, ``incidents.attachment_head``), so that deleting the newest row is found as well
as an edit or a deletion in the middle; the bytes are hashed again and compared with the row's SHA-256, so a
changed or deleted chunk is found too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lbs.decisions.chain import canonical_json

ATTACHMENT_FIELDS = ("decision_id", "decision_number", "decision_hash", "seq", "filename", "content_type", "size",
                     "sha256", "description", "uploaded_at", "uploaded_by", "prev_hash")


def attachment_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an attachment's :data:`ATTACHMENT_FIELDS`."""
    content = {name: fields.get(name) for name in ATTACHMENT_FIELDS}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment as stored: its chained ``fields`` (the decision's number and hash as the decision row has
    them now, None when the incident has no such decision), its stored ``hash``, and ``content`` — the size and
    SHA-256 of the bytes as stored now."""

    fields: Mapping[str, Any]
    hash: str | None
    content: tuple[int, str]

    @property
    def name(self) -> str:
        return str(self.fields.get("filename"))


@dataclass(frozen=True)
class BrokenAttachment:
    """Where the chain breaks: the decision's number (None when unknown) and the file's name (None when the
    newest rows were deleted and their names went with them)."""

    decision_number: int | None
    filename: str | None


def verify_attachments(rows: Sequence[StoredAttachment], *, count: int, head: str | None) -> BrokenAttachment | None:
    """The first broken attachment, or None when every attachment is intact and the chain reaches the
    incident's count and head."""
    previous: str | None = None
    for index, row in enumerate(rows, start=1):
        fields = row.fields
        number = fields.get("decision_number")
        sound = (fields.get("seq") == index and fields.get("prev_hash") == previous and number is not None
                 and attachment_hash(fields) == row.hash
                 and row.content == (fields.get("size"), fields.get("sha256")))
        if not sound:
            return BrokenAttachment(int(number) if number is not None else None, row.name)
        previous = row.hash
    if len(rows) != count or previous != head:
        last = rows[-1] if rows else None
        number = last.fields.get("decision_number") if last else None
        return BrokenAttachment(int(number) if number is not None else None, None)
    return None
