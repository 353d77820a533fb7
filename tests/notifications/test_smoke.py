"""A proposal tells Herning's users in the application; with mail enabled the outbox holds their mails and the
worker delivers them to a real SMTP server."""

from __future__ import annotations

from sqlalchemy import select

from lbs.auth.models import User
from lbs.extensions import db
from lbs.notifications import delivery, services
from lbs.notifications.models import MailStatus, OutboxMail
from tests import factories
from tests.hearing.conftest import proposal_body


def test_a_proposal_tells_herning_and_mails_through_the_outbox(app, api_as):
    incident = factories.incident()
    db.session.commit()
    app.config["LBS_SMTP_URL"] = "smtp://127.0.0.1:1"
    response = api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body())
    assert response.status_code == 201
    herning = db.session.scalars(select(User).where(User.username == "herning")).one()
    notes = [n for n in services.notifications_of(herning, unread_only=True) if n.incident_id == incident.id]
    assert notes and all(n.url.startswith("/consultation-requests/") for n in notes)
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == "herning@demo.invalid")).all()
    assert len(mails) == len(notes)
    sent = []
    done = delivery.deliver_due(send=sent.append)
    assert done.sent >= len(mails) and {m["To"] for m in sent} >= {"herning@demo.invalid"}
    assert all(m.status is MailStatus.SENT for m in mails)
    assert "http://127.0.0.1:5000/consultation-requests/" in sent[0].get_body(("plain",)).get_content()
