"""Who may do what. Every view and API endpoint asks here."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user

from lbs.auth.models import Role, User


class Action(enum.StrEnum):
    READ = "read"
    READ_UNSCOPED = "read_unscoped"  # what cannot be narrowed to one municipality (a stored signed pack)
    ROSTER_EDIT = "roster_edit"
    DECISION_WRITE = "decision_write"
    COST_EDIT = "cost_edit"
    RULES_EDIT = "rules_edit"
    REVIEW_WRITE = "review_write"
    USERS_ADMIN = "users_admin"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.POLICE: frozenset({Action.READ, Action.READ_UNSCOPED, Action.ROSTER_EDIT, Action.DECISION_WRITE}),
    Role.MUNICIPALITY: frozenset({Action.READ, Action.COST_EDIT}),
    Role.REVIEWER: frozenset({Action.READ, Action.READ_UNSCOPED, Action.REVIEW_WRITE}),
    Role.ADMIN: frozenset(
        {Action.READ, Action.READ_UNSCOPED, Action.ROSTER_EDIT, Action.DECISION_WRITE, Action.RULES_EDIT,
         Action.USERS_ADMIN}
    ),
}


def can(user: User | None, action: Action, *, bearer_organisation_id: int | None = None) -> bool:
    """True when ``user`` may perform ``action``.

    Cost edits are scoped: only a municipal user whose municipality's organisation is the bearer.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action not in ROLE_ACTIONS.get(user.role, frozenset()):
        return False
    if action is Action.COST_EDIT and bearer_organisation_id is not None:
        municipality = user.municipality
        return municipality is not None and municipality.organisation_id == bearer_organisation_id
    return True


F = TypeVar("F", bound=Callable[..., Any])


def permission_required(action: Action) -> Callable[[F], F]:
    """For HTML views: 401 (→ sign-in) when signed out, 403 when the role may not."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if not can(cast(User, current_user), action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.lbs_action = action  # type: ignore[attr-defined]  # read by the read scope's guard
        return cast(F, wrapped)

    return decorator
