"""Incidents and the decision log: every HTML and API route × role."""

from __future__ import annotations

from sqlalchemy import select

from tests.matrix import ALL, WRITERS, Case


def _incident_id() -> int:
    from lbs.demo.incidents import DEMO_TITLE
    from lbs.extensions import db
    from lbs.incidents.models import Incident

    return db.session.scalars(select(Incident.id).where(Incident.title == DEMO_TITLE)).one()


def _decision_id() -> int:
    from lbs.decisions.models import Decision
    from lbs.extensions import db

    return db.session.scalars(select(Decision.id).where(Decision.incident_id == _incident_id(),
                                                        Decision.number == 1)).one()


def inc(suffix: str = "", prefix: str = "") -> object:
    return lambda: f"{prefix}/incidents/{_incident_id()}{suffix}"


def dec(suffix: str = "", prefix: str = "") -> object:
    return lambda: f"{prefix}/decisions/{_decision_id()}{suffix}"


API = "/api/v1"
CASES = [
    # HTML
    Case("GET", "/incidents", ALL),
    Case("POST", "/incidents", WRITERS),
    Case("GET", inc(), ALL, rule="/incidents/<id>"),
    Case("POST", inc("/close"), WRITERS, rule="/incidents/<id>/close"),
    Case("POST", inc("/activations"), WRITERS, rule="/incidents/<id>/activations"),
    Case("GET", inc("/decisions/new"), WRITERS, rule="/incidents/<id>/decisions/new"),
    Case("POST", inc("/decisions/new"), WRITERS, rule="/incidents/<id>/decisions/new"),
    Case("POST", inc("/verify"), ALL, rule="/incidents/<id>/verify"),
    Case("GET", inc("/export/decisions.csv"), ALL, rule="/incidents/<id>/export/decisions.csv"),
    Case("GET", inc("/export/decisions.json"), ALL, rule="/incidents/<id>/export/decisions.json"),
    Case("GET", dec(), ALL, rule="/decisions/<id>"),
    Case("GET", dec("/amend"), WRITERS, rule="/decisions/<id>/amend"),
    Case("POST", dec("/amend"), WRITERS, rule="/decisions/<id>/amend"),
    # API
    Case("GET", f"{API}/incidents", ALL),
    Case("POST", f"{API}/incidents", WRITERS),
    Case("GET", inc(prefix=API), ALL, rule=f"{API}/incidents/<id>"),
    Case("POST", inc("/close", API), WRITERS, rule=f"{API}/incidents/<id>/close"),
    Case("POST", inc("/decisions", API), WRITERS, rule=f"{API}/incidents/<id>/decisions"),
    Case("GET", inc("/decisions", API), ALL, rule=f"{API}/incidents/<id>/decisions"),
    Case("POST", inc("/decisions/preview", API), WRITERS, rule=f"{API}/incidents/<id>/decisions/preview"),
    Case("GET", inc("/verify", API), ALL, rule=f"{API}/incidents/<id>/verify"),
    Case("GET", inc("/decisions.csv", API), ALL, rule=f"{API}/incidents/<id>/decisions.csv"),
    Case("GET", dec(prefix=API), ALL, rule=f"{API}/decisions/<id>"),
    Case("POST", dec("/amendments", API), WRITERS, rule=f"{API}/decisions/<id>/amendments"),
]
