"""Roster pages: the staffs, the roster as of any moment, editing (police, admin), history, print."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from lbs.auth.permissions import Action, can, permission_required
from lbs.crumbs import Crumb, people_steps, staff_steps, trail
from lbs.errors import Conflict, DomainError
from lbs.formatting import dt
from lbs.forms import choices
from lbs.i18n import translated
from lbs.organisations import services as organisations
from lbs.staffs import services
from lbs.staffs.forms import AssignForm, EndForm, PersonForm, PositionForm, ReplaceForm
from lbs.staffs.history import position_corrections, position_story
from lbs.staffs.models import Position
from lbs.staffs.roster import Problem
from lbs.timeutil import TimeError, localize_strict, to_local, utcnow
from lbs.web import FormWrite, acting_user, found_or_404

bp = Blueprint("staffs", __name__, url_prefix="/staffs")

# What a datetime-local input sends: 2026-11-28T14:05 (seconds optional).
_LOCAL_INPUT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")


def _can_edit() -> bool:
    return can(acting_user(), Action.ROSTER_EDIT)


def time_error_message(exc: TimeError) -> str:
    if "ambiguous" in str(exc):
        return str(_("This local time occurs twice (the clocks go back): choose a time outside that hour."))
    if "does not exist" in str(exc):
        return str(_("This local time does not exist (the clocks skip it): choose another time."))
    return str(_("Not a valid date and time."))


def _localized(field: Any) -> datetime | None:
    """The field's local wall-clock time in UTC, or ``None`` with an error on the field (DST edges)."""
    if field.data is None:
        return None
    try:
        return localize_strict(field.data)
    except TimeError as exc:
        field.errors.append(time_error_message(exc))
        return None


def _now_local() -> datetime:
    return to_local(utcnow()).replace(second=0, microsecond=0, tzinfo=None)


def _organisation_choices() -> list[Any]:
    return choices([(o.id, o.name) for o in organisations.list_organisations()])


def _people_choices(exclude: int | None = None) -> list[Any]:
    return choices([("", _("Choose a person"))] + [(p.id, f"{p.name} ({p.organisation.name})")
                                                   for p in services.list_people() if p.id != exclude])


# ---------------------------------------------------------------- reading


@bp.get("")
@permission_required(Action.READ)
def index() -> str:
    return render_template("staffs/index.html", staffs=services.list_staffs())


def _as_of(raw: str | None) -> tuple[datetime, str | None, str]:
    """(moment, error, the input's value) from the ``at`` query parameter (local time)."""
    if not raw:
        return utcnow(), None, ""
    try:
        if not _LOCAL_INPUT.fullmatch(raw):
            raise ValueError(raw)
        return localize_strict(datetime.fromisoformat(raw)), None, raw
    except TimeError as exc:
        return utcnow(), time_error_message(exc), raw
    except ValueError:
        return utcnow(), _("Not a valid date and time."), raw


def _roster_page(code: str, template: str) -> tuple[str, int]:
    staff = found_or_404(services.get_staff_by_code(code))
    at, error, raw = _as_of(request.args.get("at"))
    roster = services.roster_at(staff=staff, at=at, warnings=True)
    return render_template(
        template, staff=staff, roster=roster, at=at, at_error=error, at_value=raw or "",
        explicit_at=bool(raw) and error is None, can_edit=_can_edit(), Problem=Problem,
        printed_at=utcnow(), edit_form=None,
    ), (422 if error else 200)


@bp.get("/<code>")
@permission_required(Action.READ)
def show(code: str) -> tuple[str, int]:
    return _roster_page(code, "staffs/show.html")


@bp.get("/<code>/print")
@permission_required(Action.READ)
def print_roster(code: str) -> tuple[str, int]:
    return _roster_page(code, "staffs/print.html")


@bp.get("/positions/<id:position_id>")
@permission_required(Action.READ)
def history(position_id: int) -> str:
    position = found_or_404(services.get_position(position_id))
    return render_template(
        "staffs/history.html", position=position, staff=position.staff, organisation=position.organisation,
        assignments=services.position_history(position_id=position.id),
        events=position_story(position_id=position.id), now=utcnow(), can_edit=_can_edit(),
        corrections=position_corrections(position_id=position.id),
        crumbs=trail(*staff_steps(position.staff), current=_("History: %(title)s", title=position.title)),
    )


@bp.get("/people")
@permission_required(Action.READ)
def people() -> str:
    return render_template("staffs/people.html", people=services.list_people(), can_edit=_can_edit())


# ---------------------------------------------------------------- editing (police, admin)


def _form_error_from(form: Any, exc: DomainError, mapping: dict[str, str]) -> None:
    """Put a service's field errors on the form (translated where we know the field)."""
    for name, reasons in (exc.fields or {"": [exc.message]}).items():
        target = mapping.get(name)
        field = getattr(form, target) if target else None
        message = _("This could not be saved: %(reason)s", reason="; ".join(translated(r) for r in reasons))
        if field is None:
            first = next(iter(mapping.values()))
            getattr(form, first).errors.append(message)
        else:
            field.errors.append(message)


def _organisation_form(form_class: Any, obj: Any = None) -> Any:
    """A position or person form with the organisations to choose from, filled from ``obj`` on a GET."""
    form = form_class(obj=obj) if obj is not None and request.method == "GET" else form_class()
    form.organisation.choices = _organisation_choices()
    if obj is not None and request.method == "GET":
        form.organisation.data = str(obj.organisation_id)
    return form


def _write(form: Any) -> FormWrite:
    """The write of a position or person form: a refusal lands on the form (the organisation by its name)."""
    return FormWrite(on_error=partial(_form_error_from, form, mapping={"organisation_id": "organisation"}))


def _position_crumb(position: Any) -> Crumb:
    return Crumb(str(position.title), url_for("staffs.history", position_id=position.id))


@bp.route("/<code>/positions/new", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def new_position(code: str) -> str | Response:
    staff = found_or_404(services.get_staff_by_code(code))
    form = _organisation_form(PositionForm)
    if form.validate_on_submit():
        write = _write(form)
        with write:
            position = services.create_position(
                by=acting_user(), staff=staff, title=form.title.data or "", organisation_id=int(form.organisation.data),
                mandatory=bool(form.mandatory.data), min_deputies=form.min_deputies.data or 0)
        if write.ok:
            flash(_("Position “%(title)s” created.", title=position.title), "success")
            return redirect(url_for("staffs.show", code=staff.code))
    return render_template("staffs/position_form.html", form=form, staff=staff, position=None,
                           crumbs=trail(*staff_steps(staff), current=_("New position")))


@bp.route("/positions/<id:position_id>/edit", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def edit_position(position_id: int) -> str | Response:
    position = found_or_404(services.get_position(position_id))
    form = _organisation_form(PositionForm, position)
    if form.validate_on_submit():
        write = _write(form)
        with write:
            services.update_position(
                by=acting_user(), position=position, title=form.title.data or "",
                organisation_id=int(form.organisation.data), mandatory=bool(form.mandatory.data),
                min_deputies=form.min_deputies.data or 0)
        if write.ok:
            flash(_("Position “%(title)s” saved.", title=position.title), "success")
            return redirect(url_for("staffs.show", code=position.staff.code))
    crumbs = trail(*staff_steps(position.staff), _position_crumb(position), current=_("Edit position"))
    return render_template("staffs/position_form.html", form=form, staff=position.staff, position=position,
                           crumbs=crumbs)


@bp.route("/people/new", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def new_person() -> str | Response:
    form = _organisation_form(PersonForm)
    if form.validate_on_submit():
        write = _write(form)
        with write:
            person = services.create_person(
                by=acting_user(), name=form.name.data or "", job_title=form.job_title.data or "",
                organisation_id=int(form.organisation.data), email=form.email.data or None,
                phone=form.phone.data or None)
        if write.ok:
            flash(_("Person “%(name)s” created.", name=person.name), "success")
            return redirect(url_for("staffs.people"))
    return render_template("staffs/person_form.html", form=form, person=None,
                           crumbs=trail(*people_steps(), current=_("New person")))


@bp.route("/people/<id:person_id>/edit", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def edit_person(person_id: int) -> str | Response:
    person = found_or_404(services.get_person(person_id))
    form = _organisation_form(PersonForm, person)
    if form.validate_on_submit():
        write = _write(form)
        with write:
            services.update_person(
                by=acting_user(), person=person, name=form.name.data or "", job_title=form.job_title.data or "",
                organisation_id=int(form.organisation.data), email=form.email.data or None,
                phone=form.phone.data or None)
        if write.ok:
            flash(_("Person “%(name)s” saved.", name=person.name), "success")
            return redirect(url_for("staffs.people"))
    return render_template("staffs/person_form.html", form=form, person=person,
                           crumbs=trail(*people_steps(), current=_("Edit person: %(name)s", name=person.name)))


def _overlap_message(exc: services.OverlapError) -> str:
    clash = exc.clash
    until = dt(clash.valid_to) if clash.valid_to else _("open-ended")
    return str(_("Overlaps the assignment of %(name)s at the same rank (%(start)s – %(end)s). Nothing was saved.",
                 name=clash.person.name, start=dt(clash.valid_from), end=until))


def _rank_label(rank: int) -> str:
    return str(_("Primary")) if rank == 0 else str(_("Deputy %(rank)s", rank=rank))


def _other_rank_message(exc: services.OtherRankError) -> str:
    clash = exc.clash
    until = dt(clash.valid_to) if clash.valid_to else _("open-ended")
    return str(_("%(name)s already holds this position as %(rank)s (%(start)s – %(end)s): one person can hold "
                 "only one rank of a position at a time. Nothing was saved.",
                 name=clash.person.name, rank=_rank_label(clash.rank), start=dt(clash.valid_from), end=until))


def _assignment_error(form: Any, field: Any, exc: DomainError, *, invalid: str | None = None,
                      mapping: dict[str, str] | None = None) -> None:
    """Why an assignment change was refused, on ``field``: a person who holds another rank of the position is
    told on the form's person field (if any); an overlap names the clash; an ended assignment says so; any
    other refusal gets ``invalid`` or, without it, the service's own field errors."""
    if exc.fields and "reason" in exc.fields:
        form.reason.errors.append(_("A decision of the staff was logged in the period this change reaches back "
                                    "over: give a reason for the correction. Nothing was saved."))
    elif isinstance(exc, services.OtherRankError):
        getattr(form, "person", field).errors.append(_other_rank_message(exc))
    elif isinstance(exc, services.OverlapError):
        field.errors.append(_overlap_message(exc))
    elif isinstance(exc, Conflict):
        field.errors.append(_("This assignment has already ended."))
    elif invalid is not None:
        field.errors.append(invalid)
    else:
        _form_error_from(form, exc, mapping or {})


def _next_rank(position: Position) -> int:
    seats = services.roster_at(staff=position.staff, at=utcnow()).seats
    seat = next((s for s in seats if s.position.id == position.id), None)
    if seat is None or seat.primary is None:
        return 0
    return max([h.rank for h in seat.holders]) + 1


@bp.route("/positions/<id:position_id>/assign", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def assign(position_id: int) -> str | Response:
    position = found_or_404(services.get_position(position_id))
    form = AssignForm()
    form.person.choices = _people_choices()
    if request.method == "GET":
        form.rank.data = _next_rank(position)
        form.valid_from.data = _now_local()
    if form.validate_on_submit():
        valid_from, valid_to = _localized(form.valid_from), _localized(form.valid_to)
        if valid_from is not None and valid_to is not None and valid_to <= valid_from:
            form.valid_to.errors.append(_("Must be after the start."))
        if not form.valid_from.errors and not form.valid_to.errors and valid_from is not None:
            write = FormWrite(on_error=partial(_assignment_error, form, form.valid_from, mapping={
                "person_id": "person", "valid_to": "valid_to", "rank": "rank", "valid_from": "valid_from"}))
            with write:
                services.assign(by=acting_user(), position_id=position.id, person_id=int(form.person.data),
                                rank=form.rank.data or 0, valid_from=valid_from, valid_to=valid_to,
                                reason=form.reason.data)
            if write.ok:
                flash(_("Assignment to “%(title)s” saved.", title=position.title), "success")
                return redirect(url_for("staffs.show", code=position.staff.code))
    crumbs = trail(*staff_steps(position.staff), _position_crumb(position), current=_("Assign a person"))
    return render_template("staffs/assign.html", form=form, position=position, staff=position.staff, crumbs=crumbs)


@bp.route("/assignments/<id:assignment_id>/end", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def end(assignment_id: int) -> str | Response:
    assignment = found_or_404(services.get_assignment(assignment_id))
    form = EndForm()
    if request.method == "GET":
        form.valid_to.data = _now_local()
    if form.validate_on_submit():
        valid_to = _localized(form.valid_to)
        if valid_to is not None:
            write = FormWrite(on_error=partial(
                _assignment_error, form, form.valid_to, invalid=_("The end must be after the assignment's start.")))
            with write:
                services.end_assignment(by=acting_user(), assignment=assignment, valid_to=valid_to,
                                        reason=form.reason.data)
            if write.ok:
                flash(_("Assignment of %(name)s ended.", name=assignment.person.name), "success")
                return redirect(url_for("staffs.show", code=assignment.position.staff.code))
    return render_template("staffs/end.html", form=form, assignment=assignment, position=assignment.position,
                           staff=assignment.position.staff)


@bp.route("/assignments/<id:assignment_id>/replace", methods=["GET", "POST"])
@permission_required(Action.ROSTER_EDIT)
def replace(assignment_id: int) -> str | Response:
    assignment = found_or_404(services.get_assignment(assignment_id))
    form = ReplaceForm()
    form.person.choices = _people_choices(exclude=assignment.person_id)
    if request.method == "GET":
        form.at.data = _now_local()
    if form.validate_on_submit():
        at = _localized(form.at)
        if at is not None:
            write = FormWrite(on_error=partial(
                _assignment_error, form, form.at,
                invalid=_("The change must fall within the current holder's assignment.")))
            with write:
                new = services.replace_holder(by=acting_user(), assignment=assignment,
                                              person_id=int(form.person.data), at=at, reason=form.reason.data)
            if write.ok:
                flash(_("%(new)s replaces %(old)s.", new=new.person.name, old=assignment.person.name), "success")
                return redirect(url_for("staffs.show", code=assignment.position.staff.code))
    return render_template("staffs/replace.html", form=form, assignment=assignment, position=assignment.position,
                           staff=assignment.position.staff)
