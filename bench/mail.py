"""Mail latency: from a write to the mail accepted by the SMTP server, with one worker process.

A demo database (SQLite) is served by gunicorn with ``LBS_SMTP_URL`` pointing at an aiosmtpd server in this
process; one ``flask lbs worker`` delivers the outbox. The police log ``MAILS`` decisions, one every
``PACE_SECONDS``, each with a cost line on Herning: each write tells Herning's user by mail. The latency of one
notification is the time from sending the POST to the SMTP server accepting the mail naming that decision; p50
and p95 are measured, not asserted (the goal is p95 < 2 s). ``python -m bench.mail`` runs it alone and writes its
figures into ``bench/results.json`` under ``mail``; ``make bench`` runs it too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bench import loadgen

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAILS = int(os.environ.get("BENCH_MAILS", "200"))
PACE_SECONDS = 0.05
GOAL_P95_MS = 2000.0
TITLE = re.compile(r"Bench-mail (-?\d+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Arrivals:
    """The aiosmtpd handler: when the mail naming each bench decision was accepted (first arrival)."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.monotonic()
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        found = TITLE.search(str(message["Subject"]))
        if found:
            with self.lock:
                self.at.setdefault(int(found.group(1)), now)
        return "250 Message accepted for delivery"


def _env(url: str, smtp_url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-mail-secret", LBS_RATELIMIT="0",
               LBS_SMTP_URL=smtp_url, PYTHONPATH=str(ROOT))
    env.pop("LBS_TEST_DATABASE_URL", None)
    return env


def _flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def _ids(db_file: Path) -> dict[str, int]:
    with sqlite3.connect(db_file) as conn:
        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])
        return {"incident": one("SELECT min(id) FROM incidents"),
                "herning": one("SELECT organisation_id FROM municipalities WHERE code = '657'"),
                "police": one("SELECT id FROM organisations WHERE name = 'Midt- og Vestjyllands Politi'"),
                "person": one("SELECT id FROM people WHERE name = 'Politiinspektør (stabschef)'")}


def _body(ids: dict[str, int], i: int) -> bytes:
    return json.dumps({
        "staff": "LBS-O", "decided_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
        "decided_by": ids["person"], "owner": ids["police"], "type": "cordon", "title": f"Bench-mail {i}",
        "decision": "Bredgade afspærres.", "rationale": "Måling af mail-forsinkelse.",
        "costs": [{"bearer": ids["herning"], "category": "supplies", "estimate_dkk": "1000"}]}).encode()


def _write_all(port: int, token: str, ids: dict[str, int]) -> tuple[dict[int, float], list[float]]:
    """Log the decisions (the first, ``-1``, warms the server up and is not counted): when each POST was sent,
    and how long each took (ms)."""
    client = loadgen.Client("127.0.0.1", port, token=token)
    sent: dict[int, float] = {}
    took: list[float] = []
    try:
        for i in range(-1, MAILS):
            sent[i] = time.monotonic()
            status, data, _ = client.request("POST", f"/api/v1/incidents/{ids['incident']}/decisions", _body(ids, i),
                                             {"Content-Type": "application/json"})
            if status != 201:
                raise RuntimeError(f"POST decision → {status}: {data[:300]!r}")
            took.append((time.monotonic() - sent[i]) * 1000)
            time.sleep(max(0.0, sent[i] + PACE_SECONDS - time.monotonic()) if i >= 0 else 2.0)
    finally:
        client.close()
    del sent[-1]
    return sent, took[1:]


def measure(workdir: Path) -> dict[str, Any]:
    """Latency of ``MAILS`` notifications from the write to the mail accepted (ms)."""
    db_file = workdir / "mail.db"
    arrivals = Arrivals()
    smtp = Controller(arrivals, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    env = _env(f"sqlite:///{db_file}", f"smtp://127.0.0.1:{smtp.port}")
    port = _free_port()
    server = worker = None
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "lbs", "seed-demo")
        token = _flask(env, "lbs", "token", "politi").strip().splitlines()[-1]
        server = _serve(env, port)
        worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "lbs", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # the worker idles, polling (what it delivers first is the demo's own mails)
        sent, took = _write_all(port, token, _ids(db_file))
        deadline = time.monotonic() + 60
        while len(arrivals.at) < MAILS and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for proc in (worker, server):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
        smtp.stop()
    by_write = [(arrivals.at[i] - sent[i]) * 1000 for i in sorted(sent) if i in arrivals.at]
    if os.environ.get("BENCH_MAIL_TRACE"):
        print([round(x) for x in by_write])
    latencies = sorted(by_write)
    if len(latencies) < MAILS:
        raise RuntimeError(f"only {len(latencies)} of {MAILS} mails arrived")
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return {"notifications": MAILS, "pace_ms": PACE_SECONDS * 1000, "workers": 1, "database": "sqlite",
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(p95, 1),
            "max_ms": round(latencies[-1], 1), "post_p50_ms": round(statistics.median(took), 1),
            "goal_p95_ms": GOAL_P95_MS, "met": p95 < GOAL_P95_MS}


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lbs-bench-mail-"))
    try:
        figures = measure(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(figures, indent=2))
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["mail"] = figures
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("wrote bench/results.json (key mail)")


if __name__ == "__main__":
    main()
