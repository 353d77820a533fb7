"""``flask --app wsgi lbs …``: the operators' commands (the README lists them)."""

from __future__ import annotations

import sys

import click

# Importing a domain's CLI module adds its commands to ``lbs_cli``.
import lbs.decisions.cli
import lbs.ops.cli
import lbs.ops.worker
import lbs.review.cli
import lbs.staffs.cli  # noqa: F401
from lbs.auth import services as auth
from lbs.commands import fail, lbs_cli, transaction
from lbs.database import write_intent
from lbs.decisions.synthetic import seed_synthetic
from lbs.demo import district, seed_demo
from lbs.extensions import db


@lbs_cli.command("seed-demo")
@click.option("--decisions", "decisions", type=click.IntRange(min=0), default=None,
              help="also create exactly N synthetic decisions")
@click.option("--incidents", "incidents", type=click.IntRange(min=1), default=None,
              help="spread the synthetic decisions over K extra incidents (default max(1, N // 1000))")
def seed_demo_command(decisions: int | None, incidents: int | None) -> None:
    """Load the demo district into an empty database."""
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
        seed_synthetic(decisions=decisions, incidents=incidents or max(1, decisions // 1000), echo=click.echo)


@lbs_cli.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help="police, municipality, reviewer or admin")
@click.option("--municipality", "municipality", default=None, help="kommunekode (only with --role municipality)")
@click.option("--email", "email", default=None, help="where notifications are mailed")
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from standard input")
def create_user(username: str, role: str, municipality: str | None, email: str | None, password_stdin: bool) -> None:
    """Create a user."""
    password = sys.stdin.readline().rstrip("\r\n")
    with transaction():
        user = auth.create_user(username=username, role=role, password=password,
                                municipality_code=municipality, email=email)
    click.echo(f"created user {user.username} ({user.role.value})")


@lbs_cli.command("token")
@click.argument("username")
@click.option("--days", "days", type=click.IntRange(min=1, max=3650), default=auth.TOKEN_DAYS, show_default=True,
              help="the token stops working after N days")
def token(username: str, days: int) -> None:
    """Issue a new API token and print it alone on one line."""
    with transaction():
        value = auth.issue_token(username=username, days=days)
    click.echo(value)


@lbs_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from standard input")
def set_password(username: str, password_stdin: bool) -> None:
    """Change a user's password; every session of the user ends."""
    password = sys.stdin.readline().rstrip("\r\n")
    with transaction():
        auth.set_password(username=username, password=password)
    click.echo(f"password of {username} changed; their sessions ended")


@lbs_cli.command("set-role")
@click.argument("username")
@click.option("--role", required=True, help="police, municipality, reviewer or admin")
@click.option("--municipality", "municipality", default=None, help="kommunekode (only with --role municipality)")
def set_role(username: str, role: str, municipality: str | None) -> None:
    """Change a user's role; every session of the user ends."""
    with transaction():
        user = auth.set_role(username=username, role=role, municipality_code=municipality)
    click.echo(f"{user.username} is now {user.role.value}; their sessions ended")


@lbs_cli.command("revoke-token")
@click.argument("username")
def revoke_token(username: str) -> None:
    """Revoke every API token of a user."""
    with transaction():
        count = auth.revoke_tokens(username=username)
    click.echo(f"revoked {count} token(s) of {username}")
