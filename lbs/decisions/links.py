"""Links to pages that may not be installed: the proposal and answer pages live in ``lbs.hearing`` above the
decision log, whose pages link to them by endpoint name only when the endpoint exists."""

from __future__ import annotations

from typing import Any

from flask import url_for
from werkzeug.routing import BuildError


def url_or_none(endpoint: str, **values: Any) -> str | None:
    """``url_for(endpoint, **values)``, or None where no such endpoint is registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None
