"""Crash safety: SIGKILL a writing server (master and workers) in the middle of a stream of decisions, restart it,
and check the database is intact, every acknowledged decision is there with its number, every chain verifies and
numbering continues without a gap."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import sqlalchemy as sa

from tests.reliability.world import World, post_decision, prepare_world, stored_decisions, verify_cli
from tests.server import Server

WRITERS = 3
KILL_AFTER = 12  # acknowledged decisions before the kill
AFTER_RESTART = 5


def _stream(base: str, world: World, writer: int, acked: dict[str, int], stop: threading.Event,
            lock: threading.Lock) -> None:
    session = requests.Session()
    i = 0
    while not stop.is_set():
        title = f"w{writer}-{i}"
        i += 1
        try:
            response = post_decision(session, base, world, title)
        except requests.RequestException:
            break  # the server is gone: whatever was in flight is unacknowledged
        assert response.status_code == 201, response.text
        with lock:
            acked[title] = response.json()["number"]
    session.close()


@pytest.mark.slow
def test_sigkill_mid_stream_loses_nothing_acknowledged(fresh_database_url, tmp_path):
    world = prepare_world(fresh_database_url)
    acked: dict[str, int] = {}
    stop = threading.Event()
    lock = threading.Lock()
    server = Server(fresh_database_url, workers=2, threads=2, log=tmp_path / "gunicorn.log").start()
    try:
        threads = [threading.Thread(target=_stream, args=(server.base, world, w, acked, stop, lock))
                   for w in range(WRITERS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(acked) >= KILL_AFTER
        server.kill()  # SIGKILL to the whole process group while the writers keep sending
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
            assert not thread.is_alive()
    finally:
        server.stop()

    if fresh_database_url.startswith("sqlite"):
        engine = sa.create_engine(fresh_database_url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()

    stored = stored_decisions(fresh_database_url, world.incident_id)
    for title, number in acked.items():
        assert stored.get(title) == number, f"acknowledged decision {title} (no. {number}) lost"
    assert sorted(stored.values()) == list(range(1, len(stored) + 1))
    verified = verify_cli(fresh_database_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The restarted server carries on where the log stopped.
    with Server(fresh_database_url, workers=2, threads=1, log=tmp_path / "gunicorn.log") as server:
        session = requests.Session()
        numbers = []
        for i in range(AFTER_RESTART):
            response = post_decision(session, server.base, world, f"after-{i}")
            assert response.status_code == 201, response.text
            numbers.append(response.json()["number"])
        session.close()
    assert numbers == list(range(len(stored) + 1, len(stored) + AFTER_RESTART + 1))
    final = stored_decisions(fresh_database_url, world.incident_id)
    assert sorted(final.values()) == list(range(1, len(stored) + AFTER_RESTART + 1))
    verified = verify_cli(fresh_database_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
