"""A reviewer's findings on an incident or on one of its decisions: adding them, listing them, and what a
finding may concern or name as its owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from lbs.audit import services as audit
from lbs.auth.models import User
from lbs.auth.permissions import Action, can
from lbs.decisions.models import Decision
from lbs.errors import Forbidden, ValidationError
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.organisations.models import Organisation
from lbs.review.models import Finding
from lbs.timeutil import utcnow
from lbs.validation import NAME_MAX, clean_text


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    decision_number: int | None
    owner_name: str | None
    author: str


@dataclass(frozen=True)
class DecisionChoice:
    """A decision a finding may concern, as the finding form offers it."""

    id: int
    number: int
    title: str


def add_finding(
    *,
    by: User,
    incident: Incident,
    observation: str,
    recommendation: str | None = None,
    owner_text: str | None = None,
    owner_organisation_id: int | None = None,
    decision_id: int | None = None,
) -> Finding:
    """A reviewer's finding on the incident, or on one of its decisions."""
    if not can(by, Action.REVIEW_WRITE):
        raise Forbidden("only reviewers add findings")
    errors: dict[str, list[str]] = {}
    obs = clean_text(observation, "observation", errors, required=True)
    rec = clean_text(recommendation, "recommendation", errors)
    owner = clean_text(owner_text, "owner", errors, max_len=NAME_MAX)
    if decision_id is not None and decision_choice(incident, decision_id) is None:
        errors.setdefault("decision", []).append("not a decision of this incident")
    if owner_organisation_id is not None and db.session.get(Organisation, owner_organisation_id) is None:
        errors.setdefault("owner_organisation", []).append("unknown organisation")
    if errors:
        raise ValidationError("the finding is not valid", errors)
    finding = Finding(incident_id=incident.id, decision_id=decision_id, observation=obs or "",
                      recommendation=rec, owner_text=owner, owner_organisation_id=owner_organisation_id,
                      created_by_id=by.id, created_at=utcnow())
    db.session.add(finding)
    db.session.flush()
    audit.record(by=by, action="review.finding.add", object_type="finding", object_id=finding.id,
                 summary=f"finding on incident {incident.id}" + (f", decision {decision_id}" if decision_id else ""),
                 data={"incident_id": incident.id, "decision_id": decision_id})
    return finding


def list_findings(incident_id: int) -> list[FindingRow]:
    query = (
        select(Finding, Decision.number, Organisation.name, func.coalesce(User.display_name, User.username))
        .outerjoin(Decision, Decision.id == Finding.decision_id)
        .outerjoin(Organisation, Organisation.id == Finding.owner_organisation_id)
        .join(User, User.id == Finding.created_by_id)
        .where(Finding.incident_id == incident_id)
        .order_by(Finding.created_at, Finding.id)
    )
    rows = []
    for finding, number, org_name, author in db.session.execute(query):
        owner = " – ".join(x for x in (org_name, finding.owner_text) if x) or None
        rows.append(FindingRow(finding, number, owner, author))
    return rows


def decision_choice(incident: Incident, decision_id: int) -> DecisionChoice | None:
    """The decision ``decision_id`` if it is one of the incident's."""
    row = db.session.execute(select(Decision.id, Decision.number, Decision.title).where(
        Decision.id == decision_id, Decision.incident_id == incident.id)).first()
    return DecisionChoice(*row) if row is not None else None


def owner_organisations() -> Sequence[Organisation]:
    """The organisations a finding may name as its owner, by name."""
    return db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
