"""The migration chain: one head, upgrade from empty, no drift from the models, downgrade to base."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from lbs.extensions import db
from tests.conftest import make_app


def _script() -> ScriptDirectory:
    ext = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(ext.migrate.get_config(ext.directory))


def test_single_head(app):
    assert len(_script().get_heads()) == 1


def test_upgrade_from_empty_has_no_drift_and_downgrades(fresh_database_url):
    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            assert set(context.get_current_heads()) == set(_script().get_heads())
        tables = set(inspect(db.engine).get_table_names())
        assert {"decisions", "cost_lines", "assignments", "consultation_rules", "audit_events"} <= tables
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
        assert "decisions" in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_readyz_reports_schema_state(fresh_database_url):
    app = make_app(fresh_database_url)
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
