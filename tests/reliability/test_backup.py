"""Online backup and checked restore of the SQLite database."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select

from lbs.auth.models import User
from lbs.extensions import db
from tests.conftest import make_app, prepare_database


def test_backup_and_restore_roundtrip(fresh_database_url, tmp_path):
    if not fresh_database_url.startswith("sqlite"):
        # PostgreSQL is backed up with pg_dump (README); the command refuses clearly.
        prepare_database(fresh_database_url, seed=False)
        result = make_app(fresh_database_url).test_cli_runner().invoke(args=["lbs", "backup", str(tmp_path / "b.db")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    prepare_database(fresh_database_url)
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["lbs", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert sqlite3.connect(target).execute("select count(*) from users").fetchone()[0] == 5
    assert runner.invoke(args=["lbs", "backup", str(target)]).exit_code == 1, "never overwrite a backup"

    created = runner.invoke(args=["lbs", "create-user", "extra", "--role", "police", "--password-stdin"],
                            input="Sort-kaffe-ved-midnat\n")
    assert created.exit_code == 0
    restored = runner.invoke(args=["lbs", "restore", "--yes", str(target)])
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 5


def test_restore_refuses_a_broken_file(fresh_database_url, tmp_path):
    prepare_database(fresh_database_url, seed=False)
    app = make_app(fresh_database_url)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    result = app.test_cli_runner().invoke(args=["lbs", "restore", "--yes", str(junk)])
    assert result.exit_code == 1
    missing = app.test_cli_runner().invoke(args=["lbs", "restore", "--yes", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "not a file" in missing.output
