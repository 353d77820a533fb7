"""The main navigation. Domains register their entry page; the base layout shows those that exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lbs.auth.models import Role
from lbs.auth.permissions import Action, can
from lbs.forms import EmptyForm, LanguageForm
from lbs.hearing.reads import waiting_count
from lbs.hearing.versions import notifications_version
from lbs.notifications.services import counts

# (endpoint, label, blueprint that marks it active)
NAV_ITEMS: list[tuple[str, Any, str]] = [
    ("staffs.index", _l("Rosters"), "staffs"),
    ("incidents.index", _l("Incidents"), "incidents"),
    ("costs.index", _l("Costs"), "costs"),
    ("consultation.graph", _l("Consultation graph"), "consultation"),
    ("review.index", _l("Review"), "review"),
]
# The hearings entry (after "Incidents") for the roles that answer consultation requests, with the count of
# those waiting for the user's answer.
HEARINGS_ITEM = ("answers.index", _l("Hearings"), "answers")
HEARINGS_AFTER = "incidents.index"
ANSWERING_ROLES = (Role.POLICE, Role.MUNICIPALITY, Role.ADMIN)
# The admin pages (users, mail outbox), last, for the roles that administer users.
ADMIN_ITEM = ("admin.users", _l("Administration"), "admin")


ROLE_LABELS = {
    "police": _l("police"),
    "municipality": _l("municipality"),
    "reviewer": _l("reviewer"),
    "admin": _l("administrator"),
}


def role_label(user: Any) -> str:
    label = str(ROLE_LABELS.get(user.role.value, user.role.value))
    if user.municipality is not None:
        return f"{label}, {user.municipality.name}"
    return label


def _hearings_item() -> dict[str, Any]:
    """One count query, for a signed-in user of an answering role only."""
    endpoint, label, blueprint = HEARINGS_ITEM
    return {"endpoint": endpoint, "label": label, "active": request.blueprint == blueprint,
            "count": waiting_count(current_user._get_current_object())}


@dataclass(frozen=True)
class Bell:
    unread: int
    version: str  # of the ``notifications`` live source, from the same count


def _bell() -> Bell:
    user = current_user._get_current_object()
    counted = counts(user)
    return Bell(unread=counted[1], version=notifications_version(user, counted))


def register_navigation(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict[str, Any]:
        items = []
        if current_user.is_authenticated and can(current_user, Action.READ):
            for endpoint, label, blueprint in NAV_ITEMS:
                items.append({"endpoint": endpoint, "label": label, "active": request.blueprint == blueprint})
                if endpoint == HEARINGS_AFTER and current_user.role in ANSWERING_ROLES:
                    items.append(_hearings_item())
        if current_user.is_authenticated and can(current_user, Action.USERS_ADMIN):
            endpoint, label, blueprint = ADMIN_ITEM
            items.append({"endpoint": endpoint, "label": label, "active": request.blueprint == blueprint})
        return {
            # The header's bell (called once by the layout: one count query per page; none for a mail's template).
            "notification_bell": _bell,
            "get_locale": get_locale,
            "role_label": role_label,
            "nav_items": items,
            # The rules page is linked from the admin pages and the graph for those who may edit the rules.
            "can_edit_rules": current_user.is_authenticated and can(current_user, Action.RULES_EDIT),
            # Only rendered (their CSRF tokens): never fed the request's body, which a page for a refused body
            # (413) must not read again.
            "logout_form": EmptyForm(formdata=None),
            "language_form": LanguageForm(formdata=None),
        }
