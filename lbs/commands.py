"""What every ``flask --app wsgi lbs …`` command shares: the command group, failing, and one transaction.

Domains add their commands to :data:`lbs_cli` in their own ``cli.py``; :mod:`lbs.cli` imports them all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from flask.cli import AppGroup

from lbs.database import write_intent
from lbs.errors import DomainError
from lbs.extensions import db

lbs_cli = AppGroup("lbs", help="LBS Register operations.")


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on standard error and exit 1 (2 for a usage error)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1 if not message.startswith("usage") else 2)


@contextmanager
def transaction(*, suffix: str = "") -> Iterator[None]:
    """Run the block as one write: commit at the end, or roll back and :func:`fail` on a ``DomainError``
    (its message followed by ``suffix``, e.g. "; nothing was imported")."""
    with write_intent():
        try:
            yield
        except DomainError as exc:
            db.session.rollback()
            fail(exc.message + suffix)
        db.session.commit()
