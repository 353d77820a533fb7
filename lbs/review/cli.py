"""``flask --app wsgi lbs verify-pack FILE.zip``: check a review pack against its manifest."""

from __future__ import annotations

import sys

import click

from lbs.commands import lbs_cli
from lbs.review.pack import verify_pack


@lbs_cli.command("verify-pack")
@click.argument("path", type=click.Path(dir_okay=False))
def verify_pack_command(path: str) -> None:
    """Verify a review pack: every file's SHA-256 against manifest.json, and the chain head."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        click.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        sys.exit(1)
    result = verify_pack(data)
    if not result.ok:
        click.echo(f"error: pack not intact: {result.problem}", err=True)
        sys.exit(1)
    click.echo(f"Pack intact: {result.checked} files match the manifest.")
