"""Review pages: every role reads (municipal users only incidents affecting their municipality);
only reviewers add findings and sign off."""

from __future__ import annotations

from sqlalchemy import select

from tests.matrix import ALL, Case

TITLE = "Matrix: evaluering (Herning)"


def _incident_id() -> int:
    """An incident affecting Herning (657), created once per test transaction."""
    from lbs.extensions import db
    from lbs.incidents.models import Incident
    from tests import factories

    found = db.session.scalar(select(Incident.id).where(Incident.title == TITLE))
    if found is None:
        found = factories.review_incident_with_decisions(title=TITLE).id
        db.session.commit()
    return found


def _path(suffix: str = "") -> str:
    return f"/review/incidents/{_incident_id()}{suffix}"


CASES = [
    Case("GET", "/review/", ALL),
    Case("GET", lambda: _path(), ALL, rule="/review/incidents/<id>"),
    Case("POST", lambda: _path("/findings"), ("reviewer",), rule="/review/incidents/<id>/findings"),
    Case("POST", lambda: _path("/sign-off"), ("reviewer",), rule="/review/incidents/<id>/sign-off"),
    # Verifying the hash chain (stored, audit-logged) is open to every role that may read the review.
    Case("POST", lambda: _path("/verify"), ALL, rule="/review/incidents/<id>/verify"),
    Case("GET", lambda: _path("/pack.zip"), ALL, rule="/review/incidents/<id>/pack.zip"),
    Case("GET", lambda: _path("/review.pdf"), ALL, rule="/review/incidents/<id>/review.pdf"),
    Case("GET", lambda: _path("/findings.csv"), ALL, rule="/review/incidents/<id>/findings.csv"),
    # Asking for the review pack queues it (the worker builds it): every reader may, for their own scope.
    Case("POST", lambda: _path("/pack"), ALL, rule="/review/incidents/<id>/pack"),
    Case("GET", lambda: f"/review/packs/{_pack_id()}/status", ALL, rule="/review/packs/<id>/status"),
    Case("GET", lambda: f"/review/packs/{_pack_id()}/pack.zip", ALL, rule="/review/packs/<id>/pack.zip"),
    Case("GET", lambda: f"/review/packs/{_pack_id()}/review.pdf", ALL, rule="/review/packs/<id>/review.pdf"),
    Case("POST", lambda: f"/api/v1/incidents/{_incident_id()}/review-pack", ALL,
         rule="/api/v1/incidents/<id>/review-pack"),
    Case("GET", lambda: f"/api/v1/review-packs/{_pack_id()}", ALL, rule="/api/v1/review-packs/<id>"),
    Case("GET", lambda: f"/api/v1/review-packs/{_pack_id()}/file", ALL, rule="/api/v1/review-packs/<id>/file"),
]


def _pack_id() -> int:
    """Herning's pack of the matrix incident (Herning's scope: police, reviewer and admin read every pack)."""
    from lbs.extensions import db
    from tests.review.packs import built_pack

    found = built_pack(_incident_id(), "herning").id
    db.session.commit()
    return found


def _signed_pack_path() -> str:
    """A signed pack of the matrix incident (signed once per test transaction)."""
    from lbs.auth.models import User
    from lbs.extensions import db
    from lbs.incidents.models import Incident
    from lbs.review.models import SignOff
    from lbs.review.signoff import sign_off
    from tests.review.packs import built_pack

    incident_id = _incident_id()
    found = db.session.scalar(select(SignOff.id).where(SignOff.incident_id == incident_id))
    if found is None:
        revisor = db.session.scalar(select(User).where(User.username == "revisor"))
        incident = db.session.get(Incident, incident_id)
        assert revisor is not None and incident is not None
        built_pack(incident_id, "revisor")  # a sign-off refers to a ready pack
        found = sign_off(by=revisor, incident=incident).id
        db.session.commit()
    return f"/review/incidents/{incident_id}/sign-offs/{found}/pack.zip"


CASES += [
    # A stored signed pack holds every bearer's lines: not for municipality users (they take their own pack.zip).
    Case("GET", _signed_pack_path, ("police", "reviewer", "admin"),
         rule="/review/incidents/<id>/sign-offs/<id>/pack.zip"),
    Case("GET", lambda: f"/api/v1/incidents/{_incident_id()}/review", ALL, rule="/api/v1/incidents/<id>/review"),
    Case("GET", lambda: f"/api/v1/incidents/{_incident_id()}/findings", ALL, rule="/api/v1/incidents/<id>/findings"),
]
