"""Costs pages: the municipality dashboard, the ledger per incident, a cost line with its forms, exports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from lbs import labels
from lbs.auth.permissions import Action, permission_required
from lbs.converters import query_number
from lbs.costs import charts, exports, history
from lbs.costs.forms import (
    BUDGET_NOTE_LABELS,
    AcceptForm,
    ActualForm,
    BudgetNoteForm,
    DisputeForm,
    SettleForm,
    money_value,
)
from lbs.costs.lines import (
    get_incident,
    get_line,
    incident_line_page,
    line_context,
    list_history,
    open_line_page,
)
from lbs.costs.totals import Total, dashboard_totals, kept_sums, ledger_totals, overview_totals
from lbs.costs.workflow import ALLOWED_TRANSITIONS, is_frozen, may_edit, set_budget_note, update_line
from lbs.decisions.models import BudgetNote, CostCategory, CostLine, CostStatus
from lbs.decisions.scope import current_scope
from lbs.errors import Conflict
from lbs.formatting import dt, money
from lbs.organisations import services as organisations
from lbs.organisations.models import Municipality
from lbs.web import FormWrite, acting_user, found_or_404, load_or_404

bp = Blueprint("costs", __name__, url_prefix="/costs")

# The workflow's field names → the forms' (a dispute's ``note`` is the dispute form's ``reason``).
_FORM_FIELDS = {"actual_dkk": "actual", "note": "reason"}


def _category_chart(pairs: list[tuple[CostCategory, Total]], chart_id: str) -> Markup:
    return charts.estimate_vs_actual_bars(
        [(str(labels.COST_CATEGORY[c]), t.estimate, t.actual) for c, t in pairs],
        title=_("Estimate and actual by category"),
        description=_("Bars per cost category: the estimate and, where known, the actual amount."),
        estimate_label=_("Estimate"), actual_label=_("Actual"), fmt=money, chart_id=chart_id,
    )


def _labels() -> dict[str, Any]:
    """Label lookups for the templates, each table translated once per request rather than once per row."""
    return {
        "category_label": labels.translated(labels.COST_CATEGORY).__getitem__,
        "status_label": labels.translated(labels.COST_STATUS).__getitem__,
        "budget_note_label": lambda b: str(BUDGET_NOTE_LABELS[b]),
    }


@bp.get("/")
@permission_required(Action.READ)
def index() -> str:
    """Municipal users: their dashboard. Everyone else: all municipalities' totals per incident."""
    municipality = acting_user().municipality
    if municipality is None:  # a municipality user without a municipality sees an empty overview
        return render_template("costs/overview.html", incident_totals=overview_totals(current_scope()),
                               municipalities=organisations.list_municipalities(), **_labels())
    kept = kept_sums()  # the incidents and their kept sums, read once for both
    totals = dashboard_totals(municipality, kept)
    lines = open_line_page(municipality.organisation_id, page=query_number("page", 1, digits=6), kept=kept)
    return render_template(
        "costs/dashboard.html",
        municipality=municipality,
        open_lines=lines.rows,
        line_page=lines,
        incident_totals=totals.by_incident,
        incident_categories=totals.by_incident_and_category,
        categories=totals.by_category,
        grand=totals.grand,
        chart=_category_chart(totals.by_category, "chart-categories") if totals.by_category else None,
        **_labels(),
    )


@bp.get("/incidents/<id:incident_id>")
@permission_required(Action.READ)
def ledger(incident_id: int) -> str:
    """The incident's ledger: a municipality user's reads its own lines and totals over them alone."""
    incident = load_or_404(lambda: get_incident(incident_id))
    scope = current_scope()
    totals = ledger_totals(incident, scope)
    points, point_count = charts.cumulative_chart_points(incident=incident, scope=scope)
    cumulative = charts.cumulative_line(
        points, title=_("Cumulative cost over the incident"),
        description=_("Running total of the incident's costs (actual where known, else estimate) at each decision."),
        fmt=money, time_fmt=lambda at: dt(at),
    ) if points else None
    lines = incident_line_page(incident_id, page=query_number("page", 1, digits=6), scope=scope)
    return render_template(
        "costs/ledger.html", incident=incident, rows=lines.rows, line_page=lines,
        totals=totals.by_bearer_and_category, grand=totals.grand, categories=totals.by_category, points=points,
        point_count=point_count, cumulative=cumulative,
        chart=_category_chart(totals.by_category, "chart-categories") if totals.by_category else None,
        municipality_totals=totals.municipalities, **_labels(),
    )


def _line_page(line: CostLine, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """The line's page; ``forms`` holds a submitted form to show again with its errors."""
    budget = forms.pop("budget_form", None) or BudgetNoteForm(
        formdata=None, prefix="budget", budget_note=line.budget_note.value, council_meeting_on=line.council_meeting_on)
    allowed = ALLOWED_TRANSITIONS[line.status]
    page = render_template(
        "costs/line.html", line=line, context=line_context(line), history=history.sentences(list_history(line.id)),
        editable=may_edit(acting_user(), line) and not is_frozen(line),
        can_accept=CostStatus.ACCEPTED in allowed, can_dispute=CostStatus.DISPUTED in allowed,
        can_settle=CostStatus.SETTLED in allowed,
        accept_form=forms.pop("accept_form", None) or AcceptForm(formdata=None, prefix="accept"),
        dispute_form=forms.pop("dispute_form", None) or DisputeForm(formdata=None, prefix="dispute"),
        settle_form=forms.pop("settle_form", None) or SettleForm(formdata=None, prefix="settle"),
        actual_form=forms.pop("actual_form", None) or ActualForm(formdata=None, prefix="actual"),
        budget_form=budget, **_labels(),
    )
    return page, status


@bp.get("/lines/<id:line_id>")
@permission_required(Action.READ)
def line(line_id: int) -> tuple[str, int]:
    return _line_page(load_or_404(lambda: get_line(line_id)))


def _editable_line(line_id: int) -> CostLine:
    """The line, locked for the change; a 403 unless the acting user may change it."""
    found = load_or_404(lambda: get_line(line_id, for_update=True))
    if not may_edit(acting_user(), found):
        abort(403)
    return found


def _write(line: CostLine, form_name: str, form: FlaskForm, change: Callable[[], object],
           done: str) -> tuple[str, int] | WerkzeugResponse:
    """Validate ``form``, run ``change`` as the request's transaction, and go back to the line; on errors the
    line's page again with the form (422), or, when the line no longer changes, back to it with a message."""
    if form.validate_on_submit():
        # A 409 (settled or superseded line) is told below in the page's own words.
        write = FormWrite(form, fields=_FORM_FIELDS, leave=(Conflict,))
        with write:
            change()
        if write.ok:
            flash(done, "success")
            return redirect(url_for("costs.line", line_id=line.id))
        if isinstance(write.error, Conflict):
            flash(_("The cost line is settled or superseded and no longer changes."), "error")
            return redirect(url_for("costs.line", line_id=line.id))
    return _line_page(line, 422, **{form_name: form})


@bp.post("/lines/<id:line_id>/accept")
@permission_required(Action.COST_EDIT)
def accept(line_id: int) -> tuple[str, int] | WerkzeugResponse:
    line = _editable_line(line_id)
    form = AcceptForm(prefix="accept")
    return _write(line, "accept_form", form, lambda: update_line(
        line=line, by=acting_user(), status=CostStatus.ACCEPTED, actual_dkk=money_value(form.actual),
        invoice_ref=form.invoice_ref.data or None, note=form.note.data or None), _("The cost line is accepted."))


@bp.post("/lines/<id:line_id>/dispute")
@permission_required(Action.COST_EDIT)
def dispute(line_id: int) -> tuple[str, int] | WerkzeugResponse:
    line = _editable_line(line_id)
    form = DisputeForm(prefix="dispute")
    return _write(line, "dispute_form", form, lambda: update_line(
        line=line, by=acting_user(), status=CostStatus.DISPUTED, note=form.reason.data,
        informed=form.informed.data), _("The cost line is disputed."))


@bp.post("/lines/<id:line_id>/settle")
@permission_required(Action.COST_EDIT)
def settle(line_id: int) -> tuple[str, int] | WerkzeugResponse:
    line = _editable_line(line_id)
    form = SettleForm(prefix="settle")
    return _write(line, "settle_form", form, lambda: update_line(
        line=line, by=acting_user(), status=CostStatus.SETTLED, actual_dkk=money_value(form.actual),
        invoice_ref=form.invoice_ref.data or None), _("The cost line is settled."))


@bp.post("/lines/<id:line_id>/actual")
@permission_required(Action.COST_EDIT)
def actual(line_id: int) -> tuple[str, int] | WerkzeugResponse:
    line = _editable_line(line_id)
    form = ActualForm(prefix="actual")
    return _write(line, "actual_form", form, lambda: update_line(
        line=line, by=acting_user(), actual_dkk=money_value(form.actual), invoice_ref=form.invoice_ref.data or None,
        note=form.note.data or None), _("The actual amount is recorded."))


@bp.post("/lines/<id:line_id>/budget-note")
@permission_required(Action.COST_EDIT)
def budget_note(line_id: int) -> tuple[str, int] | WerkzeugResponse:
    line = _editable_line(line_id)
    form = BudgetNoteForm(prefix="budget")
    return _write(line, "budget_form", form, lambda: set_budget_note(
        line=line, by=acting_user(), budget_note=BudgetNote(form.budget_note.data),
        council_meeting_on=form.council_meeting_on.data), _("The budget note is saved."))


# ---------------------------------------------------------------- exports


def _file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """Stream a spooled export and close it, also when the client goes away early."""
    try:
        while chunk := handle.read(64 * 1024):
            yield chunk
    finally:
        handle.close()


def _download(handle: IO[bytes], mimetype: str, filename: str) -> Response:
    response = Response(_file_chunks(handle), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv(where: Any, name: str) -> Response:
    return _download(exports.write_csv(where), "text/csv; charset=utf-8", f"{name}.csv")


def _xlsx(where: Any, name: str, **narrowed: Any) -> Response:
    return _download(exports.write_xlsx(where, **narrowed), exports.XLSX_MIMETYPE, f"{name}.xlsx")


@bp.get("/incidents/<id:incident_id>/costs.csv")
@permission_required(Action.READ)
def incident_csv(incident_id: int) -> Response:
    load_or_404(lambda: get_incident(incident_id))
    return _csv(exports.incident_filter(incident_id, current_scope()), f"omkostninger-haendelse-{incident_id}")


@bp.get("/incidents/<id:incident_id>/costs.xlsx")
@permission_required(Action.READ)
def incident_xlsx(incident_id: int) -> Response:
    load_or_404(lambda: get_incident(incident_id))
    scope = current_scope()
    return _xlsx(exports.incident_filter(incident_id, scope), f"omkostninger-haendelse-{incident_id}",
                 incident_id=incident_id, scope=scope)


def _municipality(code: str) -> Municipality:
    """The municipality whose ledger is exported; a municipality user's own alone (another's is a 404)."""
    load_or_404(lambda: current_scope().check_municipality(code))
    return found_or_404(organisations.get_municipality(code))


@bp.get("/municipalities/<string(length=3):code>/costs.csv")
@permission_required(Action.READ)
def municipality_csv(code: str) -> Response:
    m = _municipality(code)
    return _csv(exports.bearer_filter(m.organisation_id), f"omkostninger-kommune-{m.code}")


@bp.get("/municipalities/<string(length=3):code>/costs.xlsx")
@permission_required(Action.READ)
def municipality_xlsx(code: str) -> Response:
    m = _municipality(code)
    return _xlsx(exports.bearer_filter(m.organisation_id), f"omkostninger-kommune-{m.code}",
                 bearer_id=m.organisation_id)
