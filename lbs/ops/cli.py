"""Operations commands: ``backup PATH`` and ``restore PATH`` for the SQLite database."""

from __future__ import annotations

from pathlib import Path

import click

from lbs.commands import fail, lbs_cli
from lbs.errors import DomainError
from lbs.extensions import db
from lbs.ops import backup as backups


@lbs_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Make a consistent online copy of the SQLite database at PATH."""
    try:
        info = backups.backup(db.engine, path)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(f"backup written to {info.path} ({info.bytes} bytes, schema {info.schema_revision}, "
               f"{info.decisions} decisions); integrity ok")


@lbs_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_command(path: Path, yes: bool) -> None:
    """Check the backup at PATH and restore it over the SQLite database."""
    try:
        info = backups.check_database_file(path)
    except DomainError as exc:
        fail(exc.message)
        return
    if not yes:
        click.confirm(f"Replace the database with {path} ({info.decisions} decisions)?", abort=True)
    try:
        backups.restore(db.engine, path)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(f"restored {path} (schema {info.schema_revision}, {info.decisions} decisions)")
