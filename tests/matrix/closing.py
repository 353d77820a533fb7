"""Closing and reopening an incident: the confirmation pages and the reopening, HTML and API × role.
(``POST /incidents/<id>/close`` and its API twin are in :mod:`tests.matrix.decisions`.)"""

from __future__ import annotations

from tests.matrix import WRITERS, Case
from tests.matrix.decisions import API, inc

CASES = [
    Case("GET", inc("/close"), WRITERS, rule="/incidents/<id>/close"),
    Case("GET", inc("/reopen"), WRITERS, rule="/incidents/<id>/reopen"),
    Case("POST", inc("/reopen"), WRITERS, rule="/incidents/<id>/reopen"),
    Case("POST", inc("/reopen", API), WRITERS, rule=f"{API}/incidents/<id>/reopen"),
]
