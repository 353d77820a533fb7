"""What the UI says when an incident's chain breaks at an attachment (``ChainResult.broken_attachment``)."""

from __future__ import annotations

from flask_babel import gettext as _


def broken_attachment_message(name: str | None, number: int | None) -> str | None:
    """The Danish sentence naming the attachment found changed or missing (None when none was)."""
    if name is None:
        return None
    n = number if number is not None else "–"
    if name:
        return str(_("The attachment »%(name)s« of decision %(n)s has been changed or is missing.", name=name, n=n))
    return str(_("An attachment of decision %(n)s has been changed or is missing.", n=n))
