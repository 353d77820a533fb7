"""The review pack: a ZIP with the decision log (JSON, CSV), costs, consultations, roster snapshots,
findings, the PDF report, the attachments and a manifest of SHA-256 hashes plus the chain head, signed by the
instance's key.

The application builds packs in the worker (:mod:`lbs.review.pack_jobs`), written with bounded memory by
:mod:`lbs.review.pack_stream`; :func:`build_pack` gives one pack's bytes in memory (tests and tools).
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path

from lbs.review import signing, verify
from lbs.review.pack_files import PACK_FILES, findings_csv, write_signed_manifest
from lbs.review.pack_pdf import DETAIL_LIMIT as PDF_DETAIL_LIMIT
from lbs.review.pack_pdf import pdf_details, render_pdf
from lbs.review.pack_stream import write_pack
from lbs.review.whole import IncidentReview
from lbs.timeutil import utcnow

MANIFEST = verify.MANIFEST
SIGNATURE = verify.SIGNATURE
__all__ = ["PACK_FILES", "PDF_DETAIL_LIMIT", "build_pack", "findings_csv", "pdf_details", "render_pdf", "sha256",
           "verify_pack", "write_signed_manifest"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_pack(review: IncidentReview, *, generated_at: datetime | None = None) -> bytes:
    """The pack of the review's incident, for the review's scope, as bytes."""
    out = io.BytesIO()
    write_pack(review.incident, out, generated_at=generated_at or utcnow(), scope=review.scope)
    return out.getvalue()


def verify_pack(data: bytes | str | Path, key: signing.PublicKey | None = None) -> verify.PackCheck:
    """The strict check of :mod:`lbs.review.verify`, against ``key`` (default: this instance's key)."""
    return verify.verify_pack(data, key or signing.instance_public_key())
