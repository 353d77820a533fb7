"""The sign-in limit: failed attempts per user name and client address together, across every worker and host.

``LBS_LOGIN_LIMIT`` (``10 per minute;100 per hour``, the notation of the ``limits`` package) is counted for the
pair (user name, address), never for the address alone, so that a burst of failures for other names from one
address (a police station behind one address) never locks a user out. Only failures count, and only those since
the pair's last successful sign-in: a user who finally gets it right is not locked later by the earlier slips.
A pair that reached a limit is refused, whatever the password, until the oldest counted failure leaves the
window; the refused attempts themselves are not counted (an attacker cannot keep a user locked out for ever by
trying on).

Where the failures are counted:

* in the database (the default): the table ``login_attempts``, which is also the audit of sign-ins. On
  PostgreSQL a transaction-scoped advisory lock of the pair makes check and record one step, and on SQLite the
  sign-in's write transaction (``BEGIN IMMEDIATE``) does, so parallel requests cannot slip past the limit;
* in ``LBS_RATELIMIT_STORAGE_URI`` when it names a shared store (``redis://…``), as a moving window of the
  ``limits`` package: an attempt takes its place in the window (atomically, in the store) before the password is
  tried, and a success clears the pair. Every attempt is still written to ``login_attempts`` for the audit, and
  when the store cannot be reached the database counts instead.

Rows older than :data:`KEEP` (and the longest window) are pruned every :data:`PRUNE_EVERY` attempts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, select

from lbs.auth.attempts import LoginAttempt, normalise_address, normalise_username
from lbs.extensions import db
from lbs.timeutil import utcnow

log = logging.getLogger(__name__)

# Failed (and successful) sign-ins are kept this long for the audit, or the longest window if that is longer.
KEEP = timedelta(days=30)
PRUNE_EVERY = 50
_KEY = "lbs-signin"


def windows(items: Sequence[RateLimitItem]) -> list[tuple[int, timedelta]]:
    """``(amount, window)`` of each limit: ``10 per minute`` → ``(10, 60 s)``."""
    return [(item.amount, timedelta(seconds=item.get_expiry())) for item in items]


def retry_at(limits: Sequence[tuple[int, timedelta]], failures: Sequence[datetime], now: datetime) -> datetime | None:
    """When the pair may try again, given its counted failures (newest first), or None if it may now.

    A limit of *n* per window holds while *n* failures lie inside the window; it lifts when the *n*-th newest
    leaves it."""
    until: datetime | None = None
    for amount, window in limits:
        inside = [at for at in failures if at > now - window]
        if amount > 0 and len(inside) >= amount:
            lifted = inside[amount - 1] + window
            until = lifted if until is None else max(until, lifted)
    return until


class Counter(Protocol):
    def admit(self, username: str, address: str, now: datetime) -> datetime | None:
        """None: the attempt may go ahead (and counts as a failure unless :meth:`counted` says it succeeded);
        otherwise when the pair may try again. Admitting is atomic across workers: parallel attempts of one
        pair cannot all slip past the last free place."""

    def counted(self, username: str, address: str, *, succeeded: bool) -> None: ...


@dataclass
class DatabaseCounter:
    """Counts the failures in ``login_attempts`` (the rows :class:`SignInLimit` writes anyway)."""

    limits: list[tuple[int, timedelta]]

    def admit(self, username: str, address: str, now: datetime) -> datetime | None:
        _serialise(username, address)
        start = now - max(window for _amount, window in self.limits)
        pair = (LoginAttempt.username == username, LoginAttempt.address == address)
        last_success = db.session.scalar(
            select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded.is_(True), LoginAttempt.at > start))
        since = max(start, last_success) if last_success is not None else start
        failures = db.session.scalars(
            select(LoginAttempt.at).where(*pair, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc()).limit(max(amount for amount, _window in self.limits))).all()
        return retry_at(self.limits, failures, now)

    def counted(self, username: str, address: str, *, succeeded: bool) -> None:
        """The row written by :meth:`SignInLimit.record` is the count."""


def _serialise(username: str, address: str) -> None:
    """On PostgreSQL, one sign-in of a pair at a time until its transaction ends (check and record as one)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the sign-in's write transaction (BEGIN IMMEDIATE) serialises already
    digest = hashlib.sha256(f"{_KEY}\0{address}\0{username}".encode()).digest()
    db.session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True))))


@dataclass
class StorageCounter:
    """Counts the failures as a moving window in a shared ``limits`` store (Redis); the database if it is down."""

    items: list[RateLimitItem]
    storage: Storage
    fallback: DatabaseCounter
    limiter: MovingWindowRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(self.storage)

    def admit(self, username: str, address: str, now: datetime) -> datetime | None:
        """Take a place in every window (the store's atomic step) unless one is full already; a failure then needs
        no further count, and a success clears the pair."""
        key = _identifiers(username, address)
        try:
            if all(self.limiter.test(item, *key) for item in self.items) and all(
                    self.limiter.hit(item, *key) for item in self.items):
                return None
            until: datetime | None = None
            for item in self.items:
                if not self.limiter.test(item, *key):
                    lifted = datetime.fromtimestamp(self.limiter.get_window_stats(item, *key).reset_time, UTC)
                    until = lifted if until is None else max(until, lifted)
            return until or now + timedelta(seconds=1)  # a place taken by a parallel attempt just now
        except Exception:  # the store is down: count in the database rather than refuse every sign-in
            log.exception("sign-in limit store unreachable; counting in the database")
            return self.fallback.admit(username, address, now)

    def counted(self, username: str, address: str, *, succeeded: bool) -> None:
        if not succeeded:
            return  # counted when admitted
        try:
            for item in self.items:
                self.limiter.clear(item, *_identifiers(username, address))
        except Exception:
            log.exception("sign-in limit store unreachable; a success did not clear the pair's count")


def _identifiers(username: str, address: str) -> tuple[str, str, str]:
    # The address (never a "/") before the name, so that the joined key cannot be read two ways.
    return (_KEY, address, username)


@dataclass
class SignInLimit:
    """The sign-in view's one interface: :meth:`check` before the password is tried, :meth:`record` after."""

    counter: Counter
    enabled: bool = True
    keep: timedelta = KEEP
    clock: Callable[[], datetime] = utcnow

    def check(self, username: str, address: str | None) -> datetime | None:
        """When the pair may try again (aware UTC), or None if it may try now (then :meth:`record` the outcome)."""
        if not self.enabled:
            return None
        return self.counter.admit(normalise_username(username), normalise_address(address), self.clock())

    def record(self, username: str, address: str | None, *, succeeded: bool) -> None:
        """Write the attempt (the audit) and count it; the caller commits."""
        name, where = normalise_username(username), normalise_address(address)
        attempt = LoginAttempt(username=name, address=where, at=self.clock(), succeeded=succeeded)
        db.session.add(attempt)
        db.session.flush()
        if self.enabled:
            self.counter.counted(name, where, succeeded=succeeded)
        if attempt.id % PRUNE_EVERY == 0:
            self.prune()

    def prune(self) -> int:
        """Delete the attempts older than what is kept (an indexed range on ``at``); returns how many."""
        result: Any = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < self.clock() - self.keep))
        return int(result.rowcount or 0)


def build(config: dict[str, Any] | Any) -> SignInLimit:
    items = parse_many(str(config["LBS_LOGIN_LIMIT"]))
    limits = windows(items)
    database = DatabaseCounter(limits)
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    counter: Counter = database
    if not uri.startswith("memory://"):
        storage = storage_from_string(uri)
        if not isinstance(storage, Storage):
            raise ValueError(f"LBS_RATELIMIT_STORAGE_URI: not a synchronous store: {uri.split(':')[0]}")
        counter = StorageCounter(items, storage, database)
    longest = max(window for _amount, window in limits)
    return SignInLimit(counter, enabled=bool(config.get("RATELIMIT_ENABLED", True)), keep=max(KEEP, 2 * longest))


def for_app(app: Flask | None = None) -> SignInLimit:
    """The app's limit (made once per app: a shared store's connection pool is kept)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    limit = app.extensions.get("lbs.signin_limit")
    if limit is None:
        limit = app.extensions["lbs.signin_limit"] = build(app.config)
    assert isinstance(limit, SignInLimit)
    return limit
