"""Attachments: police and admin attach (page and API); every role reads those in its scope (the matrix's
incident affects Herning, the municipality role's user)."""

from __future__ import annotations

from sqlalchemy import select

from tests.matrix import ALL, WRITERS, Case
from tests.matrix.decisions import API, _decision_id, dec


def _attachment_id() -> int:
    """A PNG attached to the matrix decision, once per test transaction."""
    from lbs.decisions.attachment_models import Attachment
    from lbs.extensions import db
    from tests import factories

    decision_id = _decision_id()
    found = db.session.scalar(select(Attachment.id).where(Attachment.decision_id == decision_id))
    return found if found is not None else factories.attached_png(decision_id, "diget.png")


def att(suffix: str = "", prefix: str = "") -> object:
    return lambda: f"{prefix}/attachments/{_attachment_id()}{suffix}"


CASES = [
    Case("POST", dec("/attachments"), WRITERS, rule="/decisions/<id>/attachments"),
    Case("GET", att(), ALL, rule="/attachments/<id>"),
    Case("GET", att("/preview"), ALL, rule="/attachments/<id>/preview"),
    Case("POST", dec("/attachments", API), WRITERS, rule=f"{API}/decisions/<id>/attachments"),
    Case("GET", dec("/attachments", API), ALL, rule=f"{API}/decisions/<id>/attachments"),
    Case("GET", att("", API), ALL, rule=f"{API}/attachments/<id>"),
]
