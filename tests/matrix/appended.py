"""Consultations appended to a logged decision: the API route and the decision page's form × role."""

from __future__ import annotations

from tests.matrix import WRITERS, Case
from tests.matrix.decisions import API, dec

CASES = [
    Case("POST", dec("/consultations", API), WRITERS, rule=f"{API}/decisions/<id>/consultations"),
]
CASES.append(Case("POST", dec("/consultations"), WRITERS, rule="/decisions/<id>/consultations"))
