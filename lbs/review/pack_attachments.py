"""The attachments in the review pack: each file's bytes under ``attachments/<decision number>/<seq>-<name>``,
streamed into the ZIP a chunk at a time (so a pack of many 25 MB files never holds one whole in memory) and
hashed as they go for the manifest; and ``attachments.csv`` listing them with what was recorded at upload."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lbs.decisions.attachments import iter_bytes
from lbs.review.rows import AttachmentRow, DecisionReview

CSV_NAME = "attachments.csv"
CSV_HEADER = ["decision_number", "seq", "filename", "content_type", "size", "sha256", "description",
              "uploaded_by", "uploaded_at", "path"]
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def safe_name(filename: str) -> str:
    """A file name for inside the ZIP: no path separators, control characters, ``..`` or leading dots (the
    name as given stays in ``attachments.csv`` and ``decisions.json``); æøå and spaces are kept."""
    name = "".join(c for c in filename if unicodedata.category(c)[0] != "C")
    name = _UNSAFE.sub("_", name)
    while ".." in name:
        name = name.replace("..", ".")
    name = name.strip(" .")[:120].strip(" .")
    return name or "bilag"


def member_path(number: int, attachment: AttachmentRow) -> str:
    """Unique within the pack: the sequence number is unique within the incident."""
    return f"attachments/{number}/{attachment.seq}-{safe_name(attachment.filename)}"


def decision_attachments_json(r: DecisionReview) -> list[dict[str, Any]]:
    return [{**a.as_json(r.decision.number), "path": member_path(r.decision.number, a)} for a in r.attachments]


def csv_rows(decisions: Iterable[DecisionReview]) -> Iterable[list[Any]]:
    for r in decisions:
        for a in r.attachments:
            yield [r.decision.number, a.seq, a.filename, a.content_type, a.size, a.sha256, a.description,
                   a.uploaded_by, a.uploaded_at.isoformat(), member_path(r.decision.number, a)]


@dataclass(frozen=True)
class Written:
    name: str
    sha256: str
    size: int


def write_attachments(archive: zipfile.ZipFile, decisions: Iterable[DecisionReview],
                      date_time: tuple[int, int, int, int, int, int]) -> list[Written]:
    """Stream every attachment of ``decisions`` into the archive (see :func:`write_numbered`)."""
    return write_numbered(archive, [(r.decision.number, a) for r in decisions for a in r.attachments], date_time)


def write_numbered(archive: zipfile.ZipFile, attachments: Iterable[tuple[int, AttachmentRow]],
                   date_time: tuple[int, int, int, int, int, int]) -> list[Written]:
    """Stream each (decision number, attachment)'s stored bytes into the archive chunk by chunk; the SHA-256 and
    size of what was written (for the manifest: a file changed in the database since upload shows in the
    incident's chain check, a file changed in the ZIP afterwards in ``verify-pack``)."""
    written: list[Written] = []
    for number, a in attachments:
        info = zipfile.ZipInfo(member_path(number, a), date_time=date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        digest, size = hashlib.sha256(), 0
        with archive.open(info, "w") as member:
            for chunk in iter_bytes(a.id):
                member.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        written.append(Written(info.filename, digest.hexdigest(), size))
    return written
