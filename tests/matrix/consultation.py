"""Routes of the consultation graph (issue 5)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from tests.matrix import ALL, WRITERS, Case


def _incident(suffix: str) -> Callable[[], str]:
    def path() -> str:
        from tests import factories

        return f"/consultation/{suffix}".replace("<id>", str(factories.any_incident_id()))

    return path


def _rule_retire() -> str:
    from lbs.consultation.models import Rule
    from lbs.extensions import db

    rule_id = db.session.scalar(select(Rule.id).where(Rule.valid_to.is_(None)).order_by(Rule.id).limit(1))
    return f"/consultation/rules/{rule_id}/retire"


CASES = [
    Case("GET", "/api/v1/consultation/parties", ALL),
    Case("GET", "/api/v1/consultation/graph", ALL),
    Case("GET", "/consultation/", ALL),
    Case("POST", _incident("required/<id>"), WRITERS, rule="/consultation/required/<id:incident_id>"),
    Case("GET", _incident("incidents/<id>/compliance"), ALL,
         rule="/consultation/incidents/<id:incident_id>/compliance"),
    Case("GET", _incident("incidents/<id>/compliance.csv"), ALL,
         rule="/consultation/incidents/<id:incident_id>/compliance.csv"),
    Case("GET", "/consultation/rules", ("admin",)),
    Case("GET", "/consultation/rules/new", ("admin",)),
    Case("POST", "/consultation/rules/new", ("admin",)),
    Case("POST", _rule_retire, ("admin",), rule="/consultation/rules/<id:rule_id>/retire"),
]
