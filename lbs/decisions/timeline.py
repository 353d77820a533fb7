"""The incident page's timeline: a page of the incident's decisions with the staff activations, the proposals,
the consultation requests and the answers between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lbs.decisions.compliance import unmet_counts
from lbs.decisions.heard import HearingEvent, timeline_events
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents.models import Activation, Incident

TIMELINE_PAGE = 100
_ORDER = {"activation": 0, "hearing": 1, "decision": 2}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "activation" | "decision" | "hearing" (a proposal, a request or an answer)
    item: Activation | Decision | HearingEvent


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    after: int  # the page shows decisions numbered after this …
    last: int  # … up to and including this one
    total: int  # decisions in the incident
    previous_after: int | None  # ``after`` of the previous page (None on the first)
    next_after: int | None  # ``after`` of the next page (None on the last)
    amended_ids: set[int]  # ids of decisions on this page that a later decision amends
    # decision id → how many of its required consultations are not met (those with none left out)
    unmet: dict[int, int] = field(default_factory=dict)


def timeline_page(incident: Incident, *, after: int = 0, limit: int = TIMELINE_PAGE) -> TimelinePage:
    """One page of the timeline: decisions numbered ``after`` < n <= ``after + limit`` (keyset by number) and
    the activations, proposals, requests and answers between the decided times of decision ``after`` and of the
    page's last decision (all of them before the first page and after the last), in time order. A constant
    number of queries."""
    total = incident.last_decision_number
    if after >= total:
        after = max(0, total - limit)
    page = db.session.scalars(
        select(Decision).where(Decision.incident_id == incident.id, Decision.number > after)
        .order_by(Decision.number).limit(limit).options(selectinload(Decision.staff))
    ).all()
    last = page[-1].number if page else after
    has_next = last < total
    low = None
    if after > 0:
        low = db.session.scalar(select(Decision.decided_at).where(Decision.incident_id == incident.id,
                                                                  Decision.number == after))
    high = page[-1].decided_at if page and has_next else None
    query = select(Activation).where(Activation.incident_id == incident.id).options(selectinload(Activation.staff))
    if low is not None:
        query = query.where(Activation.active_from > low)
    if high is not None:
        query = query.where(Activation.active_from <= high)
    activations = db.session.scalars(query.order_by(Activation.active_from, Activation.id)).all()
    ids = [d.id for d in page]
    amended_ids = set(db.session.scalars(
        select(Decision.amends_id).where(Decision.amends_id.in_(ids)).distinct())) if ids else set()
    entries = [TimelineEntry(a.active_from, "activation", a) for a in activations]
    entries += [TimelineEntry(d.decided_at, "decision", d) for d in page]
    entries += [TimelineEntry(e.at, "hearing", e) for e in timeline_events(incident.id, low=low, high=high)]
    entries.sort(key=lambda e: (e.at, _ORDER[e.kind], getattr(e.item, "number", 0)))
    return TimelinePage(
        entries=entries, after=after, last=last, total=total,
        previous_after=max(0, after - limit) if after > 0 else None, next_after=last if has_next else None,
        amended_ids={i for i in amended_ids if i is not None},
        unmet={k: v for k, v in unmet_counts(page).items() if v},
    )
