"""A process's own peak memory, for the bench's export children (Linux ``/proc``).

``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is not that: Linux keeps the larger of the process's own peak and the
peak of the memory it replaced at ``exec``, so a child started by a 135 MB bench process reports at least 135 MB
whatever it does (every export once "peaked" at exactly the bench's own size). ``VmHWM`` in ``/proc/self/status``
is the high-water mark of the process's current memory only, and writing ``5`` to ``/proc/self/clear_refs`` resets
it to the resident size of the moment, so the peak of one piece of work can be read on its own.
"""

from __future__ import annotations

from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in {STATUS}")


def resident_kb() -> int:
    """Resident set size now (``VmRSS``)."""
    return _status_kb("VmRSS")


def peak_kb() -> int:
    """The highest resident set size since the process started or since ``reset_peak`` (``VmHWM``)."""
    return _status_kb("VmHWM")


def reset_peak() -> bool:
    """Start the high-water mark again from the resident size now; False where the kernel does not allow it."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True
