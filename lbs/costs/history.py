"""A cost line's history as sentences in the reader's language, with labels for the stored codes and local times:
"Status ændret fra *Estimeret* til *Omtvistet* af herning, 06.12.2026 02:31".

The history keeps each change as text (``lbs.costs.workflow._as_text``: codes, amounts with two decimals, ISO
dates); here each value is shown as the pages show it (a label, ``1.234,50 kr.``, ``15.12.2026``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from lbs import labels
from lbs.costs.lines import Change
from lbs.formatting import day, dt, money

FIELD_LABELS = {
    "status": _l("Status"),
    "actual_dkk": _l("Actual amount"),
    "invoice_ref": _l("Invoice reference"),
    "note": _l("Note"),
    "budget_note": _l("Budget note"),
    "council_meeting_on": _l("Council meeting"),
}
_EMPHASIS = Markup("<em>%s</em>")


def shown_value(field: str, text: str) -> str:
    """A stored value as the pages show it; a value that does not read as its field's type is shown as it is."""
    try:
        if field == "status":
            return labels.label_of(labels.COST_STATUS, text)
        if field == "budget_note":
            return labels.label_of(labels.BUDGET_NOTE, text)
        if field == "actual_dkk":
            return money(Decimal(text))
        if field == "council_meeting_on":
            return day(date.fromisoformat(text))
    except (InvalidOperation, ValueError):
        pass
    return text


def sentence(change: Change, username: str) -> Markup:
    """One entry of the history as a sentence; the old and new values emphasised."""
    at = dt(change.at)
    if change.field == "superseded_by":
        template = _("Superseded by amendment no. %(number)s, logged by %(user)s, %(at)s")
        return Markup(escape(template)) % {"number": change.new or "–", "user": username, "at": at}
    if change.field == "informed":
        template = _("Informed of the dispute: %(new)s (noted by %(user)s, %(at)s)")
        return Markup(escape(template)) % {"new": _EMPHASIS % (change.new or "–"), "user": username, "at": at}
    label = FIELD_LABELS.get(change.field)
    values = {
        "field": str(label) if label is not None else change.field, "user": username, "at": at,
        "old": _EMPHASIS % shown_value(change.field, change.old) if change.old is not None else "",
        "new": _EMPHASIS % shown_value(change.field, change.new) if change.new is not None else "",
    }
    if change.old is None:
        template = _("%(field)s set to %(new)s by %(user)s, %(at)s")
    elif change.new is None:
        template = _("%(field)s removed (was %(old)s) by %(user)s, %(at)s")
    else:
        template = _("%(field)s changed from %(old)s to %(new)s by %(user)s, %(at)s")
    return Markup(escape(template)) % values


def sentences(history: list[tuple[Change, str]]) -> list[Markup]:
    return [sentence(change, username) for change, username in history]
