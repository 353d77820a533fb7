"""Signing a review off: the sign-off refers to a ready review pack of the incident as it stands (built by the
worker, see :mod:`lbs.review.pack_jobs`), and records its SHA-256, the chain head and the key that signed it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.errors import Forbidden, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review import pack_jobs
from lbs.review.models import SignOff
from lbs.review.pack_models import PackStatus, ReviewPack
from lbs.timeutil import utcnow
from lbs.validation import clean_text

NO_PACK = "build the review pack first: a sign-off refers to a ready pack of the incident as it stands (pack)"
STALE_PACK = ("the incident's record changed after this pack was built: build the pack again and sign that one "
              "(pack)")


def signable_pack(incident: Incident, pack_id: int | None = None) -> ReviewPack | None:
    """The ready pack of every bearer's costs of the incident as it stands (``pack_id``: that pack, if it is)."""
    current = db.session.scalar(select(ReviewPack).where(
        ReviewPack.incident_id == incident.id, ReviewPack.state_key == pack_jobs.state_key(incident),
        ReviewPack.scope_key == "", ReviewPack.status == PackStatus.READY))
    if current is None or (pack_id is not None and current.id != pack_id):
        return None
    return current


def sign_off(*, by: User, incident: Incident, comment: str | None = None, pack_id: int | None = None,
             now: datetime | None = None) -> SignOff:
    """Sign the review off: refers to the ready pack of the incident as it stands (``pack_id``: the one the
    reviewer saw, which must still be it), and records its SHA-256, chain head and signing key."""
    if not can(by, Action.REVIEW_WRITE):
        raise Forbidden("only reviewers sign off")
    errors: dict[str, list[str]] = {}
    text = clean_text(comment, "comment", errors)
    pack = signable_pack(incident, pack_id)
    if pack is None:
        errors.setdefault("pack", []).append(STALE_PACK if pack_id is not None else NO_PACK)
    if errors or pack is None or pack.sha256 is None:
        raise ValidationError("the sign-off is not valid", errors)
    record = SignOff(incident_id=incident.id, signed_by_id=by.id, signer_name=by.display_name or by.username,
                     signed_at=now or utcnow(), comment=text, pack_sha256=pack.sha256, chain_head=pack.chain_head,
                     last_decision_number=pack.last_decision_number or 0, pack_id=pack.id,
                     signing_key_fingerprint=pack.signing_key_fingerprint)
    db.session.add(record)
    db.session.flush()
    last = record.last_decision_number
    audit.record(by=by, action="review.sign_off", object_type="incident", object_id=incident.id,
                 summary=f"review of incident {incident.id} signed off (decisions 1–{last})",
                 data={"pack_id": pack.id, "pack_sha256": record.pack_sha256, "chain_head": record.chain_head,
                       "signing_key_fingerprint": record.signing_key_fingerprint})
    return record


def signed_pack(*, incident: Incident, sign_off_id: int) -> ReviewPack | bytes:
    """The exact pack a sign-off signed: the stored pack it refers to, or (signed before packs were built by
    the worker) the bytes kept with it."""
    found = db.session.execute(select(SignOff.pack_id, SignOff.pack_zip).where(
        SignOff.id == sign_off_id, SignOff.incident_id == incident.id)).one_or_none()
    if found is None:
        raise NotFound("sign-off not found")
    pack_id, data = found
    if pack_id is not None:
        pack = db.session.get(ReviewPack, pack_id)
        if pack is not None:
            return pack
    if data is None:
        raise NotFound("sign-off not found")
    return bytes(data)
