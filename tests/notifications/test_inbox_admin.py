"""The admin pages: users (with their e-mail address, edited with validation and an audit entry) and the mail
outbox (counts, the worker's last round, failed mails with "Prøv igen", the latest mails). Admin only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lbs.audit.models import AppState, AuditEvent
from lbs.extensions import db
from lbs.notifications import delivery
from lbs.notifications.models import Kind, MailStatus, OutboxMail
from lbs.timeutil import utcnow
from tests.notifications.inbox import user

PAGES = ["/admin/", "/admin/users", "/admin/outbox", "/admin/users/1/email"]


def _mail(status: MailStatus = MailStatus.FAILED, *, to: str = "kd@herning.invalid", attempts: int = 8,
          error: str | None = "SMTPRecipientsRefused: 550 no such user") -> OutboxMail:
    now = utcnow()
    mail = OutboxMail(kind=Kind.COST_LINE, to_address=to, subject=f"Ny omkostningslinje til {to}",
                      body_text="x", body_html="<p>x</p>", message_id=f"<{to}.{now.timestamp()}@lbs>",
                      status=status, attempts=attempts, next_attempt_at=now, last_error=error, created_at=now)
    db.session.add(mail)
    db.session.commit()
    return mail


@pytest.mark.parametrize("username", ["politi", "herning", "revisor"])
def test_the_admin_pages_are_403_for_every_other_role(client, login, username):
    login(username)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/users/1/email", data={"email": "x@y.dk"}).status_code == 403
    assert client.post(f"/admin/outbox/{_mail().id}/retry").status_code == 403
    page = client.get("/incidents").get_data(as_text=True)
    assert 'href="/admin/users"' not in page


def test_admin_sees_the_navigation_entry_and_the_users(client, login):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert ">Administration</a>" in page and 'href="/admin/users"' in page
    for expected in ("herning", "herning@demo.invalid", "Herning (657)", "revisor", "Brugernavn"):
        assert expected in page, expected
    assert f'href="/admin/users/{user("herning").id}/email"' in page


def test_editing_an_email_address_is_validated_and_audited(client, login):
    herning = user("herning")
    login("admin")
    form = client.get(f"/admin/users/{herning.id}/email").get_data(as_text=True)
    assert 'value="herning@demo.invalid"' in form and 'type="email"' in form
    for bad in ("ikke en adresse", "a@b", "a b@herning.dk", "x@@herning.dk"):
        response = client.post(f"/admin/users/{herning.id}/email", data={"email": bad})
        assert response.status_code == 422, bad
        assert "Skriv en gyldig e-mailadresse" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user("herning").email == "herning@demo.invalid"
    response = client.post(f"/admin/users/{herning.id}/email", data={"email": " kd@herning.dk "})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    db.session.expire_all()
    assert user("herning").email == "kd@herning.dk"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.email")
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.object_id == str(herning.id) and event.actor == "admin"
    assert event.data["changes"]["email"] == {"old": "herning@demo.invalid", "new": "kd@herning.dk"}
    # Empty removes the address (told in the application only), also audited.
    assert client.post(f"/admin/users/{herning.id}/email", data={"email": ""}).status_code == 302
    db.session.expire_all()
    assert user("herning").email is None
    assert client.post("/admin/users/999999/email", data={"email": "a@b.dk"}).status_code == 404


def test_the_outbox_shows_counts_last_run_and_failed_mails(client, login):
    failed = _mail()
    _mail(MailStatus.SENT, to="sent@herning.invalid", attempts=1, error=None)
    login("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Udbakke for mails" in page and "Afsenderprocessens seneste runde" in page
    assert "<dd>aldrig</dd>" in page
    assert failed.to_address in page and "550 no such user" in page and "Prøv igen" in page
    assert f'action="/admin/outbox/{failed.id}/retry"' in page and "sent@herning.invalid" in page
    db.session.merge(AppState(key=delivery.LAST_RUN_KEY, value=int(datetime(2026, 7, 1, 10, 5, 9, tzinfo=UTC)
                                                                     .timestamp())))
    db.session.commit()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "01.07.2026 12:05:09" in page  # local time (CEST)


def test_retrying_a_failed_mail_makes_it_due_with_no_attempts(client, login):
    failed = _mail()
    sent = _mail(MailStatus.SENT, to="sent@herning.invalid", attempts=1, error=None)
    login("admin")
    response = client.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert "Mailen venter igen" in response.get_data(as_text=True)
    db.session.expire_all()
    mail = db.session.get(OutboxMail, failed.id)
    assert mail.status is MailStatus.PENDING and mail.attempts == 0 and mail.last_error is None
    assert mail.next_attempt_at <= utcnow() + timedelta(seconds=1)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry",
                                                       AuditEvent.object_id == str(failed.id))).first()
    # A mail that has not failed is not retried; an unknown one is 404.
    response = client.post(f"/admin/outbox/{sent.id}/retry", follow_redirects=True)
    assert "Kun en mail, der ikke kunne sendes" in response.get_data(as_text=True)
    assert db.session.get(OutboxMail, sent.id).status is MailStatus.SENT
    assert client.post("/admin/outbox/999999/retry").status_code == 404
