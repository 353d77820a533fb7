"""What every HTML view shares: the acting user, load-or-404, and one way to run a write.

A write view validates its form, then runs the service call inside :class:`FormWrite`::

    write = FormWrite(form)
    with write:
        closing.reopen_incident(incident=incident, reason=form.reason.data, by=acting_user())
    if write.ok:
        flash(_("The incident was reopened."), "success")
        return redirect(url_for("incidents.show", incident_id=incident.id))
    return render_template(..., form=form), 422

On success the request's one transaction is committed; on a :class:`~lbs.errors.DomainError` it is rolled
back and the error's messages land on the form's fields (or are flashed when no field matches), in the user's
language: the services' messages are English (the API's), and :func:`lbs.i18n.translated` looks each one up in
the catalog (see :mod:`lbs.errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar, cast

from flask import abort, flash
from flask_login import current_user

from lbs.auth.models import User
from lbs.errors import DomainError, Forbidden, NotFound
from lbs.extensions import db
from lbs.i18n import translated

T = TypeVar("T")


def acting_user() -> User:
    """The signed-in user (views behind ``permission_required`` always have one)."""
    return cast(User, current_user._get_current_object())


def found_or_404(found: T | None) -> T:
    """The looked-up object, or a 404 when the lookup found nothing."""
    if found is None:
        abort(404)
    return found


def load_or_404(load: Callable[[], T]) -> T:
    """Run a service lookup; its ``NotFound``/``Forbidden`` become a 404/403 page."""
    try:
        return load()
    except (NotFound, Forbidden) as exc:
        abort(exc.status)


MAX_BODY = "lbs_max_body"


def accepts_body_of(size: int) -> Callable[[T], T]:
    """Mark a view that takes a request body larger than the app's ``MAX_CONTENT_LENGTH`` (an upload): the
    app sets the request's limit to ``size`` before anything reads the body (``lbs._per_request_state``)."""

    def mark(view: T) -> T:
        setattr(view, MAX_BODY, size)
        return view

    return mark


class FormWrite:
    """Runs one write as the request's transaction (see the module's docstring).

    ``fields`` renames a service's field names to the form's (``{"actual_dkk": "actual"}``); ``on_error``
    replaces that placing with the view's own (a message of its own for each kind of error); errors of the kinds
    in ``leave`` are rolled back but not shown, for the view to answer itself. After the block,
    ``ok`` says whether it was committed and ``error`` holds the ``DomainError`` when it was not.
    """

    def __init__(self, form: Any = None, *, fields: Mapping[str, str] | None = None,
                 on_error: Callable[[DomainError], None] | None = None,
                 leave: tuple[type[DomainError], ...] = ()) -> None:
        self.form = form
        self.fields = dict(fields or {})
        self.on_error = on_error
        self.leave = leave
        self.ok = False
        self.error: DomainError | None = None

    def __enter__(self) -> FormWrite:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> bool:
        if exc is None:
            db.session.commit()
            self.ok = True
            return False
        if not isinstance(exc, DomainError):
            return False
        db.session.rollback()
        self.error = exc
        if isinstance(exc, self.leave):
            pass
        elif self.on_error is not None:
            self.on_error(exc)
        else:
            self._show(exc)
        return True

    def _show(self, exc: DomainError) -> None:
        placed = False
        for name, messages in exc.fields.items():
            target = getattr(self.form, self.fields.get(name, name), None) if self.form is not None else None
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, *(translated(message) for message in messages)]
                placed = True
        if not placed:
            flash(translated(exc.message), "error")
