"""``flask lbs worker [--once]``: deliver the outbox's mails and build the review packs asked for.

Mails are delivered on the main thread (with ``LBS_SMTP_URL`` set), packs built on a thread of their own, so
that a long incident's pack never holds up the mails. Several workers may run on several hosts: each takes a
mail or a pack in a short transaction of its own (see :mod:`lbs.notifications.delivery` and
:mod:`lbs.review.pack_jobs`).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask import Flask, current_app

from lbs.commands import lbs_cli
from lbs.database import write_intent
from lbs.extensions import db
from lbs.notifications import delivery
from lbs.review import pack_jobs
from lbs.review.pack_models import PackStatus, ReviewPack
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


def build_one() -> PackStatus | None:
    """Build the oldest pack waiting, if any: its status afterwards (None: nothing waited)."""
    try:
        if not pack_jobs.anything_due():
            return None
        db.session.rollback()
        with write_intent():
            pack_id = pack_jobs.take()
        if pack_id is None:
            return None
        try:
            return pack_jobs.build(pack_id).status
        except Exception as exc:  # recorded on the pack (queued again, or failed): the worker goes on
            current_app.logger.exception("review pack %s: %s", pack_id, exc)
            db.session.rollback()
            pack = db.session.get(ReviewPack, pack_id)
            return pack.status if pack is not None else None
    finally:
        db.session.remove()


def build_packs_until(app: Flask, stopping: threading.Event) -> None:
    """Build the packs asked for, one after another, until ``stopping`` is set (a thread of the worker)."""
    while not stopping.is_set():
        with app.app_context():
            built = build_one()
        if built is None:
            stopping.wait(IDLE_PAUSE_SECONDS)


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
@click.option("--once", is_flag=True, help="build the packs waiting and deliver what is due, then exit")
def worker(once: bool) -> None:
    """Deliver the outbox's mails (with LBS_SMTP_URL set) and build the review packs asked for; run until stopped,
    or with --once until nothing is due."""
    if not current_app.config.get("LBS_SMTP_URL"):
        click.echo("LBS_SMTP_URL is not set: nothing is mailed.", err=True)
    sent = retried = failed = packs = 0
    with _stop_on_term() as stopping:
        builder = None
        if once:
            while build_one() is not None:
                packs += 1
        else:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            builder = threading.Thread(target=build_packs_until, args=(app, stopping), name="lbs-packs", daemon=True)
            builder.start()
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
        stopping.set()
        if builder is not None:
            builder.join(timeout=5)
    click.echo(f"worker: {sent} sent, {retried} to retry, {failed} failed" + (f", {packs} packs built" if once else ""))
