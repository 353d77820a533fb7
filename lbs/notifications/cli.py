"""``flask lbs worker [--once]``: deliver the outbox's mails."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask import current_app

from lbs.commands import lbs_cli
from lbs.database import write_intent
from lbs.extensions import db
from lbs.notifications import delivery
from lbs.timeutil import utcnow

IDLE_PAUSE_SECONDS = 0.5
RECORD_IDLE_EVERY_SECONDS = 5.0


class _Idle:
    recorded_at = 0.0  # time.monotonic() of the last run recorded while idle


def _round() -> delivery.Round:
    """Deliver what is due; when nothing is (or mail is off), only read, and record the run every few seconds."""
    try:
        if current_app.config.get("LBS_SMTP_URL") and delivery.anything_due():
            db.session.rollback()  # end the read; the round's transactions start with the write intent
            with write_intent():
                return delivery.deliver_due()
        if time.monotonic() - _Idle.recorded_at >= RECORD_IDLE_EVERY_SECONDS:
            db.session.rollback()
            with write_intent():
                delivery.record_run(utcnow())
            _Idle.recorded_at = time.monotonic()
        return delivery.Round()
    finally:
        db.session.remove()


@contextmanager
def _stop_on_term() -> Iterator[threading.Event]:
    """SIGTERM (systemd, ``make run`` ending) ends the worker after the mail it is sending: none is left taken."""
    stopping = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    if threading.current_thread() is not threading.main_thread():
        yield stopping
        return
    previous = signal.signal(signal.SIGTERM, handle)
    try:
        yield stopping
    finally:
        signal.signal(signal.SIGTERM, previous)


@lbs_cli.command("worker")
@click.option("--once", is_flag=True, help="deliver what is due, then exit")
def worker(once: bool) -> None:
    """Deliver the outbox's mails (with LBS_SMTP_URL set); run until stopped, or with --once until nothing is due."""
    if not current_app.config.get("LBS_SMTP_URL"):
        click.echo("LBS_SMTP_URL is not set: nothing is mailed.", err=True)
    sent = retried = failed = 0
    with _stop_on_term() as stopping:
        try:
            while not stopping.is_set():
                done = _round()
                sent, retried, failed = sent + done.sent, retried + done.retried, failed + done.failed
                if once and done.sent == 0:
                    break
                if done.taken == 0:
                    stopping.wait(IDLE_PAUSE_SECONDS)
        except KeyboardInterrupt:
            pass
    click.echo(f"worker: {sent} sent, {retried} to retry, {failed} failed")
