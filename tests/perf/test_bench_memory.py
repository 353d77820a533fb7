"""The bench's export memory reading: a child's own peak, not the memory of the process that started it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import memory

ROOT = Path(__file__).resolve().parents[2]

MB = 1024 * 1024


def test_a_child_started_by_a_large_process_reads_its_own_peak() -> None:
    ballast = b"\x01" * (300 * MB)  # touched pages: resident in this process when the child is started
    probe = ("import json, resource; from bench import memory; "
             "print(json.dumps({'peak_kb': memory.peak_kb(), "
             "'ru_maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))")
    child = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                                      check=True).stdout)
    assert len(ballast) == 300 * MB
    # ru_maxrss carries the starting process's 300 MB over exec; the high-water mark is the child's own.
    assert child["ru_maxrss_kb"] * 1024 >= 300 * MB
    assert child["peak_kb"] * 1024 < 100 * MB


def test_the_peak_after_a_reset_is_the_work_done_since() -> None:
    assert memory.reset_peak()
    before = memory.peak_kb()
    assert before <= memory.resident_kb() + 1024
    work = b"\x01" * (64 * MB)
    grown = memory.peak_kb()
    del work
    assert grown - before >= 60 * 1024
    assert memory.reset_peak()
    assert memory.peak_kb() < grown - 32 * 1024
