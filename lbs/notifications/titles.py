"""What a notification says, in the reader's language (rendered when read, and in Danish for mails)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from lbs.formatting import money
from lbs.labels import label
from lbs.notifications.models import Kind


def title(kind: Kind | str, params: dict[str, Any]) -> str:
    kind = Kind(kind)
    if kind is Kind.CONSULTATION_REQUEST:
        return str(_("Consultation: %(party)s is asked (%(mode)s) about “%(title)s” in %(incident)s",
                 party=params.get("party", ""), mode=label("mode", params.get("mode", "")),
                 title=params.get("title", ""), incident=params.get("incident", "")))
    if kind is Kind.COST_LINE:
        return str(_("New cost line for %(bearer)s: %(amount)s (%(category)s) in decision %(number)s “%(title)s”, "
                 "%(incident)s", bearer=params.get("bearer", ""), amount=money(Decimal(str(params.get("amount", "0")))),
                 category=label("cost_category", params.get("category", "")), number=params.get("number", ""),
                 title=params.get("title", ""), incident=params.get("incident", "")))
    if kind is Kind.COST_LINE_SUPERSEDED:
        return str(_("Cost line for %(bearer)s superseded: %(amount)s (%(category)s) of decision %(old)s is replaced "
                     "by amendment %(number)s “%(title)s”, %(incident)s", bearer=params.get("bearer", ""),
                     amount=money(Decimal(str(params.get("amount", "0")))),
                     category=label("cost_category", params.get("category", "")), old=params.get("old", ""),
                     number=params.get("number", ""), title=params.get("title", ""),
                     incident=params.get("incident", "")))
    return str(_("Answer from %(party)s: %(outcome)s on “%(title)s” in %(incident)s",
             party=params.get("party", ""), outcome=label("outcome", params.get("outcome", "")),
             title=params.get("title", ""), incident=params.get("incident", "")))
