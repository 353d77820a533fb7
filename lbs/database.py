"""Engine set-up: SQLite in WAL mode with serialised writers; PostgreSQL with pre-ping.

On SQLite a transaction that will write starts with ``BEGIN IMMEDIATE`` so that concurrent writers
queue on the busy timeout instead of failing on a lock upgrade. Requests with an unsafe method and
CLI commands that write run in "write intent" (see :func:`write_intent`).

A view whose service reads first and takes its lock with its first write (logging a decision: the number is
taken by an ``UPDATE``, everything before it is validation that is judged again under the lock where it
matters) is marked :func:`lock_at_first_write`: on SQLite its reads then run without a transaction and
``BEGIN IMMEDIATE`` is issued just before its first write, so another worker's write need not wait for this
request's parsing and validation — the way the same code runs on PostgreSQL (READ COMMITTED, row lock).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Engine, Integer, Text, any_, bindparam, cast, event, func, select

from lbs import fastjson

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("lbs_write_intent", default=False)
_lock_at_first_write: contextvars.ContextVar[bool] = contextvars.ContextVar("lbs_lock_at_first_write",
                                                                             default=False)
F = TypeVar("F", bound=Callable[..., Any])
LOCK_AT_FIRST_WRITE = "lbs_lock_at_first_write"

SQLITE_BUSY_TIMEOUT_MS = 30_000


def set_write_intent(value: bool, *, lock_at_first_write: bool = False) -> None:
    _write_intent.set(value)
    _lock_at_first_write.set(value and lock_at_first_write)


def lock_at_first_write(view: F) -> F:
    """Mark a view: on SQLite, its write lock is taken at its first write statement (see the module)."""
    setattr(view, LOCK_AT_FIRST_WRITE, True)
    return view


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
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
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
        if _lock_at_first_write.get():
            return  # reads in autocommit until the first write (below)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _before_first_write(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if (_lock_at_first_write.get() and not conn.connection.dbapi_connection.in_transaction
                and statement.lstrip()[:6].upper() != "SELECT"):
            cursor.execute("BEGIN IMMEDIATE")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No parallel query for the app's sessions. Every statement a request runs is bounded by a page or an
        # index, and a parallel plan only adds its workers' start-up (at a million decisions the planner chose a
        # parallel index scan for the API list's page, slower than the serial one), and on a web server the
        # workers it starts take the cores the other requests are using. Set per connection, not in the
        # connection string, so that a pooler that refuses start-up options is no obstacle.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()


def database_identity() -> str:
    """The URL of the database the session talks to (part of every in-process cache key)."""
    from lbs.extensions import db

    bind: Any = db.session.get_bind()
    return str(getattr(bind, "engine", bind).url)


def among(column: ColumnElement[int], ids: Collection[int]) -> ColumnElement[bool]:
    """``column IN ids`` for up to a few thousand ids (a page's decisions), the ids as one parameter.

    A subquery in its place hides from PostgreSQL's planner how few rows it yields (it hashes it against a scan
    of the whole table), and an expanding ``IN`` costs SQLAlchemy a parameter apiece to render (and psycopg as
    much again), which shows on a page of a thousand. So the ids go as their text: an array (``{1,2,3}``, cast
    by the server) on PostgreSQL, a JSON array read by ``json_each`` on SQLite; both planners then walk the
    column's index."""
    from lbs.extensions import db

    listed = ",".join(map(str, ids))
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(cast(bindparam(None, "{" + listed + "}", type_=Text()), ARRAY(Integer)))
    each = func.json_each(bindparam(None, "[" + listed + "]", type_=Text())).table_valued("value")
    return column.in_(select(each.c.value))
