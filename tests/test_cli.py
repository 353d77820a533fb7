"""The operators' CLI: seed-demo, create-user, token, revoke-token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from lbs.auth.models import ApiToken, Role, User
from lbs.extensions import db
from lbs.organisations.models import Municipality
from lbs.staffs.models import Assignment, Position, Staff
from tests.conftest import make_app, prepare_database

ROOT = Path(__file__).resolve().parent.parent


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_demo_loads_the_district_once(fresh_database_url):
    prepare_database(fresh_database_url, seed=False)
    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lbs", "seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Municipality) == 11
        assert {s.code for s in db.session.scalars(select(Staff))} == {"LBS-S", "LBS-O"}
        lbs_o = db.session.scalar(select(Staff).where(Staff.code == "LBS-O"))
        assert lbs_o.parent.code == "LBS-S"
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert set(users) == {"politi", "herning", "holstebro", "revisor", "admin"}
        assert users["herning"].municipality_code == "657" and users["holstebro"].municipality_code == "661"
        assert users["revisor"].role is Role.REVIEWER and users["admin"].role is Role.ADMIN
        positions, assignments = count(Position), count(Assignment)
        assert positions > 20 and assignments > positions
    again = runner.invoke(args=["lbs", "seed-demo"])
    assert again.exit_code == 0
    assert "not empty" in again.output
    with app.app_context():
        assert count(Position) == positions and count(Assignment) == assignments
        db.engine.dispose()


def test_create_user_and_errors(app, runner):
    ok = runner.invoke(args=["lbs", "create-user", "ikast", "--role", "municipality", "--municipality", "756",
                             "--password-stdin"], input="Sort-kaffe-ved-midnat\n")
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(select(User).where(User.username == "ikast"))
    assert user.role is Role.MUNICIPALITY and user.municipality_code == "756"
    assert user.password_hash != "Sort-kaffe-ved-midnat"

    cases = [
        (["x1", "--role", "chief"], "role"),
        (["x2", "--role", "municipality"], "municipality"),
        (["x3", "--role", "police", "--municipality", "657"], "only allowed"),
        (["x4", "--role", "municipality", "--municipality", "999"], "unknown municipality"),
        (["ikast", "--role", "police"], "exists"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["lbs", "create-user", *args, "--password-stdin"], input="Sort-kaffe-ved-midnat\n")
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username.like("x%"))) == 0


def test_token_prints_one_line_and_authenticates(app, runner, client):
    result = runner.invoke(args=["lbs", "token", "revisor"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    token = lines[0]
    stored = db.session.scalars(select(ApiToken)).all()
    assert all(t.token_hash != token for t in stored), "tokens must be stored hashed"
    assert client.get("/api/v1/staffs", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    revoked = runner.invoke(args=["lbs", "revoke-token", "revisor"])
    assert revoked.exit_code == 0
    assert client.get("/api/v1/staffs", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    unknown = runner.invoke(args=["lbs", "token", "nobody"])
    assert unknown.exit_code != 0 and "unknown user" in unknown.output


def test_cli_as_operators_run_it(fresh_database_url):
    """The real command line: ``flask --app wsgi lbs …`` with DATABASE_URL, errors on stderr."""
    prepare_database(fresh_database_url)
    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "lbs"]
    token = subprocess.run([*flask, "token", "politi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert token.returncode == 0, token.stderr
    assert len(token.stdout.strip().splitlines()) == 1 and token.stdout.strip().startswith("lbs_")
    bad = subprocess.run([*flask, "create-user", "y", "--role", "boss", "--password-stdin"], cwd=ROOT, env=env,
                         input="pw12\n", capture_output=True, text=True)
    assert bad.returncode != 0
    assert bad.stderr.strip().count("\n") == 0 and "role" in bad.stderr
    seeded = subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert seeded.returncode == 0 and "not empty" in seeded.stdout
