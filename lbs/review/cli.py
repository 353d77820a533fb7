"""``flask --app wsgi lbs verify-pack FILE.zip [--public-key PEM]``: check a review pack strictly (see
:mod:`lbs.review.verify`). Every failure is one line and exit 1, never a traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from lbs.commands import lbs_cli
from lbs.review import signing
from lbs.review.verify import verify_pack


@lbs_cli.command("verify-pack")
@click.argument("path", type=click.Path())
@click.option("--public-key", "public_key", type=click.Path(), default=None,
              help="PEM file of the Ed25519 public key the pack must be signed with (default: this instance's).")
def verify_pack_command(path: str, public_key: str | None) -> None:
    """Verify a review pack: its signature, every file's SHA-256 against manifest.json, and the chain head."""
    try:
        key = signing.load_public(public_key) if public_key else signing.instance_public_key()
        result = verify_pack(path, key)
    except signing.SigningKeyError as exc:
        _fail(f"error: {exc}")
    except Exception as exc:  # the last resort: one line, never a traceback
        _fail(f"error: pack not intact: could not be checked ({type(exc).__name__})")
    if not result.ok:
        _fail(f"error: pack not intact: {result.problem}")
    click.echo(f"Pack intact: {result.checked} files match the manifest, signed by key {key.fingerprint}.")


def _fail(line: str) -> NoReturn:
    click.echo(" ".join(line.split()), err=True)
    sys.exit(1)
