"""The review's account of the hearings held through LBS Register: every consultation request with its answer
and how long the answer took, the requests still unanswered (overdue marked), and the key figures."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lbs.decisions import heard
from lbs.decisions.heard import HeardRequest

CSV_HEADER = ["id", "decision_number", "proposal_id", "proposal_title", "party", "party_name", "mode", "status",
              "requested_at", "requested_by", "respond_by", "answered_at", "minutes_to_answer", "outcome",
              "comment", "answered_by", "overdue", "withdrawn_at"]


@dataclass(frozen=True)
class HearingFigures:
    asked: int
    answered: int
    unanswered: int
    overdue: int  # unanswered after their answer was due
    withdrawn: int
    median_minutes: int | None  # from request to answer (whole minutes), over the answered ones


@dataclass(frozen=True)
class HearingReview:
    requests: list[HeardRequest]  # oldest first
    now: datetime  # what "overdue" is judged against

    def overdue(self, request: HeardRequest) -> bool:
        return request.overdue(self.now)

    @property
    def unanswered(self) -> list[HeardRequest]:
        return [r for r in self.requests if r.is_open]

    @property
    def figures(self) -> HearingFigures:
        minutes = [m for m in (r.minutes_to_answer for r in self.requests) if m is not None]
        return HearingFigures(
            asked=len(self.requests), answered=len(minutes), unanswered=len(self.unanswered),
            overdue=sum(1 for r in self.unanswered if self.overdue(r)),
            withdrawn=sum(1 for r in self.requests if r.status == "withdrawn"),
            median_minutes=round(statistics.median(minutes)) if minutes else None)


def hearing_review(incident_id: int, *, now: datetime) -> HearingReview:
    """The incident's consultation requests (one query)."""
    return HearingReview(requests=heard.of_incident(incident_id), now=now)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def csv_rows(review: HearingReview) -> Iterable[list[Any]]:
    """The rows of the review pack's ``consultation_requests.csv`` (header :data:`CSV_HEADER`)."""
    for r in review.requests:
        yield [r.id, r.decision_number, r.proposal_id, r.proposal_title, r.party_key, r.party_name, r.mode, r.status,
               _iso(r.requested_at), r.requested_by, _iso(r.respond_by), _iso(r.answered_at), r.minutes_to_answer,
               r.outcome, r.comment, r.answered_by, "yes" if review.overdue(r) else "no", _iso(r.withdrawn_at)]
