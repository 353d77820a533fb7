"""``create-user`` refuses a password shorter than 12 characters, of whitespace only, or among common passwords:
non-zero exit, nothing created; ``seed-demo`` alone makes users with ``demo`` (contract, *Sessions, passwords,
tokens and caching*)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from lbs.auth.models import User
from lbs.auth.passwords import common_passwords, password_problem
from lbs.extensions import db

REFUSED = {
    "1234": "at least 12",
    "demo": "at least 12",
    "elleve-tegn": "at least 12",
    " " * 14: "whitespace",
    "\t \t \t \t \t \t ": "whitespace",
    "password1234": "too common",
    "Password2024!": "too common",
    "qwertyuiop12": "too common",
    "123456789012": "too common",
    "1q2w3e4r5t6y": "too common",
    "aaaaaaaaaaaa": "too common",
    "abcabcabcabc": "too common",
    "passwordpassword": "too common",
    "Velkommen1234": "too common",
    "kodeord12345": "too common",
    "  Sommer  2024!!": "too common",
}


def _users() -> int:
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


@pytest.mark.parametrize("password", list(REFUSED))
def test_create_user_refuses_a_weak_password_and_creates_nothing(app: Flask, runner: Any, password: str):
    before = _users()
    result = runner.invoke(args=["lbs", "create-user", "ny-bruger", "--role", "police", "--password-stdin"],
                           input=password + "\n")
    assert result.exit_code != 0
    assert REFUSED[password] in result.output, result.output
    assert _users() == before
    assert db.session.scalar(select(User).where(User.username == "ny-bruger")) is None


@pytest.mark.parametrize("password", ["Sort-kaffe-ved-midnat", "herning brand 7731", "Tr0ub4dor&3xyz!"])
def test_create_user_accepts_a_strong_password(app: Flask, runner: Any, password: str):
    result = runner.invoke(args=["lbs", "create-user", "ny-bruger", "--role", "police", "--password-stdin"],
                           input=password + "\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.username == "ny-bruger")).one()
    assert check_password_hash(user.password_hash, password)


def test_the_demo_users_have_demo(app: Flask):
    """``seed-demo`` (the session's database is seeded by it) is the one way to a password of ``demo``."""
    users = db.session.scalars(select(User)).all()
    assert {u.username for u in users} >= {"politi", "herning", "holstebro", "revisor", "admin"}
    assert all(check_password_hash(u.password_hash, "demo") for u in users)


def test_the_list_is_bundled_and_lower_case():
    words = common_passwords()
    assert len(words) > 300 and "password" in words and "kodeord" in words
    assert all(w == w.lower().strip() for w in words)


def test_policy_directly():
    assert password_problem("Sort-kaffe-ved-midnat") is None
    assert password_problem("0987654321!!") is not None
    assert password_problem("monkeymonkey") is not None
