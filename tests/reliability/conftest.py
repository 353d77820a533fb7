"""The hostile-input world: a committed demo district of its own per backend, shared by the hostile API and
form tests (each of them asserts that what it sends changes nothing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from lbs.extensions import db
from tests.conftest import make_app
from tests.dbutil import drop_database, new_database_url
from tests.reliability.world import World, prepare_world


@pytest.fixture(scope="package")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, World]]:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    url = new_database_url(backend, tmp_path_factory.mktemp("hostile"))
    world = prepare_world(url)
    app = make_app(url)
    yield app, world
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)
