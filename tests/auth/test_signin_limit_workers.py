"""The sign-in limit is counted across workers and hosts: two app objects on one database (two workers), two on
one Redis store (two hosts), and a gunicorn server with three worker processes let exactly the configured number
of failures through, not that number per worker."""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from lbs.auth import services
from lbs.auth.attempts import LoginAttempt
from lbs.extensions import db
from tests.conftest import make_app, prepare_database
from tests.server import Server

REDIS_URI = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def signin_url(fresh_database_url: str) -> Iterator[str]:
    """A migrated database with one user, ``vagt`` (password ``rigtig-kode``); commits are real."""
    prepare_database(fresh_database_url, seed=False)
    app = make_app(fresh_database_url)
    with app.app_context():
        services.create_user(username="vagt", role="police", password="rigtig-kode", password_policy=False)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    yield fresh_database_url


def workers(url: str, count: int = 2, **config: object) -> list[Flask]:
    return [make_app(url, RATELIMIT_ENABLED=True, **config) for _ in range(count)]


def unique_address() -> str:
    """A fresh address per test: keys left in a shared store by another run never count here."""
    n = uuid.uuid4().int
    return f"127.{n % 250 + 1}.{n // 250 % 250 + 1}.{n // 62500 % 250 + 1}"


def attempt(app: Flask, password: str, address: str, username: str = "vagt") -> int:
    response = app.test_client().post("/login", data={"username": username, "password": password},
                                      environ_base={"REMOTE_ADDR": address})
    return response.status_code


def _failures_spread_over_two_workers_lock_the_user(apps: list[Flask], address: str, others: int = 20) -> None:
    first, second = apps
    statuses = [attempt(app, "forkert", address) for app in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429], "3 failures across both workers reach the limit of 3"
    assert attempt(second, "rigtig-kode", address) == 429
    assert attempt(first, "rigtig-kode", address) == 429
    # A burst for other names from the same address, on both workers, locks nobody else out.
    for i in range(others):
        assert attempt(apps[i % 2], "forkert", address, username=f"anden{i}") == 200
    assert attempt(first, "rigtig-kode", unique_address()) == 302


def test_the_limit_holds_across_two_workers_on_one_database(signin_url):
    address = unique_address()
    apps = workers(signin_url, LBS_LOGIN_LIMIT="3 per minute")
    _failures_spread_over_two_workers_lock_the_user(apps, address)
    with apps[0].app_context():
        failed = db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.address == address, LoginAttempt.succeeded.is_(False)))
        assert failed == 23


def test_after_the_window_the_user_signs_in(signin_url):
    address = unique_address()
    first, second = workers(signin_url, LBS_LOGIN_LIMIT="2 per 2 second")
    assert [attempt(first, "forkert", address), attempt(second, "forkert", address)] == [200, 200]
    assert attempt(first, "rigtig-kode", address) == 429
    time.sleep(2.1)
    assert attempt(second, "rigtig-kode", address) == 302


@needs_redis
def test_the_limit_holds_across_two_hosts_sharing_redis(signin_url):
    address = unique_address()
    apps = workers(signin_url, LBS_LOGIN_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=REDIS_URI)
    _failures_spread_over_two_workers_lock_the_user(apps, address)


@needs_redis
def test_redis_counts_and_forgets_by_itself(signin_url):
    """With the store the database only keeps the audit: deleting its rows does not lift the limit; the window
    passing does, and a success clears the pair's count."""
    address = unique_address()
    first, second = workers(signin_url, LBS_LOGIN_LIMIT="2 per 2 second", RATELIMIT_STORAGE_URI=REDIS_URI)
    assert [attempt(first, "forkert", address), attempt(second, "forkert", address)] == [200, 200]
    with first.app_context():
        db.session.execute(LoginAttempt.__table__.delete())
        db.session.commit()
    assert attempt(first, "rigtig-kode", address) == 429
    time.sleep(2.1)
    assert attempt(second, "forkert", address) == 200
    assert attempt(first, "rigtig-kode", address) == 302
    assert [attempt(second, "forkert", address), attempt(first, "forkert", address)] == [200, 200]
    assert attempt(second, "forkert", address) == 429


def test_an_unreachable_store_falls_back_to_the_database(signin_url):
    address = unique_address()
    apps = workers(signin_url, LBS_LOGIN_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    _failures_spread_over_two_workers_lock_the_user(apps, address, others=4)


class LimitedServer(Server):
    def __init__(self, *args: object, storage: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.storage = storage

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update({"LBS_RATELIMIT": "1", "LBS_LOGIN_LIMIT": "4 per minute"})
        env.pop("LBS_RATELIMIT_STORAGE_URI", None)
        if self.storage:
            env["LBS_RATELIMIT_STORAGE_URI"] = self.storage
        return env


def _forget_loopback_keys() -> None:
    """The server's clients all come from 127.0.0.1: drop what an earlier run left for that address."""
    import redis

    client = redis.Redis.from_url(REDIS_URI)
    for key in client.scan_iter(match="*lbs-signin/127.0.0.1/*"):
        client.delete(key)
    client.close()


@pytest.mark.slow
@pytest.mark.parametrize("storage", [None, pytest.param(REDIS_URI, marks=needs_redis)], ids=["database", "redis"])
def test_three_gunicorn_workers_let_exactly_the_limit_through(signin_url, tmp_path, storage):
    if storage:
        _forget_loopback_keys()
    with LimitedServer(signin_url, workers=3, threads=2, log=tmp_path / "gunicorn.log", storage=storage) as server:
        session = requests.Session()
        page = session.get(f"{server.base}/login", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, page[:500]
        cookies = session.cookies.get_dict()
        session.close()

        def post(password: str, username: str = "vagt") -> int:
            # A new connection each time, so that the requests spread over the worker processes.
            return requests.post(f"{server.base}/login", timeout=60, allow_redirects=False, cookies=cookies,
                                 headers={"Connection": "close"},
                                 data={"username": username, "password": password, "csrf_token": token[1]}
                                 ).status_code

        statuses = [post("forkert") for _ in range(9)]
        assert statuses == [200] * 4 + [429] * 5, statuses
        assert post("rigtig-kode") == 429
        # Twelve at once for another name: admitting is atomic, so still exactly four get through.
        with ThreadPoolExecutor(6) as pool:
            burst = list(pool.map(lambda _i: post("forkert", "ukendt"), range(12)))
        assert sorted(burst) == [200] * 4 + [429] * 8, burst
