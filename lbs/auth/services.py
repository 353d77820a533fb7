"""Users and API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import g
from sqlalchemy import Engine, Select, bindparam, select, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from lbs.audit import services as audit
from lbs.auth.models import ApiToken, Role, User
from lbs.auth.passwords import password_problem
from lbs.database import SQLITE_BUSY_TIMEOUT_MS, write_intent
from lbs.errors import NotFound, ValidationError
from lbs.extensions import db
from lbs.organisations.models import Municipality
from lbs.timeutil import utcnow

logger = logging.getLogger(__name__)

# A hash to compare against when the user does not exist, so that timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def authenticate(*, username: str, password: str) -> User | None:
    user = get_user_by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def create_user(
    *,
    username: str,
    role: str,
    password: str,
    municipality_code: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    by: User | None = None,
    password_policy: bool = True,
) -> User:
    """Create a user; the password must pass :func:`lbs.auth.passwords.password_problem` (``password_policy``
    False: the demo district's users only, whose password is ``demo``)."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip() or None
    if email is not None and email_error(email):
        errors["email"] = [email_error(email) or ""]
    username = username.strip()
    if not username or len(username) > 80 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        errors["username"] = ["username must be 1–80 letters, digits, '.', '-' or '_'"]
    elif get_user_by_username(username) is not None:
        errors["username"] = ["a user with this username exists"]
    try:
        role_value = Role(role)
    except ValueError:
        errors["role"] = [f"role must be one of {', '.join(r.value for r in Role)}"]
        role_value = None
    if role_value is Role.MUNICIPALITY:
        if not municipality_code:
            errors["municipality"] = ["a municipality user needs --municipality CODE"]
        elif db.session.get(Municipality, municipality_code) is None:
            errors["municipality"] = [f"unknown municipality code {municipality_code!r}"]
    elif municipality_code:
        errors["municipality"] = ["--municipality is only allowed with role municipality"]
    if password_policy and (problem := password_problem(password)) is not None:
        errors["password"] = [problem]
    if errors:
        raise ValidationError("; ".join(m for msgs in errors.values() for m in msgs), errors)
    assert role_value is not None
    user = User(
        username=username,
        role=role_value,
        municipality_code=municipality_code if role_value is Role.MUNICIPALITY else None,
        password_hash=hash_password(password),
        display_name=display_name,
        email=email,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        by=by,
        action="user.create",
        object_type="user",
        object_id=user.id,
        summary=f"user {username} created with role {role_value.value}",
        data={"role": role_value.value, "municipality": user.municipality_code},
    )
    return user


def email_error(address: str) -> str | None:
    """Why an e-mail address cannot be used (None when it can): one ``@``, a dot in the domain, no spaces or
    control characters, at most 200 characters."""
    local, at, domain = address.partition("@")
    if (len(address) > 200 or not at or not local or "." not in domain.strip(".") or "@" in domain
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in address)):
        return "not a valid e-mail address"
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_DAYS = 90
# A token's last use is written at most this often (one write a minute per token, not one per request).
LAST_USED_PRECISION = timedelta(minutes=1)


def issue_token(*, username: str, days: int = TOKEN_DAYS, by: User | None = None) -> str:
    """Create a token for ``username`` that works for ``days`` days; the plain token is returned once and only its
    hash is kept."""
    user = get_user_by_username(username)
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    if not 1 <= days <= 3650:
        raise ValidationError("--days must be between 1 and 3650", {"days": ["between 1 and 3650"]})
    token = "lbs_" + secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), prefix=token[:12], created_at=now,
                            expires_at=now + timedelta(days=days)))
    audit.record(
        by=by, action="token.issue", object_type="user", object_id=user.id,
        summary=f"API token issued for {username} ({days} days)", data={"prefix": token[:12], "days": days},
    )
    return token


@cache
def _token_user_query() -> Select[User, int, datetime | None]:
    """Built once per process (every API request runs it); parameters ``token_hash`` and ``now``."""
    return (select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > bindparam("now"), User.active.is_(True)))


def user_for_token(token: str) -> User | None:
    """The user of a valid token (not revoked, not expired, of an active user). Its use is noted on ``g`` and
    written when the request is over (:func:`record_token_use`)."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    row = db.session.execute(_token_user_query(), {"token_hash": _token_hash(token), "now": now}).first()
    if row is None:
        return None
    user, token_id, last_used_at = row
    if last_used_at is None or now - last_used_at >= LAST_USED_PRECISION:
        g.token_use = (token_id, now)
    return user


def record_token_use(_error: BaseException | None = None) -> None:
    """Write the last use of the request's token (teardown), in a short transaction of its own, after the
    request's own: a read never commits, and a write takes SQLite's lock only at its first write statement
    (``lbs.database.lock_at_first_write``), so recording the use inside the request would take the lock for a
    request that writes nothing. On SQLite it does not wait for the lock (another writer holds it: the use is
    written by a later request, the precision is a minute anyway)."""
    use = g.pop("token_use", None)
    if use is None:
        return
    token_id, now = use
    statement = update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
    bind = db.engines[None]
    if not isinstance(bind, Engine):  # a test's connection, inside its transaction
        bind.execute(statement)
        return
    sqlite = bind.dialect.name == "sqlite"
    try:
        with bind.connect() as connection:
            raw: Any = connection.connection.driver_connection  # the pragma outside SQLAlchemy's transaction
            if sqlite:
                raw.execute("PRAGMA busy_timeout = 0")
            try:
                with write_intent(), connection.begin():
                    connection.execute(statement)
            finally:
                if sqlite:
                    raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    except OperationalError:
        logger.info("the last use of token %s was not recorded: the database is busy", token_id)


def revoke_tokens(*, username: str, by: User | None = None) -> int:
    user = get_user_by_username(username)
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    audit.record(
        by=by, action="token.revoke", object_type="user", object_id=user.id,
        summary=f"{len(tokens)} API token(s) of {username} revoked",
    )
    return len(tokens)


def list_tokens() -> list[ApiToken]:
    """Every token, newest first, with its user (the admin's list)."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(select(ApiToken).options(joinedload(ApiToken.user))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(*, token_id: int, by: User | None = None) -> ApiToken:
    """Revoke one token (already revoked: unchanged)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(by=by, action="token.revoke", object_type="user", object_id=token.user_id,
                     summary=f"API token {token.prefix}… of {token.user.username} revoked",
                     data={"prefix": token.prefix, "token_id": token.id})
    return token


def end_sessions(user: User) -> None:
    """End every session of ``user`` on every host: their sessions carry the old number (see ``User``)."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    db.session.refresh(user, ["session_version"])


def set_password(*, username: str, password: str, by: User | None = None) -> User:
    """Change a user's password (the policy of :func:`create_user`); their sessions end."""
    user = get_user_by_username(username)
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    if (problem := password_problem(password)) is not None:
        raise ValidationError(problem, {"password": [problem]})
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record(by=by, action="user.password", object_type="user", object_id=user.id,
                 summary=f"password of {username} changed; their sessions ended")
    return user


def set_role(*, username: str, role: str, municipality_code: str | None = None, by: User | None = None) -> User:
    """Change a user's role (and municipality, for role municipality); their sessions end."""
    user = get_user_by_username(username)
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    try:
        role_value = Role(role)
    except ValueError:
        message = f"role must be one of {', '.join(r.value for r in Role)}"
        raise ValidationError(message, {"role": [message]}) from None
    if (role_value is Role.MUNICIPALITY) != bool(municipality_code):
        message = "--municipality CODE goes with role municipality, and only with it"
        raise ValidationError(message, {"municipality": [message]})
    if municipality_code and db.session.get(Municipality, municipality_code) is None:
        message = f"unknown municipality code {municipality_code!r}"
        raise ValidationError(message, {"municipality": [message]})
    before = (user.role.value, user.municipality_code)
    user.role, user.municipality_code = role_value, municipality_code
    end_sessions(user)
    audit.record(by=by, action="user.role", object_type="user", object_id=user.id,
                 summary=f"role of {username} changed to {role_value.value}; their sessions ended",
                 data={"before": list(before), "role": role_value.value, "municipality": municipality_code})
    return user
