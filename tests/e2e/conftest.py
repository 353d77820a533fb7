"""Browser tests: Python Playwright driving Debian's Chromium against a live server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from lbs.demo.incidents import DEMO_TITLE
from lbs.extensions import db
from lbs.ops.worker import build_packs_until
from tests.conftest import make_app, prepare_database
from tests.dbutil import BACKENDS, drop_database, new_database_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    return None


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        # The worker's pack builder beside the server, as ``make run`` starts it (review packs).
        self.stopping = threading.Event()
        self.packs = threading.Thread(target=build_packs_until, args=(app, self.stopping), daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        self.packs.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.packs.join(timeout=30)


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server over its own migrated and seeded database, with CSRF on as in production."""
    url = new_database_url(request.param, tmp_path_factory.mktemp("live"))
    prepare_database(url)
    app = make_app(url, WTF_CSRF_ENABLED=True, TESTING=False)
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


def sign_in(page: Any, server: LiveServer, username: str, password: str = "demo") -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log ind").click()


def start_decision(page: Any, server: LiveServer, *, staff: str, decided_by: str, type: str, title: str,
                   decision: str, owner: str = "Herning Kommune") -> None:
    """politi opens the demo incident's decision form and fills in who decided what."""
    sign_in(page, server, "politi")
    page.get_by_role("link", name="Hændelser").first.click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    expect(page.get_by_role("heading", name=DEMO_TITLE)).to_be_visible()
    page.get_by_role("link", name="Registrér beslutning").click()
    page.locator('[name="staff"]').select_option(staff)
    page.locator('[name="decided_by"]').select_option(label=decided_by)
    page.locator('[name="owner"]').select_option(label=owner)
    page.locator('[name="type"]').select_option(type)
    page.get_by_label("Titel").fill(title)
    page.locator('[name="decision"]').fill(decision)


def build_review_pack(page: Any) -> None:
    """On a review page: ask for the review pack and wait until the worker beside the server has built it (the
    page follows the progress and offers the download)."""
    build = page.get_by_role("button", name="Byg evalueringspakken")
    if build.count():
        build.click()
    expect(page.get_by_role("link", name="Hent evalueringspakken (ZIP)")).to_be_visible(timeout=120_000)
