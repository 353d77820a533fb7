"""Audit logging. Services call :func:`record` for every change, in the transaction that makes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.timeutil import utcnow


class Actor(Protocol):
    """Who made a change: a signed-in user (``lbs.auth.models.User``). The audit log sits below auth, so it
    names only the two attributes it records."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


_INSERT = insert(cast(Table, AuditEvent.__table__))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record_many(*, by: Actor | None,
                events: Sequence[tuple[str, str, object, str, Mapping[str, tuple[Any, Any]]]]) -> None:
    """Write many audit events in one statement (a bulk import): each ``(action, object_type, object_id,
    summary, changes)``, as :func:`record` writes one."""
    if not events:
        return
    at = utcnow()
    db.session.execute(_INSERT, [{
        "at": at, "user_id": by.id if by else None, "actor": by.username if by else "system", "action": action,
        "object_type": object_type, "object_id": str(object_id), "summary": summary[:500],
        "data": {"changes": {k: {"old": _jsonable(o), "new": _jsonable(n)} for k, (o, n) in changes.items()}},
    } for action, object_type, object_id, summary, changes in events])


def record(
    *,
    by: Actor | None,
    action: str,
    object_type: str,
    object_id: object | None,
    summary: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write one audit event (a Core insert in the session's transaction: it commits or rolls back with the
    change, and costs no unit-of-work bookkeeping, on every write)."""
    payload: dict[str, Any] = dict(_jsonable(data or {}))
    if changes:
        payload["changes"] = {k: {"old": _jsonable(o), "new": _jsonable(n)} for k, (o, n) in changes.items()}
    db.session.execute(_INSERT, {
        "at": utcnow(),
        "user_id": by.id if by else None,
        "actor": by.username if by else "system",
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "summary": summary[:500],
        "data": payload,
    })
