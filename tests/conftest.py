"""Fixtures: every test runs on SQLite, and on PostgreSQL too when LBS_TEST_DATABASE_URL is set.

The schema is built with the migrations (never ``create_all``) and the demo district is loaded once
per backend; each test then runs inside a transaction that is rolled back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import Engine

from lbs import create_app
from lbs.demo import seed_demo
from lbs.extensions import db
from tests.dbutil import BACKENDS, drop_database, new_database_url

_CREATED_APPS: list[Flask] = []


def make_app(url: str, **extra: Any) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": None,
        "RATELIMIT_ENABLED": False,
    }
    config.update(extra)
    app = create_app(config)
    _CREATED_APPS.append(app)
    return app


def dispose_engines() -> None:
    """Close the pooled connections of every app a test made (no connection is left to the GC)."""
    while _CREATED_APPS:
        app = _CREATED_APPS.pop()
        with app.app_context():
            for engine in db.engines.values():
                if isinstance(engine, Engine):
                    engine.dispose()


@pytest.fixture(autouse=True)
def _dispose_engines_after_test() -> Iterator[None]:
    yield
    dispose_engines()


def prepare_database(url: str, *, seed: bool = True) -> None:
    """Migrate an empty database to head and (optionally) load the demo district."""
    app = make_app(url)
    with app.app_context():
        upgrade()
        if seed:
            seed_demo()
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, seeded database per backend, shared by the session (tests roll back)."""
    url = new_database_url(request.param, tmp_path_factory.mktemp("db"))
    prepare_database(url)
    yield url
    dispose_engines()
    drop_database(url)


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app bound to one connection inside an open transaction, rolled back after the test."""
    app = make_app(database_url)
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection  # type: ignore[assignment]
        try:
            yield app
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            engines[None] = engine
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty (unmigrated) database of the same backend, for tests that need real commits."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = new_database_url(backend, tmp_path)
    yield url
    dispose_engines()
    drop_database(url)


@pytest.fixture
def committed_app(fresh_database_url: str) -> Iterator[Flask]:
    """An app over its own migrated and seeded database where commits are real (concurrency, CLI)."""
    prepare_database(fresh_database_url)
    app = make_app(fresh_database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def open(self, method: str, path: str, json: Any = None, data: Any = None, **kwargs: Any) -> Any:
        headers = dict(self.headers)
        headers.update(kwargs.pop("headers", {}))
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
            headers.setdefault("Content-Type", "application/json")
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.open("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.open("PATCH", path, json=json, **kwargs)


@pytest.fixture
def api_as(app: Flask, client: FlaskClient) -> Any:
    """``api_as("politi")`` → an :class:`ApiClient` with a fresh token of that demo user."""
    from lbs.auth import services

    def make(username: str | None) -> ApiClient:
        token = services.issue_token(username=username) if username else None
        db.session.commit()
        return ApiClient(client, token)

    return make


@pytest.fixture
def login(client: FlaskClient) -> Any:
    """``login("politi")`` signs the test client in as a demo user (password ``demo``)."""

    def do(username: str, password: str = "demo") -> FlaskClient:
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Any:
    """``with count_queries() as counter: …`` counts the SQL statements run (for N+1 tests)."""
    import contextlib

    from sqlalchemy import event

    connection = db.engines[None]
    engine = connection.engine if hasattr(connection, "engine") else connection

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
