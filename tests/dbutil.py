"""Throwaway databases for tests: a SQLite file, or a fresh PostgreSQL database per use."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import sqlalchemy as sa

from lbs.config import normalise_database_url

PG_ADMIN_URL = os.environ.get("LBS_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])


def _admin_engine() -> sa.Engine:
    assert PG_ADMIN_URL
    return sa.create_engine(normalise_database_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


def new_database_url(backend: str, tmp_dir: Path) -> str:
    """Create an empty database and return its URL."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'lbs-{uuid.uuid4().hex[:8]}.db'}"
    name = f"lbs_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    url = sa.make_url(normalise_database_url(PG_ADMIN_URL or ""))
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = sa.make_url(url).database
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    engine.dispose()
