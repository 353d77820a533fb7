"""Engine set-up: SQLite in WAL mode with serialised writers; PostgreSQL with pre-ping.

On SQLite a transaction that will write starts with ``BEGIN IMMEDIATE`` so that concurrent writers
queue on the busy timeout instead of failing on a lock upgrade. Requests with an unsafe method and
CLI commands that write run in "write intent" (see :func:`write_intent`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event

from lbs import fastjson

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("lbs_write_intent", default=False)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def set_write_intent(value: bool) -> contextvars.Token[bool]:
    return _write_intent.set(value)


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                "json_deserializer": fastjson.loads}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "json_deserializer": fastjson.loads}


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that we can emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def database_identity() -> str:
    """The URL of the database the session talks to (part of every in-process cache key)."""
    from lbs.extensions import db

    bind: Any = db.session.get_bind()
    return str(getattr(bind, "engine", bind).url)
