"""Signing a review off: the review pack is built and kept with the sign-off, with its SHA-256 and the chain
head it signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.errors import Forbidden, NotFound, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review import pack, signing
from lbs.review.integrity import store_check
from lbs.review.models import SignOff
from lbs.review.whole import incident_review
from lbs.timeutil import utcnow
from lbs.validation import clean_text


def sign_off(*, by: User, incident: Incident, comment: str | None = None, now: datetime | None = None) -> SignOff:
    """Sign the review off: builds the review pack, records its SHA-256 and the chain head with the sign-off."""
    if not can(by, Action.REVIEW_WRITE):
        raise Forbidden("only reviewers sign off")
    errors: dict[str, list[str]] = {}
    text = clean_text(comment, "comment", errors)
    if errors:
        raise ValidationError("the sign-off is not valid", errors)
    at = now or utcnow()
    review = incident_review(incident, now=at)
    data = pack.build_pack(review, generated_at=at)
    last = review.decisions[-1].decision.number if review.decisions else 0
    record = SignOff(incident_id=incident.id, signed_by_id=by.id, signer_name=by.display_name or by.username,
                     signed_at=at, comment=text, pack_sha256=pack.sha256(data), chain_head=review.chain_head,
                     last_decision_number=last, pack_zip=data,
                     signing_key_fingerprint=signing.instance_public_key().fingerprint)
    db.session.add(record)
    if review.integrity.available:  # the sign-off verified the whole chain: the review page shows that check
        store_check(incident, review.integrity, at=at, by=by)
    db.session.flush()
    audit.record(by=by, action="review.sign_off", object_type="incident", object_id=incident.id,
                 summary=f"review of incident {incident.id} signed off (decisions 1–{last})",
                 data={"pack_sha256": record.pack_sha256, "chain_head": record.chain_head,
                       "signing_key_fingerprint": record.signing_key_fingerprint})
    return record


def signed_pack(*, incident: Incident, sign_off_id: int) -> bytes:
    """The exact pack a sign-off signed."""
    data = db.session.scalar(select(SignOff.pack_zip).where(SignOff.id == sign_off_id,
                                                            SignOff.incident_id == incident.id))
    if data is None:
        raise NotFound("sign-off not found")
    return data
