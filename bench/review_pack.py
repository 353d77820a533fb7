"""Review packs built by the worker (part of ``make bench``): for an incident of 5 000 and of 50 000 decisions
(SQLite, a fresh demo database each), the pack is asked for as the reviewer (the web request timed), built by
``flask lbs worker --once`` (its wall time and peak resident memory, from ``/usr/bin/time``), while a prober asks
for the pack's status and the review page the whole time (the slowest of those requests is what a user waited
while the worker built). Sizes: ``BENCH_PACK_SIZES`` (default ``5000,50000``).

Run alone: ``python -m bench.review_pack`` (prints JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIZES = tuple(int(n) for n in os.environ.get("BENCH_PACK_SIZES", "5000,50000").split(","))
GOAL_MB = 500


def _env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "PYTHONPATH": str(ROOT), "PATH": f"{BIN}:/usr/bin:/bin"}


def _run(url: str, *args: str, timeout: int = 7200) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(args), cwd=ROOT, env=_env(url), capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done


def _app_client() -> Any:
    from wsgi import app

    app.config["WTF_CSRF_ENABLED"] = False  # an in-process client: the requests are timed, not their forms
    client = app.test_client()
    response = client.post("/login", data={"username": "revisor", "password": "demo"})
    assert response.status_code == 302, response.status_code
    return app, client


def ask() -> None:
    """(Subprocess) ask for the largest incident's pack as the reviewer: prints {pack_id, incident_id, ms}."""
    from sqlalchemy import select

    from lbs.extensions import db
    from lbs.incidents.models import Incident

    app, client = _app_client()
    with app.app_context():
        incident_id = db.session.scalar(select(Incident.id).order_by(Incident.last_decision_number.desc()).limit(1))
    start = time.perf_counter()
    response = client.post(f"/review/incidents/{incident_id}/pack")
    ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 302, response.status_code
    with app.app_context():
        from lbs.review.pack_models import ReviewPack

        pack_id = db.session.scalar(select(ReviewPack.id).where(ReviewPack.incident_id == incident_id))
    print(json.dumps({"pack_id": pack_id, "incident_id": incident_id, "ms": round(ms, 1)}))


def probe(pack_id: int, incident_id: int, stop: str) -> None:
    """(Subprocess) ask for the pack's status and the review page until ``stop`` exists: prints the times."""
    _app, client = _app_client()
    times: dict[str, list[float]] = {"status": [], "review_page": []}
    while not Path(stop).exists():
        for name, path in (("status", f"/review/packs/{pack_id}/status"),
                           ("review_page", f"/review/incidents/{incident_id}")):
            start = time.perf_counter()
            response = client.get(path)
            times[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        time.sleep(0.5)
    def summary(ms: list[float]) -> dict[str, Any]:
        ordered = sorted(ms)
        return {"requests": len(ms), "first_ms": round(ms[0], 1) if ms else None,
                "p50_ms": round(ordered[len(ordered) // 2], 1) if ms else None,
                "p95_ms": round(ordered[int(len(ordered) * 0.95)], 1) if ms else None,
                "max_ms": round(ordered[-1], 1) if ms else None,
                "over_1s": sum(1 for m in ms if m > 1000)}

    print(json.dumps({name: summary(ms) for name, ms in times.items()}))


def measure_one(workdir: Path, decisions: int) -> dict[str, Any]:
    url = f"sqlite:///{workdir / f'pack-{decisions}.db'}"
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    _run(url, *flask, "db", "upgrade")
    _run(url, *flask, "lbs", "seed-demo", "--decisions", str(decisions), "--incidents", "1")
    asked = json.loads(_run(url, sys.executable, "-m", "bench.review_pack", "ask").stdout)
    stop = workdir / f"stop-{decisions}"
    prober = subprocess.Popen([sys.executable, "-m", "bench.review_pack", "probe", str(asked["pack_id"]),
                               str(asked["incident_id"]), str(stop)], cwd=ROOT, env=_env(url),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.perf_counter()
    built = _run(url, "/usr/bin/time", "-f", "peak_kb=%M", *flask, "lbs", "worker", "--once")
    seconds = time.perf_counter() - start
    stop.touch()
    probed, errors = prober.communicate(timeout=600)
    if prober.returncode != 0:
        raise RuntimeError(errors[-2000:])
    peak_kb = int(built.stderr.rsplit("peak_kb=", 1)[1].split()[0])
    import sqlite3

    with sqlite3.connect(workdir / f"pack-{decisions}.db") as conn:
        status, size = conn.execute("SELECT status, size FROM review_packs WHERE id = ?",
                                    (asked["pack_id"],)).fetchone()
    return {"decisions": decisions, "status": status, "pack_bytes": size, "build_seconds": round(seconds, 1),
            "worker_peak_rss_mb": round(peak_kb / 1024, 1), "goal_mb": GOAL_MB,
            "ask_request_ms": asked["ms"], "while_building": json.loads(probed)}


def measure(workdir: Path) -> dict[str, Any]:
    return {str(n): measure_one(workdir, n) for n in SIZES}


if __name__ == "__main__":
    if sys.argv[1:2] == ["ask"]:
        ask()
    elif sys.argv[1:2] == ["probe"]:
        probe(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        with tempfile.TemporaryDirectory(prefix="lbs-bench-pack-") as folder:
            print(json.dumps(measure(Path(folder)), indent=2))
