"""``flask lbs worker`` as its own process (as ``make run`` and systemd start it): it delivers what enters the
outbox while it runs, and SIGTERM ends it cleanly with its summary, leaving no mail taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from lbs.extensions import db
from lbs.notifications.models import MailStatus, OutboxMail
from tests.notifications.smtpsink import SmtpSink
from tests.notifications.test_workers import _fill_outbox

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_worker_process_delivers_and_stops_on_sigterm(committed_app, fresh_database_url):
    with SmtpSink() as sink:
        env = dict(os.environ, DATABASE_URL=fresh_database_url, LBS_SMTP_URL=sink.url)
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "lbs", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            _fill_outbox()  # written while the worker idles
            _wait_for(lambda: len(sink.handler.envelopes) >= 200)
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert worker.returncode == 0, output
    assert "worker: 200 sent, 0 to retry, 0 failed" in output
    assert len({m["Message-ID"] for m in sink.messages}) == 200 and len(sink.messages) == 200
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)
                             .where(OutboxMail.status != MailStatus.SENT)) == 0
