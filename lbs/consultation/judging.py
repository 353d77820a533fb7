"""How a required consultation is judged against the consultations made (pure).

Forms are ordered ``inform`` < ``consult`` < ``approve``. A requirement is judged over *all* the decision's
consultations with its party (those logged with the decision and those appended later):

- ``met``: a consultation of at least the required form; for ``approve`` with the outcome ``agreed`` or
  ``agreed_with_reservation``, for ``consult`` any outcome but ``no_answer``, for ``inform`` any outcome;
- ``objected``: ``approve`` required and the party objected;
- ``no_answer``: asked in at least the required form and no answer;
- ``insufficient_form``: only consultations of a lesser form;
- ``missing``: none.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lbs.consultation.facts import Requirement


class Status(enum.StrEnum):
    MET = "met"
    OBJECTED = "objected"
    NO_ANSWER = "no_answer"
    INSUFFICIENT_FORM = "insufficient_form"
    MISSING = "missing"


RANK = {"inform": 0, "consult": 1, "approve": 2}
AGREED = frozenset({"agreed", "agreed_with_reservation"})


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def judge(required_mode: Any, consultations: Iterable[tuple[Any, Any]]) -> Status:
    """The status of a requirement of ``required_mode`` given the ``(mode, outcome)`` of every consultation with
    its party (enums or their text)."""
    required = _text(required_mode)
    found = {Status.MISSING}
    for mode, outcome in consultations:
        mode, outcome = _text(mode), _text(outcome)
        if RANK[mode] < RANK[required]:
            found.add(Status.INSUFFICIENT_FORM)
        elif required == "approve" and outcome == "objected":
            found.add(Status.OBJECTED)
        elif outcome == "no_answer" and required != "inform":
            found.add(Status.NO_ANSWER)
        elif required != "approve" or outcome in AGREED:
            return Status.MET
    # The strongest finding stands: an objection over silence, silence over a lesser form, anything over none.
    for status in (Status.OBJECTED, Status.NO_ANSWER, Status.INSUFFICIENT_FORM):
        if status in found:
            return status
    return Status.MISSING


def judge_all(required: Iterable[Mapping[str, Any]],
              consultations: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each required consultation (a dict with ``party`` and ``mode``: a stored requirement record or its API
    shape) copied with its ``status``, judged over the consultations (dicts with ``party``, ``mode``,
    ``outcome``)."""
    by_party: dict[str, list[tuple[Any, Any]]] = {}
    for item in consultations:
        by_party.setdefault(item["party"], []).append((item["mode"], item["outcome"]))
    return [{**record, "status": judge(record["mode"], by_party.get(record["party"], ())).value}
            for record in required]


def unmet(judged: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The judged requirements that are not met (the decision's ``missing_consultations``)."""
    return [dict(item) for item in judged if item["status"] != Status.MET]


@dataclass(frozen=True)
class Judged:
    """A required consultation with its status."""

    requirement: Requirement
    status: Status

    @property
    def met(self) -> bool:
        return self.status is Status.MET

    def as_json(self) -> dict[str, Any]:
        return {**self.requirement.as_json(), "status": self.status.value}


def judge_requirements(required: Iterable[Requirement],
                       consultations: Iterable[tuple[str, Any, Any]]) -> list[Judged]:
    """Each requirement judged over the ``(party key, mode, outcome)`` of the decision's consultations."""
    by_party: dict[str, list[tuple[Any, Any]]] = {}
    for party, mode, outcome in consultations:
        by_party.setdefault(party, []).append((mode, outcome))
    return [Judged(r, judge(r.mode, by_party.get(r.party_key, ()))) for r in required]
