"""Several workers at once never deliver the same mail: two threads with their own sessions and a real SMTP
server share 200 due mails; every mail arrives exactly once (on PostgreSQL ``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import threading
from collections import Counter
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import func, select

from lbs.database import write_intent
from lbs.extensions import db
from lbs.notifications import delivery
from lbs.notifications.models import Kind, MailStatus, OutboxMail
from lbs.notifications.smtp import SmtpServer
from tests.notifications.smtpsink import SmtpSink

MAILS = 200


def _fill_outbox() -> None:
    db.session.add_all(OutboxMail(kind=Kind.ANSWER, to_address=f"user{i}@demo.invalid", subject=f"Svar {i}",
                                  body_text=f"Svar {i}", body_html=f"<p>Svar {i}</p>",
                                  message_id=f"<mail-{i}@lbs.invalid>") for i in range(MAILS))
    db.session.commit()


def _work(app: Flask, server: SmtpServer, sent_by_me: list[str], errors: list[BaseException]) -> None:
    def send(message: EmailMessage) -> None:
        server.send(message)
        sent_by_me.append(str(message["Message-ID"]))

    try:
        with app.app_context():  # its own session
            while True:
                with write_intent():
                    done = delivery.deliver_due(send=send)
                if done.taken == 0:
                    break
            db.session.remove()
    except BaseException as exc:  # reported to the test thread
        errors.append(exc)


@pytest.mark.parametrize("workers", [2])
def test_two_workers_deliver_every_mail_exactly_once(committed_app, backend, workers):
    if backend == "sqlite":
        pytest.skip("SKIP LOCKED is PostgreSQL's; on SQLite the write lock serialises the workers")
    _fill_outbox()
    with SmtpSink() as sink:
        committed_app.config["LBS_SMTP_URL"] = sink.url
        server = SmtpServer.from_url(sink.url)
        sent: list[list[str]] = [[] for _ in range(workers)]
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_work, args=(committed_app, server, sent[i], errors))
                   for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        received = Counter(str(m["Message-ID"]) for m in sink.messages)
    assert len(received) == MAILS and set(received.values()) == {1}  # every mail, each once
    assert sum(len(s) for s in sent) == MAILS and all(sent), [len(s) for s in sent]  # both worked
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)
                             .where(OutboxMail.status == MailStatus.SENT, OutboxMail.attempts == 1)) == MAILS


def test_workers_taking_at_the_same_moment_never_take_the_same_mail(committed_app, backend):
    """Four workers take in lockstep (a barrier before each take), five mails at a time: no mail twice."""
    if backend == "sqlite":
        pytest.skip("SKIP LOCKED is PostgreSQL's; on SQLite the write lock serialises the workers")
    _fill_outbox()
    workers, rounds = 4, MAILS // 20 + 2
    barrier = threading.Barrier(workers)
    taken: list[list[int]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def work(mine: list[int]) -> None:
        try:
            with committed_app.app_context():
                for _ in range(rounds):
                    barrier.wait(timeout=60)
                    mine.extend(delivery.take(limit=5))
                db.session.remove()
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(taken[i],)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    every = [mail_id for mine in taken for mail_id in mine]
    assert len(every) == len(set(every)) == MAILS
