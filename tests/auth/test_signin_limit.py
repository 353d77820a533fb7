"""The sign-in limit counts failures per user name and address together (issue 23): a burst for other names
from one address never locks a user out; a locked user is refused with 429 and told when to try again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from limits import parse_many
from sqlalchemy import func, select

from lbs.auth import signin_limit
from lbs.auth.attempts import LoginAttempt
from lbs.auth.signin_limit import DatabaseCounter, SignInLimit, retry_at, windows
from lbs.extensions import db
from tests.conftest import make_app

START = datetime(2026, 12, 7, 1, 30, 10, tzinfo=UTC)  # 02:30:10 in Copenhagen
STATION = "192.0.2.10"


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def limited(app, rule: str, clock: Clock) -> SignInLimit:
    """Put a database-counted limit with a test clock on the (rolled-back) app."""
    limit = SignInLimit(DatabaseCounter(windows(parse_many(rule))), clock=clock)
    app.extensions["lbs.signin_limit"] = limit
    return limit


def post(client, username: str, password: str = "wrong", address: str = STATION):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_the_limit_string_means_what_it_says():
    limits = windows(parse_many("10 per minute;100 per hour"))
    assert limits == [(10, timedelta(minutes=1)), (100, timedelta(hours=1))]
    now = START
    # Nine failures in the last minute: one more may be tried.
    assert retry_at(limits, [now - timedelta(seconds=s) for s in range(9)], now) is None
    ten = [now - timedelta(seconds=s) for s in range(10)]
    assert retry_at(limits, ten, now) == ten[-1] + timedelta(minutes=1)
    # A hundred spread over the hour (none of the minutes full): the hour's limit holds until the oldest leaves.
    hundred = [now - timedelta(seconds=30 * i + 1) for i in range(100)]
    assert retry_at(limits, hundred, now) == hundred[-1] + timedelta(hours=1)


def test_a_burst_for_other_names_from_one_address_never_locks_a_user_out(app, client):
    limited(app, "3 per minute", Clock())
    for i in range(50):
        assert post(client, f"someone{i}").status_code == 200
    # One of those names tried on past its limit (known or not, the same answer).
    assert [post(client, "nobody").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert post(client, "politi", "demo").status_code == 302
    failed = db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.address == STATION, LoginAttempt.succeeded.is_(False)))
    assert failed == 53, "every failed sign-in is in the audit table; the refused one is not counted"


def test_a_locked_user_gets_429_with_the_time_to_try_again_even_with_the_right_password(app, client):
    clock = Clock()
    limited(app, "3 per minute", clock)
    assert [post(client, " Politi ").status_code for _ in range(3)] == [200, 200, 200]
    clock.advance(seconds=5)
    refused = post(client, "politi", "demo")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    # Failures at 02:30:10 local lift at 02:31:10: shown rounded up to the minute.
    assert "For mange mislykkede forsøg for dette brugernavn. Prøv igen kl. 02:32." in text
    assert "Forkert brugernavn" not in text
    assert refused.headers["Retry-After"] == "55"
    assert client.get("/").status_code == 302, "not signed in"
    # From another address the same user is not locked (the pair is the key).
    assert post(client, "politi", "demo", address="198.51.100.7").status_code == 302
    client.post("/logout")
    clock.advance(seconds=56)
    assert post(client, "politi", "demo").status_code == 302


def test_an_unknown_name_is_locked_the_same_way(app, client):
    limited(app, "2 per minute", Clock())
    known = [post(client, "politi").status_code for _ in range(3)]
    unknown = [post(client, "ghost").status_code for _ in range(3)]
    assert known == unknown == [200, 200, 429]


def test_a_success_forgives_the_failures_before_it(app, client):
    clock = Clock()
    limited(app, "3 per minute", clock)
    assert [post(client, "politi").status_code for _ in range(2)] == [200, 200]
    assert post(client, "politi", "demo").status_code == 302
    client.post("/logout")
    clock.advance(seconds=1)
    assert [post(client, "politi").status_code for _ in range(3)] == [200, 200, 200]
    assert post(client, "politi", "demo").status_code == 429


def test_the_longer_window_holds_after_the_shorter_has_passed(app):
    clock = Clock()
    limit = limited(app, "2 per minute;3 per hour", clock)
    with app.test_request_context():
        for _ in range(3):
            assert limit.check("politi", STATION) is None
            limit.record("politi", STATION, succeeded=False)
            clock.advance(minutes=2)
        assert limit.check("politi", STATION) == START + timedelta(hours=1)
        clock.now = START + timedelta(hours=1, seconds=1)
        assert limit.check("politi", STATION) is None


def test_old_attempts_are_pruned_and_recent_ones_kept(app, monkeypatch):
    clock = Clock()
    limit = limited(app, "3 per minute", clock)
    with app.test_request_context():
        for days in (90, 31, 29, 1):
            clock.now = START - timedelta(days=days)
            limit.record("politi", STATION, succeeded=False)
        clock.now = START
        assert limit.prune() == 2
        kept = db.session.scalars(select(LoginAttempt.at).where(LoginAttempt.address == STATION)).all()
        assert sorted(kept) == [START - timedelta(days=29), START - timedelta(days=1)]
        # Pruning runs by itself every PRUNE_EVERY attempts.
        monkeypatch.setattr(signin_limit, "PRUNE_EVERY", 1)
        clock.now = START + timedelta(days=2)
        limit.record("politi", STATION, succeeded=True)
        kept = db.session.scalars(select(LoginAttempt.at).where(LoginAttempt.address == STATION)).all()
        assert sorted(kept) == [START - timedelta(days=1), clock.now]


def test_the_audit_keeps_at_least_the_longest_window():
    limit = signin_limit.build({"LBS_LOGIN_LIMIT": "5 per 90 day", "RATELIMIT_STORAGE_URI": "memory://"})
    assert limit.keep == timedelta(days=180)
    assert signin_limit.build({"LBS_LOGIN_LIMIT": "10 per minute;100 per hour"}).keep == signin_limit.KEEP


def test_with_the_limit_off_nothing_is_refused_but_attempts_are_kept(app, client):
    assert app.config["RATELIMIT_ENABLED"] is False
    assert {post(client, "politi").status_code for _ in range(12)} == {200}
    assert post(client, "politi", "demo").status_code == 302
    rows = db.session.scalars(select(LoginAttempt).where(LoginAttempt.address == STATION)).all()
    assert [r.succeeded for r in rows].count(False) == 12 and rows[-1].succeeded


@pytest.mark.parametrize("proxy_fix", [True, False])
def test_the_address_is_the_one_flask_sees(database_url, proxy_fix):
    """Behind the proxy (LBS_PROXY_FIX=1) two clients with one peer address are told apart by X-Forwarded-For."""
    app = make_app(database_url, RATELIMIT_ENABLED=True, LBS_LOGIN_LIMIT="1 per minute", LBS_PROXY_FIX=proxy_fix)
    client = app.test_client()
    peer = {"REMOTE_ADDR": "203.0.113.1" if proxy_fix else "203.0.113.2"}
    tag = "a" if proxy_fix else "b"

    def attempt(forwarded: str) -> int:
        return client.post("/login", data={"username": f"proxied-{tag}", "password": "x"}, environ_base=peer,
                           headers={"X-Forwarded-For": forwarded}).status_code

    assert attempt("198.51.100.21") == 200
    assert attempt("198.51.100.21") == 429
    assert attempt("198.51.100.22") == (200 if proxy_fix else 429)
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginAttempt.address).where(
            LoginAttempt.username == f"proxied-{tag}")))
        assert addresses == ({"198.51.100.21", "198.51.100.22"} if proxy_fix else {"203.0.113.2"})
        db.session.execute(LoginAttempt.__table__.delete().where(LoginAttempt.username == f"proxied-{tag}"))
        db.session.commit()
