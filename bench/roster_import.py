"""``import-roster`` at scale (part of ``make bench``): a generated roster of 20 000 and 100 000 rows imported
into a fresh demo database (SQLite), timed, while another connection writes every 50 ms (the longest it waited
for the write lock is what a web write would wait during the import).

Run alone: ``python -m bench.roster_import`` (prints JSON)."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIZES = (20_000, 100_000)
SEATS = 400
POLICE = "Midt- og Vestjyllands Politi"


def _env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "PYTHONPATH": str(ROOT), "PATH": str(BIN)}


def _flask(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=_env(url),
                          capture_output=True, text=True, timeout=3600, check=False)


def _period(day: int) -> str:
    start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=day)
    return f"{start:%Y-%m-%dT%H:%M:%SZ};{start + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}"


def _roster(path: Path, rows: int, prefix: str) -> None:
    """``rows`` assignments over :data:`SEATS` seats, consecutive days on each seat, each by its own person,
    shuffled."""
    lines = [f"LBS-O;{prefix} {s};{prefix}-vagt {s}-{d};Vagt;{POLICE};;;0;{_period(d)}"
             for s in range(SEATS) for d in range(rows // SEATS)]
    random.Random(1).shuffle(lines)
    header = "staff;position;person;job_title;organisation;email;phone;rank;valid_from;valid_to\n"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


_SEATS_SCRIPT = """
import sys
from sqlalchemy import select
from lbs import create_app
from lbs.extensions import db
from lbs.organisations.models import Organisation
from lbs.staffs.models import Position, Staff
with create_app().app_context():
    staff = db.session.scalars(select(Staff).where(Staff.code == "LBS-O")).one()
    police = db.session.scalars(select(Organisation).where(Organisation.name == sys.argv[2])).one()
    db.session.add_all(Position(staff=staff, organisation=police, title=f"{sys.argv[1]} {s}")
                       for s in range(int(sys.argv[3])))
    db.session.commit()
"""


def _seats(url: str, db_path: Path, prefix: str) -> None:
    done = subprocess.run([sys.executable, "-c", _SEATS_SCRIPT, prefix, POLICE, str(SEATS)], cwd=ROOT,
                          env=_env(url), capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_probe (at REAL)")
    conn.commit()
    conn.close()


def _probe(db_path: Path, stop: threading.Event, waits: list[float]) -> None:
    """A write every 50 ms on its own connection: how long each waited for the lock."""
    conn = sqlite3.connect(db_path, timeout=60, isolation_level=None)
    while not stop.is_set():
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_probe VALUES (?)", (start,))
        conn.execute("COMMIT")
        waits.append(time.perf_counter() - start)
        stop.wait(0.05)
    conn.close()


def measure(workdir: Path) -> dict[str, Any]:
    db_path = workdir / "roster.db"
    url = f"sqlite:///{db_path}"
    for args in (("db", "upgrade"), ("lbs", "seed-demo")):
        done = _flask(url, *args)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
    results: dict[str, Any] = {}
    for rows in SIZES:
        prefix = f"Bench {rows}"
        _seats(url, db_path, prefix)
        path = workdir / f"roster-{rows}.csv"
        _roster(path, rows, prefix)
        stop, waits = threading.Event(), []
        probe = threading.Thread(target=_probe, args=(db_path, stop, waits))
        probe.start()
        start = time.perf_counter()
        done = _flask(url, "lbs", "import-roster", str(path))
        seconds = time.perf_counter() - start
        stop.set()
        probe.join()
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        results[str(rows)] = {"seconds": round(seconds, 1), "probe_writes": len(waits),
                              "probe_max_wait_ms": round(max(waits) * 1000, 1),
                              "output": done.stdout.strip()}
    return results


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="lbs-bench-roster-") as tmp:
        print(json.dumps(measure(Path(tmp)), indent=2))
