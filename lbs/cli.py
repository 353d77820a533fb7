"""``flask --app wsgi lbs …``: the operators' commands (see shared/contract.md)."""

from __future__ import annotations

import importlib
import sys

import click
from flask.cli import AppGroup

from lbs.database import write_intent
from lbs.errors import DomainError
from lbs.extensions import db
from lbs.modules import optional_modules

lbs_cli = AppGroup("lbs", help="LBS Register operations.")


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1 if not message.startswith("usage") else 2)


@lbs_cli.command("seed-demo")
@click.option("--decisions", "decisions", type=click.IntRange(min=0), default=None,
              help="also create exactly N synthetic decisions")
@click.option("--incidents", "incidents", type=click.IntRange(min=1), default=None,
              help="spread the synthetic decisions over K extra incidents (default max(1, N // 1000))")
def seed_demo(decisions: int | None, incidents: int | None) -> None:
    """Load the demo district into an empty database."""
    from lbs.demo import district, seed_demo

    if incidents is not None and decisions is None:
        fail("--incidents goes with --decisions")
    with write_intent():
        if not district.database_is_empty():
            click.echo("The database is not empty: seed-demo changed nothing.")
            db.session.rollback()
            return
        seed_demo()
        db.session.commit()
    click.echo("Demo district loaded: 11 municipalities, LBS-S and LBS-O, users politi, herning, holstebro, "
               "revisor, admin (password: demo).")
    if decisions:
        synthetic = importlib.import_module("lbs.decisions.synthetic")
        synthetic.seed_synthetic(decisions=decisions, incidents=incidents or max(1, decisions // 1000), echo=click.echo)


# Domains add their own commands to ``lbs_cli`` in these modules (imported when they exist).
CLI_MODULES = ["lbs.staffs.cli", "lbs.decisions.cli", "lbs.costs.cli", "lbs.review.cli", "lbs.ops.cli"]
optional_modules(CLI_MODULES)


@lbs_cli.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help="police, municipality, reviewer or admin")
@click.option("--municipality", "municipality", default=None, help="kommunekode (only with --role municipality)")
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from standard input")
def create_user(username: str, role: str, municipality: str | None, password_stdin: bool) -> None:
    """Create a user."""
    from lbs.auth import services

    password = sys.stdin.readline().rstrip("\r\n")
    with write_intent():
        try:
            user = services.create_user(username=username, role=role, password=password,
                                        municipality_code=municipality)
        except DomainError as exc:
            db.session.rollback()
            fail(exc.message)
            return
        db.session.commit()
    click.echo(f"created user {user.username} ({user.role.value})")


@lbs_cli.command("token")
@click.argument("username")
def token(username: str) -> None:
    """Issue a new API token and print it alone on one line."""
    from lbs.auth import services

    with write_intent():
        try:
            value = services.issue_token(username=username)
        except DomainError as exc:
            db.session.rollback()
            fail(exc.message)
            return
        db.session.commit()
    click.echo(value)


@lbs_cli.command("revoke-token")
@click.argument("username")
def revoke_token(username: str) -> None:
    """Revoke every API token of a user."""
    from lbs.auth import services

    with write_intent():
        try:
            count = services.revoke_tokens(username=username)
        except DomainError as exc:
            db.session.rollback()
            fail(exc.message)
            return
        db.session.commit()
    click.echo(f"revoked {count} token(s) of {username}")
