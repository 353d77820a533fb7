"""After-incident review: findings and sign-offs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lbs.extensions import Base
from lbs.timeutil import utcnow


class Finding(Base):
    """A reviewer's finding on an incident, or on one of its decisions."""

    __tablename__ = "review_findings"
    __table_args__ = (Index("ix_review_findings_incident_created", "incident_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    observation: Mapped[str]
    recommendation: Mapped[str | None]
    # Who should act on it: free text, or an organisation.
    owner_text: Mapped[str | None] = mapped_column(String(200))
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class SignOff(Base):
    """A reviewer's sign-off of an incident's review, with the hash of the pack it signed."""

    __tablename__ = "review_signoffs"
    __table_args__ = (Index("ix_review_signoffs_incident_signed", "incident_id", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None]
    pack_sha256: Mapped[str] = mapped_column(String(64))
    # The hash of the last decision when signed (None when the incident had no decisions).
    chain_head: Mapped[str | None] = mapped_column(String(64))
    # The number of the last decision covered by the sign-off (later ones show as "after sign-off").
    last_decision_number: Mapped[int] = mapped_column(default=0)
    # The exact pack that was signed (its SHA-256 is ``pack_sha256``), so it can be journalled and verified later:
    # the ready review pack it refers to, or (sign-offs made before packs were built by the worker) its bytes.
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("review_packs.id"))
    pack_zip: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # The SHA-256 fingerprint of the Ed25519 key that signed the pack's manifest (None: signed before packs were).
    signing_key_fingerprint: Mapped[str | None] = mapped_column(String(64))


class IntegrityCheck(Base):
    """A stored run of the decision log's chain verifier over an incident (so that a page view of a long
    incident need not re-hash every decision): who asked, when, how far the log reached and the result."""

    __tablename__ = "review_integrity_checks"
    __table_args__ = (Index("ix_review_integrity_checks_incident_checked", "incident_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The incident's last decision number when checked: decisions after it were not covered.
    last_decision_number: Mapped[int]
    checked: Mapped[int]  # decisions the verifier checked
    ok: Mapped[bool]
    first_broken: Mapped[int | None]


class SummaryCache(Base):
    """The review's decision-derived figures of an incident (counts per staff and type, urgent, amendments,
    late recording, consultations required/done/missing per party), computed once per state of its decision
    log. Decisions and their consultations are append-only (consultations are logged with their decision and
    hash-covered), so the state is the incident's ``last_decision_number``: any new decision makes the row
    stale. Only stored when every decision has stored requirements (older rows depend on cost lines)."""

    __tablename__ = "review_summary_cache"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    last_decision_number: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]]
