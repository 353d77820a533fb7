"""Consistent online backups of the embedded SQLite database (SQLite's backup API).

PostgreSQL deployments use pg_dump/pg_restore (see docs/reliability.md).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url

from lbs.errors import ValidationError


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    schema_revision: str | None
    decisions: int


def sqlite_path(engine: Engine) -> Path:
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ValidationError("backup and restore work on the SQLite file database; use pg_dump for PostgreSQL")
    return Path(url.database)


def check_database_file(path: Path) -> BackupInfo:
    """Open a backup read-only and check it: integrity, schema revision, a readable decision log."""
    if not path.is_file():
        raise ValidationError(f"{path} is not a file")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValidationError(f"{path} is not a SQLite database: {exc}") from exc
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
        if not result or result[0] != "ok":
            raise ValidationError(f"{path} fails the integrity check: {result[0] if result else 'no answer'}")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        decisions = connection.execute("SELECT count(*) FROM decisions").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"{path} is not an LBS Register database: {exc}") from exc
    finally:
        connection.close()
    return BackupInfo(path=path, bytes=path.stat().st_size, schema_revision=revision[0] if revision else None,
                      decisions=int(decisions))


def backup(engine: Engine, target: Path) -> BackupInfo:
    """Copy the live database to ``target`` page by page while the app keeps running."""
    source_path = sqlite_path(engine)
    if target.exists():
        raise ValidationError(f"{target} exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=1024)
    finally:
        destination.close()
        source.close()
    return check_database_file(target)


def restore(engine: Engine, backup_file: Path) -> BackupInfo:
    """Check a backup, then copy it over the live database (writers wait on the busy timeout)."""
    info = check_database_file(backup_file)
    target_path = sqlite_path(engine)
    engine.dispose()
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    destination = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return info
