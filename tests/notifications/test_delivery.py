"""The outbox delivered by the worker to a real SMTP server (aiosmtpd): delivery, a server down then up, a
refusal, SMTP AUTH, a crash between sending and marking, ``flask lbs worker --once`` and no ``LBS_SMTP_URL``."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from lbs.audit.models import AppState
from lbs.extensions import db
from lbs.notifications import delivery
from lbs.notifications.models import MailStatus, OutboxMail
from lbs.notifications.smtp import SmtpServer
from lbs.timeutil import utcnow
from tests import factories
from tests.hearing.conftest import proposal_body
from tests.notifications.smtpsink import SmtpSink, free_port


def _propose(api_as) -> list[OutboxMail]:
    """A proposal costing Herning money: its requests put mails to Herning's users in the outbox."""
    incident = factories.incident()
    db.session.commit()
    response = api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body())
    assert response.status_code == 201, response.get_json()
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.status == MailStatus.PENDING)
                               .order_by(OutboxMail.id)).all()
    assert mails
    return list(mails)


def _fixed(moment: datetime):
    return lambda: moment


def _at(offset: timedelta):
    return _fixed(utcnow() + offset)


def test_a_due_mail_arrives_in_danish_with_both_parts_and_a_link(app, api_as, smtp):
    mails = _propose(api_as)
    done = delivery.deliver_due()
    assert done.sent == len(mails) and done.retried == done.failed == 0
    assert len(smtp.messages) == len(mails)
    herning = next(m for m in smtp.messages if m["To"] == "herning@demo.invalid")
    assert herning["From"] == "lbs@politi.example"
    outbox = next(m for m in mails if m.to_address == "herning@demo.invalid")
    assert herning["Message-ID"] == outbox.message_id and outbox.message_id.endswith("@politi.example>")
    assert herning["Subject"].startswith("[LBS Register] Høring (Godkende): ")
    assert "Evakuering af Sunds" in herning["Subject"]
    text = herning.get_body(("plain",)).get_content()
    html = herning.get_body(("html",)).get_content()
    assert herning.get_content_type() == "multipart/alternative"
    link = "https://lbs.example.dk/consultation-requests/"
    assert link in text and f'href="{link}' in html
    assert "Åbn den i LBS Register" in text and "Evakuering af Sunds" in html
    assert all(m.status is MailStatus.SENT and m.sent_at is not None for m in mails)
    assert delivery.deliver_due().taken == 0  # sent once, not again


def test_a_server_down_is_retried_and_the_mail_arrives_once_it_is_back(app, api_as):
    port = free_port()
    app.config["LBS_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    mails = _propose(api_as)
    start = utcnow()
    done = delivery.deliver_due(now=lambda: start)
    assert done.retried == len(mails) and done.sent == 0
    for mail in mails:
        db.session.refresh(mail)
        assert mail.status is MailStatus.PENDING and mail.attempts == 1
        assert mail.next_attempt_at == start + delivery.pause_after(1) and mail.next_attempt_at > start
        assert "Connection" in (mail.last_error or "")
    with SmtpSink(port) as sink:
        assert delivery.deliver_due(now=lambda: start + timedelta(seconds=1)).taken == 0  # the pause holds
        assert sink.messages == []
        done = delivery.deliver_due(now=lambda: start + timedelta(seconds=3))
        assert done.sent == len(mails)
        assert sorted(m["Message-ID"] for m in sink.messages) == sorted(m.message_id for m in mails)
        assert delivery.deliver_due(now=lambda: start + timedelta(minutes=10)).taken == 0


def test_a_refused_recipient_is_retried_with_growing_pauses_then_failed(app, api_as, smtp):
    smtp.handler.refuse.add("herning@demo.invalid")
    mails = _propose(api_as)
    assert {m.to_address for m in mails} == {"herning@demo.invalid"}
    refused = mails[0]
    moment = utcnow()
    pauses = []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        done = delivery.deliver_due(now=_fixed(moment))
        assert done.sent == 0 and done.taken == len(mails)
        db.session.refresh(refused)
        assert refused.attempts == attempt and "550" in (refused.last_error or "")
        if attempt < delivery.MAX_ATTEMPTS:
            assert refused.status is MailStatus.PENDING and done.retried == len(mails)
            pauses.append(refused.next_attempt_at - moment)
            moment = refused.next_attempt_at
            assert delivery.deliver_due(now=_fixed(moment - timedelta(milliseconds=1))).taken == 0
    assert done.failed == len(mails) and refused.status is MailStatus.FAILED
    assert pauses[0] == delivery.FIRST_PAUSE
    assert all(later == min(2 * earlier, delivery.LONGEST_PAUSE) for earlier, later in itertools.pairwise(pauses))
    assert pauses[-1] > pauses[0]
    assert delivery.deliver_due(now=lambda: moment + timedelta(hours=1)).taken == 0  # failed stays failed
    assert smtp.messages == []
    failed = db.session.scalars(select(OutboxMail).where(OutboxMail.status == MailStatus.FAILED)).all()
    assert sorted(m.id for m in failed) == sorted(m.id for m in mails)
    smtp.handler.refuse.clear()
    assert delivery.retry(refused.id) is not None
    db.session.commit()
    assert delivery.deliver_due(now=_at(timedelta(seconds=1))).sent == 1
    assert [m["Message-ID"] for m in smtp.messages] == [refused.message_id]


def test_smtp_auth_with_the_credentials_of_the_url(app, api_as):
    with SmtpSink(login=("lbs", "hemm€lig")) as sink:
        app.config["LBS_SMTP_URL"] = f"smtp://lbs:wrong@127.0.0.1:{sink.port}"
        mails = _propose(api_as)
        assert delivery.deliver_due().retried == len(mails) and sink.messages == []
        assert "Authentication" in (db.session.get(OutboxMail, mails[0].id).last_error or "")
        app.config["LBS_SMTP_URL"] = f"smtp://lbs:hemm%E2%82%AClig@127.0.0.1:{sink.port}"
        done = delivery.deliver_due(now=_at(timedelta(minutes=1)))
        assert done.sent == len(mails), db.session.get(OutboxMail, mails[0].id).last_error
        assert len(sink.messages) == len(mails)


class Crash(BaseException):
    """The worker killed after the server accepted the mail, before it was marked sent."""


def test_a_crash_between_send_and_mark_sends_again_after_the_lease_with_the_same_id(app, api_as, smtp):
    mails = _propose(api_as)
    server = SmtpServer.from_url(smtp.url)

    def send_then_die(message: EmailMessage) -> None:
        server.send(message)
        raise Crash

    with pytest.raises(Crash):
        delivery.deliver_due(send=send_then_die)
    db.session.rollback()
    first = smtp.messages[0]["Message-ID"]
    crashed = db.session.scalars(select(OutboxMail).where(OutboxMail.message_id == first)).one()
    assert crashed.status is MailStatus.SENDING and crashed.lease_until is not None
    assert delivery.deliver_due(now=_at(delivery.LEASE / 2)).taken == 0  # the whole batch is leased
    assert len(smtp.messages) == 1
    assert delivery.deliver_due(now=_at(delivery.LEASE + timedelta(seconds=1))).sent == len(mails)
    ids = [m["Message-ID"] for m in smtp.messages]
    assert ids.count(first) == 2  # at least once: again, with the same Message-ID
    assert sorted(set(ids)) == sorted(m.message_id for m in mails) and len(ids) == len(mails) + 1
    db.session.refresh(crashed)
    assert crashed.status is MailStatus.SENT and crashed.attempts == 2


def test_worker_once_delivers_what_is_due_and_exits(app, api_as, smtp, runner):
    mails = _propose(api_as)
    result = runner.invoke(args=["lbs", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"worker: {len(mails)} sent" in result.output
    assert len(smtp.messages) == len(mails)
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)
                             .where(OutboxMail.status != MailStatus.SENT)) == 0
    last_run = db.session.get(AppState, delivery.LAST_RUN_KEY)
    assert last_run is not None and abs(last_run.value - utcnow().timestamp()) < 60  # for the admin's overview


def test_without_smtp_url_nothing_enters_the_outbox_and_the_worker_says_so(app, api_as, runner):
    app.config["LBS_SMTP_URL"] = None
    incident = factories.incident()
    db.session.commit()
    response = api_as("politi").post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body())
    assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    result = runner.invoke(args=["lbs", "worker", "--once"])
    assert result.exit_code == 0
    assert "LBS_SMTP_URL is not set" in result.output
    waiting = OutboxMail(kind="answer", to_address="a@b.invalid", subject="s", body_text="t", body_html="h",
                         message_id="<kept@lbs.invalid>")
    db.session.add(waiting)
    db.session.commit()
    assert runner.invoke(args=["lbs", "worker", "--once"]).exit_code == 0
    assert delivery.deliver_due().taken == 0
    waiting = db.session.scalars(select(OutboxMail).where(OutboxMail.message_id == "<kept@lbs.invalid>")).one()
    assert waiting.status is MailStatus.PENDING and waiting.attempts == 0  # kept for when mail is on again


def test_a_slow_server_gives_back_the_rest_of_the_batch_before_the_lease_ends(app, api_as, smtp):
    mails = _propose(api_as)
    clock = [utcnow()]
    server = SmtpServer.from_url(smtp.url)

    def slow_send(message: EmailMessage) -> None:
        server.send(message)
        clock[0] += delivery.LEASE / 2 + timedelta(seconds=1)  # the first mail took most of the lease

    done = delivery.deliver_due(send=slow_send, now=lambda: clock[0])
    assert done.sent == 1 and len(smtp.messages) == 1
    rest = db.session.scalars(select(OutboxMail).where(OutboxMail.status != MailStatus.SENT)).all()
    assert len(rest) == len(mails) - 1
    assert all(m.status is MailStatus.PENDING and m.attempts == 0 and m.lease_until is None for m in rest)
    assert delivery.deliver_due(now=lambda: clock[0]).sent == len(mails) - 1  # due at once, no pause
    assert len({m["Message-ID"] for m in smtp.messages}) == len(smtp.messages) == len(mails)
