"""Costs services: workflow, scoping, totals and variance to the øre, the significant-event flag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lbs.auth.services import get_user_by_username
from lbs.costs.charts import cumulative_chart_points
from lbs.costs.lines import list_history
from lbs.costs.models import CostChange
from lbs.costs.totals import grand_total, totals_by_bearer_and_category
from lbs.costs.workflow import ALLOWED_TRANSITIONS, set_budget_note, update_line
from lbs.decisions.models import BudgetNote, CostStatus
from lbs.errors import Conflict, Forbidden, ValidationError
from lbs.extensions import db
from tests import factories as f
from tests.costs.reference import incident_totals_by_municipality


def _changes() -> int:
    return db.session.scalar(select(func.count(CostChange.id))) or 0


def test_workflow_and_history(app):
    herning = get_user_by_username("herning")
    inc = f.incident()
    line = f.decision_with_costs(inc, [{"bearer": "657", "estimate": "100.00"}]).test_lines[0]
    update_line(line=line, by=herning, status=CostStatus.ACCEPTED, actual_dkk=Decimal("90.00"),
                invoice_ref="F-1")
    update_line(line=line, by=herning, actual_dkk=Decimal("95.50"), note="rettet")
    assert line.actual_dkk == Decimal("95.50")
    history = [(c.field, c.old, c.new) for c, _ in list_history(line.id)]
    assert ("actual_dkk", "90.00", "95.50") in history and ("invoice_ref", None, "F-1") in history
    update_line(line=line, by=herning, status=CostStatus.SETTLED)
    before = _changes()
    with pytest.raises(Conflict):
        update_line(line=line, by=herning, note="x")
    with pytest.raises(Conflict):
        set_budget_note(line=line, by=herning, budget_note=BudgetNote.NEEDS_SUPPLEMENTARY_GRANT)
    assert _changes() == before


@pytest.mark.parametrize("username", ["politi", "admin", "revisor", "holstebro"])
def test_only_the_bearer_may_change(app, username):
    inc = f.incident()
    line = f.decision_with_costs(inc, [{"bearer": "657", "estimate": "100.00"}]).test_lines[0]
    before = _changes()
    with pytest.raises(Forbidden):
        update_line(line=line, by=get_user_by_username(username), status=CostStatus.ACCEPTED)
    with pytest.raises(Forbidden):
        set_budget_note(line=line, by=get_user_by_username(username),
                        budget_note=BudgetNote.STATUTORY_GRANT_TO_FOLLOW)
    assert _changes() == before and line.status is CostStatus.ESTIMATED


def test_transitions_table(app):
    herning = get_user_by_username("herning")
    for start in CostStatus:
        for target in CostStatus:
            line = f.decision_with_costs(f.incident(), [{"bearer": "657", "estimate": "1", "actual": "1",
                                                         "status": start.value}]).test_lines[0]

            def call(line=line, target=target):
                return update_line(line=line, by=herning, status=target, note="grund")

            if start is CostStatus.SETTLED:
                with pytest.raises(Conflict):
                    call()
            elif target is start or target in ALLOWED_TRANSITIONS[start]:
                call()
                assert line.status is target
            else:
                with pytest.raises(ValidationError):
                    call()
                assert line.status is start


def test_dispute_records_reason_and_who_was_informed(app):
    herning = get_user_by_username("herning")
    line = f.decision_with_costs(f.incident(), [{"bearer": "657", "estimate": "5"}]).test_lines[0]
    with pytest.raises(ValidationError):
        update_line(line=line, by=herning, status=CostStatus.DISPUTED)
    update_line(line=line, by=herning, status=CostStatus.DISPUTED, note="Regionens udgift",
                informed="LBS-formanden (politiet)")
    assert line.note == "Regionens udgift"
    fields = {c.field: c.new for c, _ in list_history(line.id)}
    assert fields["informed"] == "LBS-formanden (politiet)"


def test_budget_note(app):
    herning = get_user_by_username("herning")
    line = f.decision_with_costs(f.incident(), [{"bearer": "657", "estimate": "5"}]).test_lines[0]
    set_budget_note(line=line, by=herning, budget_note=BudgetNote.NEEDS_SUPPLEMENTARY_GRANT,
                    council_meeting_on=date(2026, 12, 15))
    assert line.budget_note is BudgetNote.NEEDS_SUPPLEMENTARY_GRANT
    history = {c.field: (c.old, c.new) for c, _ in list_history(line.id)}
    assert history["budget_note"] == ("none", "needs_supplementary_grant")
    assert history["council_meeting_on"] == (None, "2026-12-15")
    with pytest.raises(ValidationError):
        set_budget_note(line=line, by=herning, budget_note=BudgetNote.NONE,
                        council_meeting_on=date(2026, 12, 15))


def test_totals_and_variance_to_the_ore(app):
    inc = f.incident()
    costs = [{"bearer": "657", "category": "catering", "estimate": "0.01"} for _ in range(101)]
    costs += [{"bearer": "657", "category": "supplies", "estimate": "10.10", "actual": "10.15"},
              {"bearer": "657", "category": "supplies", "estimate": "0.07"},
              {"bearer": "661", "category": "supplies", "estimate": "999999999999.99"}]
    d = f.decision_with_costs(inc, costs)
    superseding = f.decision_with_costs(inc, [{"bearer": "657", "category": "catering", "estimate": "0.02"}])
    old = f.decision_with_costs(inc, [{"bearer": "657", "category": "supplies", "estimate": "5000"}])
    old.test_lines[0].superseded_by_id = superseding.id
    db.session.flush()
    totals = {(t.bearer_name, t.category.value): t for t in totals_by_bearer_and_category(incident_id=inc.id)}
    catering = totals[("Herning Kommune", "catering")]
    assert catering.estimate == Decimal("1.03") and catering.actual is None and catering.variance is None
    assert catering.lines == 102
    supplies = totals[("Herning Kommune", "supplies")]
    assert supplies.estimate == Decimal("10.17")  # the superseded 5000 is left out
    assert supplies.actual == Decimal("10.15")
    assert supplies.variance == Decimal("0.05")  # actual minus the estimate of the same line
    assert totals[("Holstebro Kommune", "supplies")].estimate == Decimal("999999999999.99")
    grand = grand_total(totals.values())
    assert grand.estimate == Decimal("1000000000011.19")
    assert len(d.test_lines) == 104


def test_significant_financial_event_flag(app):
    herning = f.municipality("657")
    budget = herning.budget_dkk
    threshold = budget * Decimal("0.002")
    inc = f.incident()
    d = f.decision_with_costs(inc, [{"bearer": "657", "estimate": str(threshold)}])
    rows = incident_totals_by_municipality(municipality_code="657")
    row = next(r for r in rows if r.incident_id == inc.id)
    assert row.best_known == threshold and not row.significant  # reaching is not passing
    d.test_lines[0].actual_dkk = threshold + Decimal("0.01")  # actual where known counts
    db.session.flush()
    row = next(r for r in incident_totals_by_municipality(municipality_code="657")
               if r.incident_id == inc.id)
    assert row.significant


def test_cumulative_chart_points(app):
    inc = f.incident()
    f.decision_with_costs(inc, [{"bearer": "657", "estimate": "10"}, {"bearer": "661", "estimate": "1.50"}])
    f.decision_with_costs(inc, [{"bearer": "657", "estimate": "20", "actual": "25.25"}])
    points, count = cumulative_chart_points(incident=inc)
    assert [p[1] for p in points] == [Decimal("11.50"), Decimal("36.75")] and count == 2
    assert points[0][0] < points[1][0]
