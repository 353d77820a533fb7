"""The whole review of one incident in one object, for the review pack, the PDF and the API (the review
page shows the same one page at a time, see :mod:`lbs.review.page`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lbs.decisions.scope import EVERYTHING, ReadScope
from lbs.extensions import db
from lbs.incidents.closing import HistoryEntry, history
from lbs.incidents.models import Activation, Incident
from lbs.review import integrity
from lbs.review.figures import KeyFigures, key_figures
from lbs.review.findings import FindingRow, list_findings
from lbs.review.hearings import HearingReview, hearing_review
from lbs.review.models import SignOff
from lbs.review.rows import DecisionReview, load_decisions, review_rows
from lbs.timeutil import utcnow


@dataclass
class IncidentReview:
    incident: Incident
    municipalities: tuple[str, ...]
    figures: KeyFigures
    decisions: list[DecisionReview]
    activations: list[Activation]
    findings: list[FindingRow]
    sign_offs: list[SignOff]
    integrity: integrity.IntegrityResult
    chain_head: str | None
    history: list[HistoryEntry]  # closings and reopenings, oldest first
    hearing: HearingReview  # the consultation requests asked via LBS Register
    costs_of: str | None = None  # the municipality whose cost lines alone are shown; None: every bearer's
    scope: ReadScope = EVERYTHING  # what the review shows: the cost lines in it

    @property
    def last_sign_off(self) -> SignOff | None:
        return self.sign_offs[-1] if self.sign_offs else None

    @property
    def after_sign_off(self) -> list[DecisionReview]:
        return [r for r in self.decisions if r.after_sign_off]


def list_sign_offs(incident_id: int) -> list[SignOff]:
    """The incident's sign-offs, oldest first (signing is :func:`lbs.review.signoff.sign_off`)."""
    return list(db.session.scalars(select(SignOff).where(SignOff.incident_id == incident_id)
                                   .order_by(SignOff.signed_at, SignOff.id)))


def list_activations(incident_id: int) -> list[Activation]:
    """The incident's staff activations, oldest first, with their staff."""
    return list(db.session.scalars(
        select(Activation).where(Activation.incident_id == incident_id)
        .options(joinedload(Activation.staff)).order_by(Activation.active_from, Activation.id)
    ))


def incident_review(incident: Incident, *, now: datetime | None = None, check_integrity: bool = True,
                    scope: ReadScope = EVERYTHING) -> IncidentReview:
    """Everything the review pack, the PDF and the API show, in a constant number of queries. Only the cost
    lines in ``scope`` are shown (per decision and in the key figures); the consultations are judged and the
    chain is checked over everything. A sign-off's pack is the review of everything."""
    loaded = load_decisions([incident.id], with_attachments=True)
    sign_offs = list_sign_offs(incident.id)
    signed = {incident.id: sign_offs[-1].last_decision_number} if sign_offs else {}
    rows = review_rows(loaded, with_rosters=True, signed_up_to=signed, scope=scope)
    activations = list_activations(incident.id)
    check = integrity.check_chain(incident.id) if check_integrity else integrity.NOT_CHECKED
    return IncidentReview(
        incident=incident, municipalities=loaded.municipalities.get(incident.id, ()),
        figures=key_figures(incident, rows, now=now, scope=scope), decisions=rows, activations=activations,
        findings=list_findings(incident.id), sign_offs=sign_offs, integrity=check,
        chain_head=rows[-1].decision.hash if rows else None, history=history(incident.id),
        hearing=hearing_review(incident.id, now=now or utcnow()), costs_of=scope.municipality_code, scope=scope,
    )
