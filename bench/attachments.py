"""The memory an upload and a download of a 25 MB attachment take in a worker (issue 25: "a few MB").

Run in a child process of its own over a migrated, seeded database (``make bench`` runs it per database, after
the exports; ``python -m bench.attachments [EMPTY_DATABASE_URL]`` migrates and seeds an empty database, by
default a fresh SQLite one, and runs it alone). The
request goes through the whole app (WSGI, authentication, the form parser, the service, the database) with
Werkzeug's test client, the multipart body read from a file the way a server hands it over (``wsgi.input``) so
the body itself is not counted, and the download's body consumed a chunk at a time as a server sends it.

Two readings per direction:

- ``python_peak_mb``: the peak of the Python allocations made during the request (``tracemalloc``), above what
  was allocated before it: what the app holds of the file at once;
- ``rss_growth_mb``: the process's resident high-water mark above its size before the request
  (``bench/memory.py``): that and what the database driver and SQLite or libpq hold outside Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bench import memory

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
BOUNDARY = "lbs-bench-boundary-25mb"


def write_body(handle: IO[bytes], size: int) -> int:
    """The multipart body of one PDF of ``size`` bytes, written to ``handle`` a megabyte at a time."""
    start = handle.tell()
    handle.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="vurdering.pdf"\r\n'
                 "Content-Type: application/pdf\r\n\r\n".encode())
    handle.write(b"%PDF-1.4\n")
    remaining = size - len(b"%PDF-1.4\n") - len(b"\n%%EOF\n")
    line = b"%" + b"x" * 1022 + b"\n"
    while remaining >= len(line):
        handle.write(line)
        remaining -= len(line)
    handle.write(b"%" * remaining)
    handle.write(b"\n%%EOF\n")
    handle.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return handle.tell() - start


def _decision(client: Any, headers: dict[str, str]) -> int:
    from sqlalchemy import select

    from lbs.extensions import db
    from lbs.organisations.models import Municipality, Organisation
    from lbs.staffs.models import Person

    code = db.session.scalars(select(Municipality.code).order_by(Municipality.code)).first()
    person = db.session.scalars(select(Person.id).order_by(Person.id)).first()
    owner = db.session.scalars(select(Organisation.id).where(Organisation.name.like("%Politi")).order_by(
        Organisation.id)).first()
    now = datetime.now(UTC)
    incident = client.post("/api/v1/incidents", headers=headers, json={
        "title": "Bench bilag", "kind": "other", "started_at": (now - timedelta(hours=1)).isoformat(),
        "municipalities": [code]})
    assert incident.status_code == 201, incident.get_data(as_text=True)
    decision = client.post(f"/api/v1/incidents/{incident.get_json()['id']}/decisions", headers=headers, json={
        "staff": "LBS-S", "decided_at": (now - timedelta(minutes=1)).isoformat(), "decided_by": person,
        "owner": owner, "type": "other", "title": "Bench bilag", "decision": "Måling.", "rationale": "Måling."})
    assert decision.status_code == 201, decision.get_data(as_text=True)
    return int(decision.get_json()["id"])


def _measured(work: Any) -> tuple[Any, dict[str, float]]:
    """Run ``work()`` and read its peaks: Python allocations above the start (tracemalloc) and resident size."""
    import gc

    gc.collect()
    reset = memory.reset_peak()
    before_kb = memory.resident_kb()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = (memory.peak_kb() - before_kb) / 1024 if reset else None
    return result, {"seconds": round(seconds, 2), "python_peak_mb": round((peak - base) / MB, 2),
                    "rss_growth_mb": round(rss_growth, 1) if rss_growth is not None else None}


def child(url: str) -> dict[str, Any]:
    """Upload and download one attachment of just under 25 MB through the app; the readings."""
    os.environ.update({"DATABASE_URL": url})
    from lbs import create_app
    from lbs.auth import services
    from lbs.decisions.attachments import MAX_BYTES
    from lbs.extensions import db

    app = create_app()
    size = MAX_BYTES - 64 * 1024
    with app.app_context():
        token = services.issue_token(username="politi")
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        decision_id = _decision(client, headers)
        with tempfile.TemporaryFile() as body:
            length = write_body(body, size)
            body.seek(0)

            def upload() -> Any:
                return client.post(f"/api/v1/decisions/{decision_id}/attachments", headers=headers,
                                   input_stream=body, content_length=length,
                                   content_type=f"multipart/form-data; boundary={BOUNDARY}")

            response, up = _measured(upload)
        assert response.status_code == 201, response.get_data(as_text=True)[:500]
        created = response.get_json()
        db.session.remove()

        def download() -> tuple[int, str]:
            got = client.get(f"/api/v1/attachments/{created['id']}", headers=headers, buffered=False)
            digest, total = hashlib.sha256(), 0
            for chunk in got.response:
                digest.update(chunk)
                total += len(chunk)
            got.close()
            return total, digest.hexdigest()

        (total, sha256), down = _measured(download)
    assert total == created["size"] == size and sha256 == created["sha256"], (total, sha256, created)
    return {"bytes": size, "upload": up, "download": down}


def run(url: str) -> dict[str, Any]:
    """:func:`child` in a process of its own (its peaks are its own)."""
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
    env["LBS_RATELIMIT"] = "0"
    env.pop("LBS_TEST_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "bench.attachments", "--child", url], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        return {"error": result.stderr[-2000:]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def prepare(url: str) -> str:
    """Migrate and seed the (empty) database at ``url``."""
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT),
               SECRET_KEY="bench-secret-key-not-for-production-0123456789")
    env.pop("LBS_TEST_DATABASE_URL", None)
    flask = str(Path(sys.executable).parent / "flask")
    for args in (("db", "upgrade"), ("lbs", "seed-demo")):
        subprocess.run([flask, "--app", "wsgi", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=600)
    return url


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        return
    with tempfile.TemporaryDirectory() as workdir:
        url = prepare(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(workdir) / 'attachments.db'}")
        print(json.dumps(run(url), indent=2))


if __name__ == "__main__":
    main()
