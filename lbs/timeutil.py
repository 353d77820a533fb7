"""Time helpers: everything is stored in UTC and shown in the configured zone (Europe/Copenhagen)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    name = current_app.config["LBS_TIMEZONE"] if has_app_context() else "Europe/Copenhagen"
    return ZoneInfo(name)


class TimeError(ValueError):
    """A time that cannot be taken as given."""


_LONG_FRACTION = re.compile(r"[.,][0-9]{7,}")


def parse_iso_aware(value: str) -> datetime:
    """Parse ISO 8601 text that must carry an offset (``Z`` or ``+01:00``); return it in UTC."""
    if not isinstance(value, str) or not value or len(value) > 64 or "\x00" in value:
        raise TimeError("not an ISO 8601 time")
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    if _LONG_FRACTION.search(text):  # fromisoformat would silently drop the digits past microseconds
        raise TimeError("not an ISO 8601 time (at most 6 digits of a second)")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimeError("not an ISO 8601 time") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise TimeError("time needs an offset, e.g. +01:00 or Z")
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise TimeError("time out of range") from exc


def localize_strict(naive: datetime, zone: ZoneInfo | None = None) -> datetime:
    """Attach the local zone to a wall-clock time, refusing times that are ambiguous or do not exist.

    In October one hour happens twice (ambiguous), in March one hour is skipped (non-existent):
    we refuse rather than guess.
    """
    zone = zone or local_zone()
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise TimeError("this local time does not exist (the clocks skip it)")
    if first.utcoffset() != second.utcoffset():
        raise TimeError("ambiguous local time (it occurs twice when the clocks go back); give the offset")
    return first.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def minutes_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier) / timedelta(minutes=1)


def parse_local(text: str | None) -> datetime:
    """A form's ``datetime-local`` value (local time) → aware UTC; refuses DST-ambiguous or skipped times.
    The inverse is :func:`lbs.formatting.dt_input`."""
    value = (text or "").strip()
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            naive = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return localize_strict(naive)
    raise TimeError(_("Enter a date and time, e.g. 28.11.2026 14:05"))

