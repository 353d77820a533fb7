"""Attachments: police and admin attach (page and API); every role reads those in its scope (the matrix's
incident affects Herning, the municipality role's user)."""

from __future__ import annotations

from sqlalchemy import select

from tests.matrix import ALL, WRITERS, Case
from tests.matrix.decisions import API, _decision_id, dec


def _attachment_id() -> int:
    """A PNG attached to the matrix decision, once per test transaction."""
    import io

    from lbs.auth.models import User
    from lbs.decisions import attachments
    from lbs.decisions.attachment_models import Attachment
    from lbs.decisions.models import Decision
    from lbs.extensions import db
    from tests.attachments import files

    decision_id = _decision_id()
    found = db.session.scalar(select(Attachment.id).where(Attachment.decision_id == decision_id))
    if found is None:
        politi = db.session.scalar(select(User).where(User.username == "politi"))
        decision = db.session.get(Decision, decision_id)
        assert decision is not None
        found = attachments.attach(decision=decision, upload=attachments.Upload("diget.png", io.BytesIO(files.png())),
                                   description=None, by=politi).id
        db.session.commit()
    return found


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
