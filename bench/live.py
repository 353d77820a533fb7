"""Pages that update themselves, under load (``docs/live-updates.md``): what 200 screens polling one incident
every 3 s cost the app while 8 writers log decisions. Measured, never asserted.

Three phases of ``BENCH_LIVE_SECONDS`` each, against gunicorn (2 workers):

1. ``writers``: 8 API clients log decisions on a write incident; the app's CPU seconds per second;
2. ``writers + screens (quiet incident)``: the same, while 200 screens poll ``/live/incidents/<id>`` of another
   incident with ``If-None-Match`` (open loop: each screen every 3 s, spread evenly): every answer is a 304;
3. ``writers + screens (watching the writes)``: the screens poll the incident being written, and each fetches
   the incident page whenever its version changed, as ``live.js`` does (the worst case: a change every poll).

Plus the 304 alone on an idle server (one client, in sequence): its p50/p95. Goals: the screens add < 10 % of
the app's CPU (phase 2 against phase 1), and the 304's p95 < 2 ms.

``python -m bench.live`` runs it on a fresh SQLite database with the demo district (and PostgreSQL when
``LBS_TEST_DATABASE_URL`` is set) and writes ``bench/results-live.json``; ``bench.run`` calls :func:`measure`
on its large database.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import loadgen

SCREENS = int(os.environ.get("BENCH_LIVE_SCREENS", "200"))
PERIOD = 3.0
POLLERS = 12  # threads sending the screens' polls at their times
WRITERS = 8
SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", "9"))
HOST = "127.0.0.1"
GOALS = {"screens_added_cpu_pct": 10.0, "p95_304_ms": 2.0}


def _screens(port: int, cookie: str, path: str, page: str | None, seconds: float) -> dict[str, Any]:
    """``SCREENS`` screens polling ``path`` every ``PERIOD`` s for ``seconds`` (open loop); with ``page``, a
    screen whose version changed fetches the page, as ``live.js`` does."""
    first = loadgen.Client(HOST, port, cookie=cookie)
    status, body, _ = first.request("GET", path)
    first.close()
    assert status == 200, (status, body)
    versions = [json.loads(body)["version"]] * SCREENS  # as the page each screen shows carries it
    start = time.perf_counter()
    due = [start + PERIOD * i / SCREENS for i in range(SCREENS)]
    lock = threading.Lock()
    late: list[float] = []
    counts = {"304": 0, "200": 0, "pages": 0, "errors": 0}
    latencies: dict[str, list[float]] = {"304": [], "200": [], "pages": []}

    def take() -> int | None:
        with lock:
            screen = min(range(SCREENS), key=due.__getitem__)
            at = due[screen]
            if at - start >= seconds:
                return None
            due[screen] = at + PERIOD
        wait = at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            late.append(-wait)
        return screen

    def poller() -> None:
        client = loadgen.Client(HOST, port, cookie=cookie)
        while (screen := take()) is not None:
            headers = {"If-None-Match": f'"{versions[screen]}"'}
            began = time.perf_counter()
            status, body, _ = client.request("GET", path, headers=headers)
            took = (time.perf_counter() - began) * 1000
            kind = {304: "304", 200: "200"}.get(status)
            with lock:
                if kind is None:
                    counts["errors"] += 1
                    continue
                counts[kind] += 1
                latencies[kind].append(took)
            if kind == "200":
                versions[screen] = json.loads(body)["version"]
                if page is not None:
                    began = time.perf_counter()
                    status, _, _ = client.request("GET", page)
                    with lock:
                        counts["pages" if status == 200 else "errors"] += 1
                        latencies["pages"].append((time.perf_counter() - began) * 1000)
        client.close()

    threads = [threading.Thread(target=poller) for _ in range(POLLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out: dict[str, Any] = {"screens": SCREENS, "period_s": PERIOD, **counts,
                           "late_polls": sum(1 for x in late if x > 0.5)}
    for kind, values in latencies.items():
        result = loadgen.Result(kind, latencies_ms=values)
        out[f"p50_{kind}_ms"], out[f"p95_{kind}_ms"] = (round(result.percentile(50), 2),
                                                      round(result.percentile(95), 2)) if values else (None, None)
    return out


def _phase(name: str, cpu: Callable[[], dict[str, float]], write: Callable[[], tuple[int, int, float]] | None,
           screens: Callable[[], dict[str, Any]] | None) -> dict[str, Any]:
    """Writers and/or screens at once; the CPU each part of the machine used per wall-clock second."""
    before, began = cpu(), time.perf_counter()
    polled: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: polled.update(screens())) if screens else None
    if thread:
        thread.start()
    created, errors, _ = write() if write else (0, 0, 0.0)
    if thread:
        thread.join()
    after, elapsed = cpu(), time.perf_counter() - began
    used = {k: round((after[k] - before[k]) / elapsed, 3) for k in before}
    out: dict[str, Any] = {"phase": name, "seconds": round(elapsed, 2), "decisions": created, "write_errors": errors,
                           "decisions_per_second": round(created / elapsed, 1), "cpu_per_second": used}
    if polled:
        out["polls"] = polled
    return out


def idle_304(port: int, cookie: str, path: str, requests: int = 400) -> dict[str, Any]:
    """The unchanged answer alone: one client, in sequence, on an otherwise idle server."""
    client = loadgen.Client(HOST, port, cookie=cookie)
    status, body, _ = client.request("GET", path)
    assert status == 200, (status, body)
    version = json.loads(body)["version"]
    result = loadgen.Result("304 idle")
    for _ in range(requests):
        began = time.perf_counter()
        status, _, _ = client.request("GET", path, headers={"If-None-Match": f'"{version}"'})
        result.count += 1
        if status == 304:
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
        else:
            result.errors += 1
    client.close()
    return result.summary()


def measure(port: int, cpu: Callable[[], dict[str, float]], *, token: str, cookie: str, quiet_incident: int,
            write_incident: int, make_body: Callable[[int, int], bytes]) -> dict[str, Any]:
    """The three phases and the idle 304 (see the module's docstring)."""
    def write() -> tuple[int, int, float]:
        return loadgen.run_writes(HOST, port, f"/api/v1/incidents/{write_incident}/decisions", make_body,
                                  clients=WRITERS, seconds=SECONDS, token=token)

    out: dict[str, Any] = {"screens": SCREENS, "writers": WRITERS, "goals": GOALS,
                           "idle_304": idle_304(port, cookie, f"/live/incidents/{quiet_incident}")}
    quiet = f"/live/incidents/{quiet_incident}"
    phases = [_phase("writers", cpu, write, None),
              _phase("screens alone (quiet incident)", cpu, None,
                     lambda: _screens(port, cookie, quiet, None, SECONDS)),
              _phase("writers + screens (quiet incident)", cpu, write,
                     lambda: _screens(port, cookie, quiet, None, SECONDS)),
              _phase("writers + screens (watching the writes)", cpu, write,
                     lambda: _screens(port, cookie, f"/live/incidents/{write_incident}",
                                      f"/incidents/{write_incident}", SECONDS))]
    out["phases"] = phases
    writers, alone, both = (p["cpu_per_second"]["app"] for p in phases[:3])
    # The app's CPU per 304, from the screens alone (nothing else asked the app meanwhile), and what 200 screens
    # polling every 3 s add to the app's CPU of the writers alone. The direct comparison (writers + screens
    # against writers) is kept too, but on a busy machine the writers' pace differs between the phases.
    out["app_ms_per_304"] = round(alone * phases[1]["seconds"] * 1000 / max(phases[1]["polls"]["304"], 1), 3)
    out["screens_added_cpu_pct"] = round(out["app_ms_per_304"] / 1000 * SCREENS / PERIOD / writers * 100, 1) \
        if writers else None
    out["screens_added_cpu_pct_direct"] = round((both - writers) / writers * 100, 1) if writers else None
    return out


def _decision_body(person: int, police_org: int) -> Callable[[int, int], bytes]:
    def make(index: int, n: int) -> bytes:
        return json.dumps({"staff": "LBS-S", "decided_at": datetime.now(UTC).isoformat(), "decided_by": person,
                           "owner": police_org, "type": "other", "title": f"Live {index}-{n}",
                           "decision": "Belastningstest.", "rationale": "Måling af skærme, der følger med."}).encode()
    return make


def run_on(label: str, url: str, *, seeded: bool = False) -> dict[str, Any]:
    """Everything on one database: migrate and seed the demo (unless ``seeded``), serve, measure."""
    from bench.run import Plain, Server, cpu_snapshot, flask, log

    if not seeded:
        log(f"live {label}: migrating and seeding the demo")
        flask(url, "db", "upgrade")
        flask(url, "lbs", "seed-demo")
    plain = Plain(url)
    quiet = int(plain.value("SELECT id FROM incidents ORDER BY id LIMIT 1"))
    person = int(plain.value("SELECT id FROM people WHERE name = 'Politidirektør'"))
    police_org = int(plain.value("SELECT id FROM organisations WHERE name LIKE ? ORDER BY id", ("%Politi",)))
    code = plain.value("SELECT code FROM municipalities ORDER BY code LIMIT 1")
    plain.close()
    token = flask(url, "lbs", "token", "politi").strip().splitlines()[-1]
    server = Server(url)
    try:
        cookie = loadgen.sign_in(HOST, server.port, "politi")
        client = loadgen.Client(HOST, server.port, token=token)
        status, body, _ = client.request("POST", "/api/v1/incidents", json.dumps({
            "title": "Live skrivetest", "kind": "other", "municipalities": [code],
            "started_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}).encode(),
            {"Content-Type": "application/json"})
        client.close()
        assert status == 201, body
        log(f"live {label}: {SCREENS} screens, {WRITERS} writers, {SECONDS}s per phase")
        return {"database": label, **measure(server.port, lambda: cpu_snapshot(server), token=token, cookie=cookie,
                                              quiet_incident=quiet, write_incident=json.loads(body)["id"],
                                              make_body=_decision_body(person, police_org))}
    finally:
        server.stop()


def main() -> None:
    from bench.run import machine, postgres_database

    results: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                               "databases": []}
    workdir = Path(tempfile.mkdtemp(prefix="lbs-bench-live-"))
    try:
        results["databases"].append(run_on("sqlite", f"sqlite:///{workdir / 'live.db'}"))
        server_url = os.environ.get("LBS_TEST_DATABASE_URL")
        if server_url:
            url, drop = postgres_database(server_url)
            try:
                results["databases"].append(run_on("postgresql", url))
            finally:
                drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = Path(__file__).resolve().parent / "results-live.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
