"""Users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from sqlalchemy import Select, bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from lbs.audit import services as audit
from lbs.auth.models import ApiToken, Role, User
from lbs.errors import NotFound, ValidationError
from lbs.extensions import db
from lbs.organisations.models import Municipality
from lbs.timeutil import utcnow

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
) -> User:
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
    if len(password) < 4:
        errors["password"] = ["password must have at least 4 characters"]
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


def issue_token(*, username: str, by: User | None = None) -> str:
    """Create a token for ``username``; the plain token is returned once and only its hash is kept."""
    user = get_user_by_username(username)
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    token = "lbs_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), prefix=token[:12]))
    audit.record(
        by=by, action="token.issue", object_type="user", object_id=user.id,
        summary=f"API token issued for {username}", data={"prefix": token[:12]},
    )
    return token


@cache
def _token_user_query() -> Select[User]:
    """Built once per process (every API request runs it); parameter ``token_hash``."""
    return (select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                   User.active.is_(True)))


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(_token_user_query(), {"token_hash": _token_hash(token)})


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
