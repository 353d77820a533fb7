"""The versions pages poll (blueprint ``live``) × role: whoever may read the page may read its version."""

from __future__ import annotations

from tests.matrix import ALL, Case
from tests.matrix.decisions import inc
from tests.matrix.hearing_web import prop


def _live(path: object) -> object:
    return lambda: "/live" + path()  # type: ignore[operator]


CASES = [
    Case("GET", inc(prefix="/live"), ALL, rule="/live/incidents/<id>"),
    Case("GET", _live(prop()), ALL, rule="/live/proposals/<id>"),
    Case("GET", "/live/requests", ALL),
    Case("GET", "/live/waiting", ALL),
    Case("GET", "/live/notifications", ALL),
]
