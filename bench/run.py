"""``make bench``: build a large database, serve it with gunicorn and measure (loopback only, bounded loops).

Per database (SQLite always; PostgreSQL when ``LBS_TEST_DATABASE_URL`` is set — a fresh database is created on
that server and dropped at the end):

1. p50/p95 of the pages and the API list of an incident with 5 000 decisions (``BENCH_SCALE=large``: 50 000),
   the staff roster as of a moment, the municipality dashboard, the review page (when ``review.incident`` exists),
   each next to a baseline: the same rows fetched with plain ``sqlite3``/``psycopg`` and ``json.dumps``;
2. decisions written per second by 8 concurrent API clients on one incident, then numbering and chain checked;
3. required consultations for one decision: demo graph (through the app's cache) and a synthetic national
   graph (98 municipalities, ~2 000 parties, ~20 000 rules) built in memory;
4. CSV/XLSX exports: time and peak memory (``VmHWM`` of a child process doing only that export, its high-water
   mark reset just before the export starts; see ``bench/memory.py``);
5. a 25 MB attachment uploaded and downloaded through the app: the peak memory of each (``bench/attachments.py``);
6. ``import-roster`` of 20 000 and 100 000 rows, and the longest a concurrent write waited (``bench/roster_import.py``);
7. review packs of 5 000 and 50 000 decisions built by the worker: time, peak memory, requests meanwhile
   (``bench/review_pack.py``).

Prints a table and writes ``bench/results.json`` (``BENCH_SCALE=large``: ``bench/results-large.json``).
"""

from __future__ import annotations

import copy
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import attachments, live, loadgen, mail, memory, review_pack, roster_import

ROOT = Path(__file__).resolve().parent.parent

PY = sys.executable
BIN = Path(PY).parent
SCALE = os.environ.get("BENCH_SCALE", "default")
DECISIONS = 1_000_000 if SCALE == "large" else 100_000
INCIDENTS = 20
READ_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "120"))
READ_CONCURRENCY = 2
WRITE_CLIENTS = 8
WRITE_SECONDS = float(os.environ.get("BENCH_WRITE_SECONDS", "6"))
SECRET = "bench-secret-key-not-for-production-0123456789"
ONLY = set(os.environ.get("BENCH_ONLY", "sqlite,postgresql").split(","))
TARGETS = {"p95_ms": 50.0, "api_ratio": 3.0, "writes_pg": 300.0, "writes_sqlite": 100.0,
           "consultation_ms": 5.0, "export_mb": 150.0, "attachment_mb": 8.0}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env_for(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LBS_RATELIMIT": "0", "PYTHONPATH": str(ROOT)})
    env.pop("LBS_TEST_DATABASE_URL", None)
    return env


def flask(url: str, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env_for(url),
                            capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# ---------------------------------------------------------------- plain SQL (the baseline and look-ups)


class Plain:
    """The same rows with the bare driver: the floor a framework cannot beat."""

    def __init__(self, url: str) -> None:
        self.kind = "sqlite" if url.startswith("sqlite") else "postgresql"
        if self.kind == "sqlite":
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "postgresql":
            sql = sql.replace("?", "%s")
        cursor = self.conn.execute(sql, params)
        return list(cursor.fetchall())

    def dicts(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        if self.kind == "postgresql":
            sql = sql.replace("?", "%s")
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def close(self) -> None:
        self.conn.close()


def _in(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


def baseline_api_list(db: Plain, incident_id: int, limit: int) -> bytes:
    decisions = db.dicts("SELECT * FROM decisions WHERE incident_id = ? AND number > 0 ORDER BY number LIMIT ?",
                         (incident_id, limit))
    ids = _in([d["id"] for d in decisions])
    costs: dict[int, list[dict[str, Any]]] = {}
    for row in db.dicts(f"SELECT * FROM cost_lines WHERE decision_id IN ({ids}) ORDER BY id"):
        costs.setdefault(row["decision_id"], []).append(row)
    consulted: dict[int, list[dict[str, Any]]] = {}
    for row in db.dicts(f"SELECT c.*, p.key, p.name FROM consultations c JOIN consultation_parties p "
                        f"ON p.id = c.party_id WHERE c.decision_id IN ({ids}) ORDER BY c.id"):
        consulted.setdefault(row["decision_id"], []).append(row)
    for d in decisions:
        d["costs"] = costs.get(d["id"], [])
        d["consultations"] = consulted.get(d["id"], [])
    return json.dumps(decisions, default=str).encode()


def baseline_incident_page(db: Plain, incident_id: int, page: int) -> bytes:
    incident = db.dicts("SELECT * FROM incidents WHERE id = ?", (incident_id,))
    rows = db.dicts("SELECT d.id, d.number, d.decided_at, d.title, d.urgent, d.amends_id, s.code FROM decisions d "
                    "JOIN staffs s ON s.id = d.staff_id WHERE d.incident_id = ? ORDER BY d.number LIMIT ?",
                    (incident_id, page))
    acts = db.dicts("SELECT * FROM activations WHERE incident_id = ?", (incident_id,))
    return json.dumps({"incident": incident, "rows": rows, "activations": acts}, default=str).encode()


def baseline_ledger(db: Plain, incident_id: int, page: int) -> bytes:
    rows = db.dicts("SELECT c.*, d.number, o.name FROM cost_lines c JOIN decisions d ON d.id = c.decision_id "
                    "JOIN organisations o ON o.id = c.bearer_id WHERE c.incident_id = ? ORDER BY d.number, c.id "
                    "LIMIT ?", (incident_id, page))
    totals = db.rows("SELECT bearer_id, category, count(*), sum(estimate_dkk) FROM cost_lines WHERE incident_id = ? "
                     "AND superseded_by_id IS NULL GROUP BY bearer_id, category", (incident_id,))
    return json.dumps({"rows": rows, "totals": totals}, default=str).encode()


def baseline_roster(db: Plain, staff_code: str, at: str) -> bytes:
    rows = db.dicts("SELECT p.*, a.person_id, a.rank, a.valid_from, a.valid_to, pe.name AS person FROM positions p "
                    "JOIN staffs s ON s.id = p.staff_id LEFT JOIN assignments a ON a.position_id = p.id "
                    "AND a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to > ?) "
                    "LEFT JOIN people pe ON pe.id = a.person_id WHERE s.code = ? ORDER BY p.id, a.rank",
                    (at, at, staff_code))
    return json.dumps(rows, default=str).encode()


def baseline_dashboard(db: Plain, organisation_id: int, page: int) -> bytes:
    rows = db.dicts("SELECT c.*, d.number, i.title FROM cost_lines c JOIN decisions d ON d.id = c.decision_id "
                    "JOIN incidents i ON i.id = c.incident_id WHERE c.bearer_id = ? AND c.status IN "
                    "('estimated', 'accepted', 'disputed', 'invoiced') AND c.superseded_by_id IS NULL "
                    "ORDER BY c.id LIMIT ?", (organisation_id, page))
    totals = db.rows("SELECT incident_id, category, count(*), sum(estimate_dkk) FROM cost_lines WHERE bearer_id = ? "
                     "AND superseded_by_id IS NULL GROUP BY incident_id, category", (organisation_id,))
    return json.dumps({"rows": rows, "totals": totals}, default=str).encode()


def baseline_review(db: Plain, incident_id: int, page: int) -> bytes:
    """The review page's rows: the incident, a page of decisions with their consultations, cost lines and the
    roster of the decision's staff as of its time, the stored key figures (``review_summary_cache``), the cost
    totals per bearer, the findings and the latest stored integrity check."""
    incident = db.dicts("SELECT * FROM incidents WHERE id = ?", (incident_id,))
    decisions = db.dicts("SELECT * FROM decisions WHERE incident_id = ? AND number > 0 ORDER BY number LIMIT ?",
                         (incident_id, page))
    ids = _in([d["id"] for d in decisions])
    children: dict[str, dict[int, list[dict[str, Any]]]] = {"costs": {}, "consultations": {}, "roster": {}}
    for key, sql in (
        ("costs", f"SELECT c.*, o.name FROM cost_lines c JOIN organisations o ON o.id = c.bearer_id "
                  f"WHERE c.decision_id IN ({ids}) ORDER BY c.id"),
        ("consultations", f"SELECT c.*, p.key, p.name FROM consultations c JOIN consultation_parties p "
                          f"ON p.id = c.party_id WHERE c.decision_id IN ({ids}) ORDER BY c.id"),
        ("roster", f"SELECT d.id AS decision_id, p.title, a.rank, pe.name FROM decisions d "
                   f"JOIN positions p ON p.staff_id = d.staff_id LEFT JOIN assignments a ON a.position_id = p.id "
                   f"AND a.valid_from <= d.decided_at AND (a.valid_to IS NULL OR a.valid_to > d.decided_at) "
                   f"LEFT JOIN people pe ON pe.id = a.person_id WHERE d.id IN ({ids}) ORDER BY d.id, p.id, a.rank"),
    ):
        for row in db.dicts(sql):
            children[key].setdefault(row["decision_id"], []).append(row)
    for d in decisions:
        for key, rows in children.items():
            d[key] = rows.get(d["id"], [])
    figures = db.dicts("SELECT * FROM review_summary_cache WHERE incident_id = ?", (incident_id,))
    totals = db.rows("SELECT bearer_id, category, count(*), sum(estimate_dkk), sum(actual_dkk) FROM cost_lines "
                     "WHERE incident_id = ? AND superseded_by_id IS NULL GROUP BY bearer_id, category",
                     (incident_id,))
    findings = db.dicts("SELECT * FROM review_findings WHERE incident_id = ? ORDER BY id", (incident_id,))
    check = db.dicts("SELECT * FROM review_integrity_checks WHERE incident_id = ? ORDER BY checked_at DESC LIMIT 1",
                     (incident_id,))
    return json.dumps({"incident": incident, "decisions": decisions, "figures": figures, "totals": totals,
                       "findings": findings, "check": check}, default=str).encode()


def time_baseline(fn: Any, *args: Any, repeat: int = 40) -> dict[str, float]:
    fn(*args)
    return _timed(lambda: fn(*args), repeat, digits=2)


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--timeout", "300",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env_for(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("gunicorn exited: " + (self.proc.stderr.read() or b"").decode()) from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pids(match: Any) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            if match(comm, int(rest[1])):
                found.append(int(entry.name))
    return found


def cpu_snapshot(server: Server) -> dict[str, float]:
    """CPU seconds so far of the gunicorn workers, the PostgreSQL server processes, this process (the load
    generator) and the whole machine (busy time from /proc/stat), to split a measured interval by who used it."""
    workers = _pids(lambda _comm, ppid: ppid == server.proc.pid)
    postgres = _pids(lambda comm, _ppid: comm.startswith("postgres"))
    busy = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return {"app": sum(_proc_cpu(p) for p in workers), "database": sum(_proc_cpu(p) for p in postgres),
            "load_generator": _proc_cpu(os.getpid()),
            "machine": (sum(busy) - busy[3] - busy[4]) / os.sysconf("SC_CLK_TCK")}


def cpu_split(before: dict[str, float], after: dict[str, float], elapsed: float, count: int) -> dict[str, Any]:
    used = {k: after[k] - before[k] for k in before}
    return {"cores_busy": round(used["machine"] / elapsed, 2),
            "ms_per_write": {k: round(v / max(count, 1) * 1000, 2) for k, v in used.items()}}


# ---------------------------------------------------------------- consultation graphs


def national_graph_timing() -> dict[str, Any]:
    """98 municipalities, ~2 000 parties, ~20 000 rules, built in memory with the pure graph module."""
    from lbs.consultation import graph as rulegraph
    from lbs.consultation.facts import CostFact, DecisionFacts
    from lbs.consultation.rule_schema import MUNICIPAL_ROLES, Context, MunicipalityData, PartyData, RuleData
    from lbs.consultation.rulebook import STANDARD_RULES

    rng = random.Random(8)
    valid_from = datetime(2020, 1, 1, tzinfo=UTC)
    municipalities = []
    parties = []
    kinds: dict[int, str] = {}
    for index in range(5):
        kinds[9000 + index] = "region"
        parties.append(PartyData(key=f"region{index}:amk", name=f"AMK {index}", role="representative",
                                 organisation_id=9100 + index, organisation_kind="region",
                                 organisation_parent_id=9000 + index))
        parties.append(PartyData(key=f"region{index}:kommunikation", name=f"Region {index} kommunikation",
                                 role="kommunikation", organisation_id=9000 + index, organisation_kind="region"))
    extra_roles = [f"fagleder{k}" for k in range(11)]
    for index in range(98):
        code = f"{100 + index}"
        org = 1000 + index
        fire = 5000 + index
        kinds[org] = "municipality"
        kinds[fire] = "fire_service"
        municipalities.append(MunicipalityData(
            code=code, name=f"Kommune {code}", organisation_id=org, region_organisation_id=9000 + index % 5,
            fire_service_id=fire, threshold_t1_dkk=Decimal(100_000), threshold_t2_dkk=Decimal(500_000),
            budget_dkk=Decimal(2_000_000_000)))
        for role in (*MUNICIPAL_ROLES, *extra_roles):
            parties.append(PartyData(key=f"{code}:{role}", name=f"{role} {code}", role=role, organisation_id=org,
                                     organisation_kind="municipality", municipality_code=code))
        parties.append(PartyData(key=f"{code}:beredskab", name=f"Beredskab {code}", role="representative",
                                 organisation_id=fire, organisation_kind="fire_service"))
    context = Context(parties=tuple(parties), municipalities=tuple(municipalities), organisation_kinds=kinds)
    rules: list[RuleData] = []
    for index, item in enumerate(STANDARD_RULES):
        rules.append(RuleData(id=index + 1, code=item["code"], version=1, name=item["name"],
                              condition=item["condition"], mode=item["mode"], timing=item["timing"],
                              valid_from=valid_from, source_role=item.get("source_role"),
                              target_role=item.get("target_role"), target_party_key=item.get("target_party_key")))
    types = ["evacuation", "shelter", "cordon", "warning", "resource_request", "assistance_request", "closure",
             "traffic", "communication", "stand_down", "other"]
    modes = ["inform", "consult", "approve"]
    all_roles = [*MUNICIPAL_ROLES, *extra_roles]
    number = 0
    while len(rules) < 20_000:
        number += 1
        municipality = municipalities[number % 98]
        roll = rng.random()
        if roll < 0.002:  # party-to-party chains between municipal roles (acyclic, as the rules check)
            source, target = sorted(rng.sample(range(len(all_roles)), 2))
            source, target = all_roles[source], all_roles[target]
            condition: dict[str, Any] = {"when": "party"}
            rule = RuleData(id=len(rules) + 1, code=f"N{number}", version=1, name=f"Kæde {number}",
                            condition=condition, mode="inform", timing="after", valid_from=valid_from,
                            source_role=source, target_role=target)
        elif roll < 0.2:  # a municipality's own cost bands
            low = rng.choice([None, "T1", "T2", "50000.00"])
            condition = {"when": "municipal_cost", "only_municipalities": [municipality.code],
                         **({"min": low} if low else {})}
            rule = RuleData(id=len(rules) + 1, code=f"N{number}", version=1, name=f"Udgift {number}",
                            condition=condition, mode=rng.choice(modes), timing="before", valid_from=valid_from,
                            target_role=rng.choice(all_roles))
        else:  # a municipality's own rules for some decision types and staffs
            condition = {"when": "decision", "types": rng.sample(types, 2),
                         "only_municipalities": [municipality.code]}
            if rng.random() < 0.5:
                condition["staff"] = rng.choice(["LBS-S", "LBS-O"])
            rule = RuleData(id=len(rules) + 1, code=f"N{number}", version=1, name=f"Lokal regel {number}",
                            condition=condition, mode=rng.choice(modes), timing="before", valid_from=valid_from,
                            target_role=rng.choice(all_roles))
        rules.append(rule)
    start = time.perf_counter()
    graph = rulegraph.build_graph(rules, context)
    build_ms = (time.perf_counter() - start) * 1000
    compiled = rulegraph.compile_rules(rules, datetime(2026, 11, 28, tzinfo=UTC))
    at = datetime(2026, 11, 28, 12, tzinfo=UTC)
    facts = DecisionFacts(at=at, staff="LBS-S", type="evacuation", owner_organisation_id=7,
                          municipalities=("100", "101", "150"),
                          costs=(CostFact(1000, "evacuation", Decimal(250_000)),
                                 CostFact(1050, "shelter", Decimal(800_000))),
                          conditions={"vulnerable": True})
    result = rulegraph.required(rules, facts, context, graph, {}, compiled=compiled)
    timing = _timed(lambda: rulegraph.required(rules, facts, context, graph, {}, compiled=compiled), 50)
    return {"parties": len(parties), "rules": len(rules), "municipalities": 98, "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(), "build_ms": round(build_ms, 1), "required": len(result), **timing}


def demo_graph_timing(url: str, incident_id: int, herning_org: int) -> dict[str, Any]:
    """One rich decision on the demo district's rules: an LBS-S evacuation of vulnerable citizens costing Herning
    300 000 kr. (evacuation) and 150 000 kr. (shelter). Timed twice: the computation itself on the cached graph
    (``graph.required``, no result cache: what a new decision's facts cost), and through the app's service as a
    request calls it (the rules-version check against the database, then the result cache)."""
    os.environ.update(env_for(url))
    from dataclasses import replace

    from sqlalchemy import select

    from lbs import create_app
    from lbs.consultation import graph as rulegraph
    from lbs.consultation.facts import CostFact
    from lbs.consultation.ruleset import current_ruleset
    from lbs.decisions import compliance
    from lbs.decisions.models import Decision
    from lbs.extensions import db

    app = create_app()
    with app.app_context():
        decision = db.session.scalars(select(Decision).where(Decision.incident_id == incident_id,
                                                             Decision.number == 2)).one()
        facts = replace(compliance.facts_of(decision), staff="LBS-S", type="evacuation", urgent=False,
                        costs=(CostFact(herning_org, "evacuation", Decimal(300_000)),
                               CostFact(herning_org, "shelter", Decimal(150_000))),
                        conditions={"vulnerable": True})
        result = compliance.required_consultations(facts=facts)
        ruleset = current_ruleset()
        compiled = ruleset.compiled_at(facts.at)
        graph = ruleset.graph_at(facts.at)
        totals = compliance.incident_municipal_totals(incident_id=incident_id, before=facts.at)

        def computed() -> None:
            rulegraph.required(compiled.in_force, facts, ruleset.context, graph, totals, compiled=compiled)

        def served() -> None:
            compliance.required_consultations(facts=facts)

        timings = {name: _timed(call, 200) for name, call in (("computed", computed), ("served", served))}
        db.session.rollback()
    return {"required": len(result), "parties": len(ruleset.context.parties), "rules": len(compiled.in_force),
            "p50_ms": timings["computed"]["p50_ms"], "p95_ms": timings["computed"]["p95_ms"],
            "served_p50_ms": timings["served"]["p50_ms"], "served_p95_ms": timings["served"]["p95_ms"]}


def _timed(call: Any, times: int, digits: int = 3) -> dict[str, float]:
    samples = []
    for _ in range(times):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), digits),
            "p95_ms": round(samples[round(0.95 * (times - 1))], digits)}


# ---------------------------------------------------------------- exports (child processes)


def export_child(kind: str, url: str, incident_ids: str) -> None:
    """Run one export to /dev/null and print time, rows and peak memory as JSON (run in its own process)."""
    os.environ.update(env_for(url))
    from lbs import create_app
    from lbs.costs import exports
    from lbs.extensions import db

    app = create_app()
    with app.app_context():
        db.session.execute(db.select(db.func.count()).select_from(db.metadata.tables["cost_lines"])).scalar()
        startup_peak_kb = memory.peak_kb()
        idle_kb = memory.resident_kb()
        reset = memory.reset_peak()
        start = time.perf_counter()
        size = 0
        rows = 0
        if kind == "costs_csv":
            for chunk in exports.csv_chunks([]):
                size += len(chunk.encode("utf-8"))
                rows += chunk.count("\r\n")
            rows -= 1
        elif kind == "costs_xlsx":
            handle = exports.write_xlsx([])
            size = handle.seek(0, 2)
            handle.close()
            rows = int(db.session.execute(db.select(db.func.count()).select_from(
                db.metadata.tables["cost_lines"])).scalar() or 0)
        elif kind == "decisions_csv":
            from lbs.decisions.export import decisions_csv_chunks
            from lbs.incidents.models import Incident

            for incident_id in incident_ids.split(","):
                incident = db.session.get(Incident, int(incident_id))
                assert incident is not None
                for chunk in decisions_csv_chunks(incident):
                    size += len(chunk)
                db.session.expunge_all()
            rows = int(db.session.execute(db.select(db.func.count()).select_from(
                db.metadata.tables["decisions"]).where(
                db.metadata.tables["decisions"].c.incident_id.in_([int(i) for i in incident_ids.split(",")])
            )).scalar() or 0)
        seconds = time.perf_counter() - start
        peak_kb = memory.peak_kb() if reset else max(memory.peak_kb(), startup_peak_kb)
    print(json.dumps({"kind": kind, "rows": rows, "bytes": size, "seconds": round(seconds, 2),
                      "peak_mb": round(peak_kb / 1024, 1), "idle_mb": round(idle_kb / 1024, 1),
                      "startup_peak_mb": round(startup_peak_kb / 1024, 1), "peak_reset": reset,
                      "growth_mb": round((peak_kb - idle_kb) / 1024, 1)}))


def run_export(kind: str, url: str, incident_ids: list[int]) -> dict[str, Any]:
    result = subprocess.run([PY, "-m", "bench.run", "--export-child", kind, url, ",".join(map(str, incident_ids))],
                            cwd=ROOT, env=env_for(url), capture_output=True, text=True, timeout=1800, check=False)
    if result.returncode != 0:
        return {"kind": kind, "error": result.stderr[-2000:]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- one database


def bench_database(label: str, url: str) -> dict[str, Any]:
    out: dict[str, Any] = {"database": label}
    log(f"{label}: migrating and seeding {DECISIONS} decisions over {INCIDENTS} incidents")
    start = time.perf_counter()
    flask(url, "db", "upgrade")
    flask(url, "lbs", "seed-demo", "--decisions", str(DECISIONS), "--incidents", str(INCIDENTS))
    out["seed_seconds"] = round(time.perf_counter() - start, 1)
    plain = Plain(url)
    big = plain.rows("SELECT incident_id, count(*) FROM decisions GROUP BY incident_id ORDER BY 2 DESC, 1 LIMIT 1")[0]
    incident_id, per_incident = int(big[0]), int(big[1])
    synthetic = [int(r[0]) for r in plain.rows("SELECT id FROM incidents WHERE title LIKE ? ORDER BY id",
                                               ("Syntetisk%",))]
    herning_org = int(plain.value("SELECT organisation_id FROM municipalities WHERE name = 'Herning'"))
    middle_decision = int(plain.value("SELECT id FROM decisions WHERE incident_id = ? AND number = ?",
                                      (incident_id, per_incident // 2)))
    out["incident"] = {"id": incident_id, "decisions": per_incident}
    police_token = flask(url, "lbs", "token", "politi").strip().splitlines()[-1]

    os.environ.update(env_for(url))
    from lbs import create_app

    app = create_app()
    at_local = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    at_sql = (datetime.now(UTC) - timedelta(days=1)).isoformat(sep=" ")
    with app.test_request_context():
        from flask import url_for

        pages = [
            ("incident page (first page)", url_for("incidents.show", incident_id=incident_id), "politi"),
            ("incident page (last page)", url_for("incidents.show", incident_id=incident_id,
                                                  after=max(0, per_incident - 50)), "politi"),
            ("incident cost ledger", url_for("costs.ledger", incident_id=incident_id), "politi"),
            ("API list limit=1000", f"/api/v1/incidents/{incident_id}/decisions?limit=1000", None),
            ("staff roster as of", url_for("staffs.show", code="LBS-S", at=at_local), "politi"),
            ("municipality dashboard (herning)", url_for("costs.index"), "herning"),
            ("cost overview (police)", url_for("costs.index"), "politi"),
            ("one decision", url_for("decisions.show", decision_id=middle_decision), "politi"),
            ("log-a-decision form", url_for("decisions.new", incident_id=incident_id), "politi"),
            ("consultation compliance", url_for("compliance.page", incident_id=incident_id), "politi"),
            ("consultation compliance, gaps only", url_for("compliance.page", incident_id=incident_id,
                                                           gaps=1), "politi"),
            ("review search", url_for("review.index"), "politi"),
        ]
        if "review.incident" in app.view_functions:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "review.incident")
            args = {name: incident_id for name in rule.arguments}
            pages.append(("review page", url_for("review.incident", **args), "politi"))
        else:
            pages.append(("review page", None, "politi"))
    baselines = {
        "incident page (first page)": lambda: time_baseline(baseline_incident_page, plain, incident_id, 50),
        "incident page (last page)": lambda: time_baseline(baseline_incident_page, plain, incident_id, 50),
        "incident cost ledger": lambda: time_baseline(baseline_ledger, plain, incident_id, 100),
        "API list limit=1000": lambda: time_baseline(baseline_api_list, plain, incident_id, 1000),
        "staff roster as of": lambda: time_baseline(baseline_roster, plain, "LBS-S", at_sql),
        "municipality dashboard (herning)": lambda: time_baseline(baseline_dashboard, plain, herning_org, 100),
        "review page": lambda: time_baseline(baseline_review, plain, incident_id, 25),
    }

    server = Server(url)
    try:
        cookies = {name: loadgen.sign_in("127.0.0.1", server.port, name) for name in ("politi", "herning")}
        reads = []
        for name, path, user in pages:
            if path is None:
                reads.append({"name": name, "skipped": "review.incident does not exist on this branch"})
                continue
            log(f"{label}: reads {name} {path}")
            token = police_token if user is None else None
            result = loadgen.run_reads(name, "127.0.0.1", server.port, path, requests=READ_REQUESTS,
                                       concurrency=READ_CONCURRENCY, token=token,
                                       cookie=None if user is None else cookies[user]).summary()
            result["path"] = path
            if name in baselines:
                base = baselines[name]()
                result["baseline_p50_ms"] = base["p50_ms"]
                result["baseline_p95_ms"] = base["p95_ms"]
                result["ratio_p50"] = round(result["p50_ms"] / base["p50_ms"], 1) if base["p50_ms"] else None
            reads.append(result)
        out["reads"] = reads

        log(f"{label}: writes, {WRITE_CLIENTS} clients for {WRITE_SECONDS}s")
        client = loadgen.Client("127.0.0.1", server.port, token=police_token)
        code = plain.value("SELECT code FROM municipalities ORDER BY code LIMIT 1")
        status, body, _ = client.request("POST", "/api/v1/incidents", json.dumps({
            "title": "Bench skrivetest", "kind": "other", "started_at": (datetime.now(UTC) - timedelta(hours=1))
            .isoformat(), "municipalities": [code]}).encode(), {"Content-Type": "application/json"})
        assert status == 201, body
        write_incident = json.loads(body)["id"]
        person = int(plain.value("SELECT id FROM people WHERE name = 'Politidirektør'"))
        police_org = int(plain.value("SELECT id FROM organisations WHERE name LIKE ? ORDER BY id", ("%Politi",)))

        def make_body(index: int, n: int) -> bytes:
            return json.dumps({
                "staff": "LBS-S", "decided_at": datetime.now(UTC).isoformat(), "decided_by": person,
                "owner": police_org, "type": "other", "title": f"Bench {index}-{n}",
                "decision": "Belastningstest.", "rationale": "Måling af skrivehastighed."}).encode()

        cpu_before = cpu_snapshot(server)
        created, errors, elapsed = loadgen.run_writes("127.0.0.1", server.port,
                                                      f"/api/v1/incidents/{write_incident}/decisions", make_body,
                                                      clients=WRITE_CLIENTS, seconds=WRITE_SECONDS, token=police_token)
        cpu = cpu_split(cpu_before, cpu_snapshot(server), elapsed, created)
        status, body, _ = client.request("GET", f"/api/v1/incidents/{write_incident}/verify")
        verify = json.loads(body)
        numbers = [r[0] for r in plain.rows("SELECT number FROM decisions WHERE incident_id = ? ORDER BY number",
                                            (write_incident,))]
        client.close()
        out["writes"] = {"clients": WRITE_CLIENTS, "seconds": round(elapsed, 2), "created": created,
                         "errors": errors, "per_second": round(created / elapsed, 1),
                         "gapless": numbers == list(range(1, len(numbers) + 1)) and len(numbers) == created,
                         "chain_ok": bool(verify.get("ok")), "checked": verify.get("checked"), "cpu": cpu}
        log(f"{label}: live updates, {live.SCREENS} screens polling while {live.WRITERS} writers log")
        out["live"] = live.measure(server.port, lambda: cpu_snapshot(server), token=police_token,
                                   cookie=cookies["politi"], quiet_incident=incident_id,
                                   write_incident=write_incident, make_body=make_body)
    finally:
        server.stop()

    log(f"{label}: consultation on the demo graph")
    out["consultation_demo"] = demo_graph_timing(url, incident_id, herning_org)
    log(f"{label}: exports")
    out["exports"] = [run_export("costs_csv", url, []), run_export("costs_xlsx", url, []),
                      run_export("decisions_csv", url, synthetic)]
    log(f"{label}: a 25 MB attachment up and down")
    out["attachments"] = attachments.run(url)
    plain.close()
    return out


# ---------------------------------------------------------------- report


def speed_probe() -> float:
    """Milliseconds for a fixed piece of pure-Python work (a loop and a ``json.dumps``), the best of five: the
    machine's speed at the moment, so that runs on a faster or slower phase of a virtual machine can be compared
    (the plain-SQL baselines show the same, per page)."""
    payload = [{"id": i, "title": f"Beslutning {i}", "amount": str(i * 1.5), "tags": ["a", "b"]} for i in range(2000)]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        for _ in range(10):
            json.dumps(payload)
        best = min(best, (time.perf_counter() - start) * 1000)
    return round(best, 1)


def machine() -> dict[str, Any]:
    mem_kb = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    info: dict[str, Any] = {"nproc": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
                            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                            "platform": platform.platform(), "loadavg_start": [round(x, 2) for x in os.getloadavg()],
                            "speed_probe_ms_start": speed_probe()}
    return info


def fmt(value: Any) -> str:
    return "–" if value is None else str(value)


def table(results: dict[str, Any]) -> str:
    lines = ["| database | measurement | p50 ms | p95 ms | baseline p50 ms | ratio | target |",
             "|---|---|---:|---:|---:|---:|---|"]
    for db_result in results["databases"]:
        label = db_result["database"]
        for read in db_result.get("reads", []):
            if "skipped" in read:
                lines.append(f"| {label} | {read['name']} | – | – | – | – | not measured: {read['skipped']} |")
                continue
            target = f"p95 < {TARGETS['p95_ms']:.0f}" + (f", ≤ {TARGETS['api_ratio']:.0f}× baseline"
                                                        if read["name"].startswith("API") else "")
            ok = read["p95_ms"] < TARGETS["p95_ms"] and (
                not read["name"].startswith("API") or (read.get("ratio_p50") or 99) <= TARGETS["api_ratio"])
            lines.append(f"| {label} | {read['name']} | {read['p50_ms']} | {read['p95_ms']} | "
                         f"{fmt(read.get('baseline_p50_ms'))} | {fmt(read.get('ratio_p50'))} | "
                         f"{target} {'✓' if ok else '✗'} |")
        w = db_result.get("writes")
        if w:
            goal = TARGETS["writes_pg"] if label == "postgresql" else TARGETS["writes_sqlite"]
            lines.append(f"| {label} | writes, {w['clients']} clients: **{w['per_second']}/s** ({w['created']} in "
                         f"{w['seconds']} s, {w['errors']} errors, gapless {w['gapless']}, chain ok "
                         f"{w['chain_ok']}) | | | | | ≥ {goal:.0f}/s {'✓' if w['per_second'] >= goal else '✗'} |")
            if "cpu" in w:
                per = w["cpu"]["ms_per_write"]
                lines.append(f"| {label} | CPU during the writes: {w['cpu']['cores_busy']} of {os.cpu_count()} cores "
                             f"busy; per write {per['app']} ms in the app's workers, {per['database']} ms in "
                             f"PostgreSQL, {per['load_generator']} ms in the load generator, {per['machine']} ms "
                             f"in all | | | | | |")
        c = db_result.get("consultation_demo")
        if c:
            lines.append(f"| {label} | required consultations, demo graph ({c.get('rules', '?')} rules, "
                         f"{c.get('parties', '?')} parties; {c['required']} required), computed | {c['p50_ms']} | "
                         f"{c['p95_ms']} | | | < 5 {'✓' if c['p95_ms'] < 5 else '✗'} |")
            if "served_p50_ms" in c:
                lines.append(f"| {label} | the same through the app's service (rules version read, result cached) "
                             f"| {c['served_p50_ms']} | {c['served_p95_ms']} | | | |")
        for e in db_result.get("exports", []):
            if "error" in e:
                lines.append(f"| {label} | export {e['kind']} | | | | | FAILED |")
                continue
            ok = e["peak_mb"] < TARGETS["export_mb"]
            lines.append(f"| {label} | export {e['kind']}: {e['rows']} rows, {e['bytes'] // 1024} KiB in "
                         f"{e['seconds']} s, peak RSS {e['peak_mb']} MB (idle app {e.get('idle_mb', '?')} MB, "
                         f"+{e['growth_mb']} MB) "
                         f"| | | | | peak < 150 MB {'✓' if ok else '✗'} |")
        lines += attachment_lines(label, db_result.get("attachments"))
    n = results["national_graph"]
    lines.append(f"| – | required consultations, national graph ({n['municipalities']} municipalities, "
                 f"{n['parties']} parties, {n['rules']} rules, {n['edges']} edges, built in {n['build_ms']} ms; "
                 f"{n['required']} parties required) | {n['p50_ms']} | {n['p95_ms']} | | | < 5 "
                 f"{'✓' if n['p95_ms'] < 5 else '✗'} |")
    if "mail" in results:
        m = results["mail"]
        lines.append(f"| sqlite | mail: write → accepted by SMTP, {m['notifications']} notifications, 1 worker "
                     f"| {m['p50_ms']} | {m['p95_ms']} | | | < 2000 {'✓' if m['met'] else '✗'} |")
    return "\n".join(lines)


def attachment_lines(label: str, a: dict[str, Any] | None) -> list[str]:
    """The table rows of the 25 MB attachment's upload and download (``bench/attachments.py``)."""
    if not a:
        return []
    if "error" in a:
        return [f"| {label} | attachment of 25 MB up and down | | | | | FAILED |"]
    rows = []
    for way in ("upload", "download"):
        m = a[way]
        ok = m["python_peak_mb"] < TARGETS["attachment_mb"]
        rows.append(f"| {label} | attachment {way}, {a['bytes'] // (1024 * 1024)} MB in {m['seconds']} s: peak "
                    f"{m['python_peak_mb']} MB of Python allocations, resident +{fmt(m['rss_growth_mb'])} MB "
                    f"| | | | | < {TARGETS['attachment_mb']:.0f} MB {'✓' if ok else '✗'} |")
    return rows


def postgres_database(server_url: str) -> tuple[str, Any]:
    import psycopg

    parts = urlsplit(server_url.replace("postgresql+psycopg://", "postgresql://"))
    name = f"lbs_bench_{os.getpid()}_{int(time.time())}"
    admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(scheme="postgresql+psycopg", path=f"/{name}"))

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return url, drop


def main() -> None:
    results: dict[str, Any] = {"scale": SCALE, "decisions": DECISIONS, "incidents": INCIDENTS,
                               "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                               "targets": TARGETS, "databases": []}
    workdir = Path(tempfile.mkdtemp(prefix="lbs-bench-"))
    try:
        log("national consultation graph")
        results["national_graph"] = national_graph_timing()
        log("mail latency: write → mail accepted, one worker")
        results["mail"] = mail.measure(workdir)
        if "sqlite" in ONLY:
            log("import-roster: 20 000 and 100 000 rows, a concurrent writer's longest wait")
            results["roster_import"] = roster_import.measure(workdir)
            log("review packs built by the worker: 5 000 and 50 000 decisions, peak memory, requests meanwhile")
            results["review_pack"] = review_pack.measure(workdir)
            results["databases"].append(bench_database("sqlite", f"sqlite:///{workdir / 'bench.db'}"))
        server_url = os.environ.get("LBS_TEST_DATABASE_URL")
        if server_url and "postgresql" in ONLY:
            url, drop = postgres_database(server_url)
            try:
                import psycopg

                with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                    results["machine"]["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
                results["databases"].append(bench_database("postgresql", url))
            finally:
                drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["machine"]["speed_probe_ms_end"] = speed_probe()
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if {"sqlite", "postgresql"} != ONLY:  # a partial run: keep it apart, ``--merge`` combines them
        name = "results-" + (f"{SCALE}-" if SCALE != "default" else "") + "-".join(sorted(ONLY)) + ".json"
        (ROOT / "bench" / name).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        log(f"wrote bench/{name}")
        return
    report(results)


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Partial runs (``BENCH_ONLY=sqlite`` / ``BENCH_ONLY=postgresql``) as one: their databases together, the
    earliest start and latest end, and under ``parts`` each run's own times and machine (its speed probe above
    all: the runs may be hours apart, on a faster or slower phase of the machine)."""
    results = copy.deepcopy(parts[0])
    results["parts"] = [{"databases": [d["database"] for d in part["databases"]], "started_at": part["started_at"],
                         "finished_at": part["finished_at"], "machine": part["machine"]} for part in parts]
    for part in parts[1:]:
        results["databases"] += part["databases"]
        for key, value in part["machine"].items():
            if key == "loadavg_start":
                results["machine"][key] = min(results["machine"][key], value, key=lambda v: v[0])
            elif key == "loadavg_end":
                results["machine"][key] = max(results["machine"][key], value, key=lambda v: v[0])
            else:
                results["machine"].setdefault(key, value)
        results["started_at"] = min(results["started_at"], part["started_at"])
        results["finished_at"] = max(results["finished_at"], part["finished_at"])
    return results


def merge(paths: list[str]) -> None:
    """Report partial runs, read from ``paths``, as one."""
    report(merged([json.loads(Path(p).read_text()) for p in paths]))


def report(results: dict[str, Any]) -> None:
    text = table(results)
    results["table"] = text
    name = "results.json" if results.get("scale", "default") == "default" else f"results-{results['scale']}.json"
    (ROOT / "bench" / name).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    m = results["machine"]
    print()
    print(f"Machine: {m['nproc']} CPUs, {m['ram_gb']} GB RAM, Python {m['python']}, SQLite {m['sqlite']}"
          + (f", PostgreSQL {m['postgresql']}" if "postgresql" in m else "")
          + f"; load average {m['loadavg_start']} at start, {m['loadavg_end']} at end"
          + (f"; speed probe {m['speed_probe_ms_start']} ms at start, {m.get('speed_probe_ms_end')} ms at end "
             "(lower is faster)" if "speed_probe_ms_start" in m and "parts" not in results else ""))
    for part in results.get("parts", []):
        pm = part["machine"]
        print(f"  {', '.join(part['databases'])}: {part['started_at']} – {part['finished_at']}, speed probe "
              f"{pm.get('speed_probe_ms_start')} ms at start, {pm.get('speed_probe_ms_end')} ms at end")
    print(text)
    print(f"\nwrote bench/{name}")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--merge":
        merge(sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "--export-child":
        export_child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    else:
        main()
