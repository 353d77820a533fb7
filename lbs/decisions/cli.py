"""``flask --app wsgi lbs verify [--incident ID]``: recompute every decision chain (or one)."""

from __future__ import annotations

import click

from lbs.commands import fail, lbs_cli
from lbs.decisions.verification import verify_all
from lbs.errors import DomainError


@lbs_cli.command("verify")
@click.option("--incident", "incident_id", type=click.IntRange(min=1, max=2**31 - 1), default=None,
              help="check only this incident")
def verify(incident_id: int | None) -> None:
    """Check the decision chains: exit 0 if intact, 1 naming the first broken decision."""
    try:
        results = verify_all(incident_id)
    except DomainError as exc:
        fail(exc.message)
        return
    checked = sum(r.result.checked for r in results)
    for item in results:
        if not item.result.ok:
            result = item.result
            where = f"chain broken at decision {result.first_broken}"
            if result.broken_attachment is not None:
                where += f": attachment {result.broken_attachment or '(name lost)'!r} changed or missing"
            fail(f"incident {item.incident_id} ({item.title}): {where}")
            return
    click.echo(f"OK: {len(results)} incident(s), {checked} decision(s), every chain intact.")
