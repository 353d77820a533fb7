"""Sign-in attempts: what the sign-in limit counts (by default) and the audit of failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lbs.extensions import Base
from lbs.timeutil import utcnow

USERNAME_LENGTH = 200
# An IPv6 address with a zone is at most 45 + a few characters; longer text (a proxy's oddity) is cut.
ADDRESS_LENGTH = 64


def normalise_username(username: str) -> str:
    """The name as counted: ``Politi `` and ``politi`` are one name (and one limit)."""
    return username.strip().lower()[:USERNAME_LENGTH]


def normalise_address(address: str | None) -> str:
    return (address or "unknown")[:ADDRESS_LENGTH]


class LoginAttempt(Base):
    """One sign-in attempt of a user name from a client address, successful or not (kept for the audit)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    address: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    # Also indexed alone: pruning deletes by age over every name.
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool]
