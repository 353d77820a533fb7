"""The cost ledger and the municipality dashboard (issue 8): a fixed, small number of statements however many
lines there are, and the totals and chart points computed in SQL equal to those of the plain functions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from lbs.auth.models import Role, User
from lbs.costs.charts import CHART_POINTS, cumulative_chart_points, thin_points
from lbs.costs.lines import open_line_page
from lbs.costs.totals import (
    ZERO,
    dashboard_totals,
    grand_total,
    ledger_totals,
    overview_totals,
    totals_by_bearer_and_category,
)
from lbs.costs.workflow import OPEN_STATUSES, update_line
from lbs.decisions.models import CostLine
from lbs.decisions.synthetic import seed_synthetic
from lbs.extensions import db
from lbs.formatting import money
from lbs.incidents.models import Incident
from lbs.organisations.models import Municipality
from tests.costs.reference import cumulative_costs, incident_totals_by_municipality

# The ledger: the bearers' names, line count, line ids, line columns (+ the sums and the chart points when its
# cost version is new);
# the dashboard: the incidents (versions; read once for the totals and the open lines' counts), line ids, line
# columns (+ the sums of the incidents whose versions moved). (The user, incident and municipality come from the
# test's session here; a request of its own adds a statement for each, and BEGIN on SQLite.) Both also count
# the navigation's consultation requests waiting for the user's answer, and the header bell's notifications.
LEDGER_STATEMENTS = 6
DASHBOARD_STATEMENTS = 5


def _synthetic(decisions: int, incidents: int = 1) -> list[Incident]:
    before = set(db.session.scalars(select(Incident.id)))
    seed_synthetic(decisions=decisions, incidents=incidents, echo=lambda _m: None)
    new = sorted(set(db.session.scalars(select(Incident.id))) - before)
    return [i for i in (db.session.get(Incident, n) for n in new) if i is not None]


def _first_line_of(incident: Incident) -> tuple[CostLine, Municipality, User]:
    """The incident's first cost line, its bearer municipality and a user of that municipality."""
    line = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident.id)
                              .order_by(CostLine.id)).first()
    assert line is not None
    municipality = db.session.scalars(select(Municipality).where(
        Municipality.organisation_id == line.bearer_id)).one()
    user = db.session.scalars(select(User).where(User.municipality_code == municipality.code)).first()
    assert user is not None
    return line, municipality, user


def _login(client: FlaskClient, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": "demo"}).status_code == 302


def _statements(count_queries: Any, client: FlaskClient, path: str) -> int:
    with count_queries() as counter:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(counter.statements)


def test_ledger_statements_do_not_grow_with_the_lines(client: FlaskClient, count_queries: Any) -> None:
    small = _synthetic(12)[0]
    large = _synthetic(260)[0]  # 260 lines: 3 pages, more decision times than chart points
    _login(client, "politi")
    first = {incident.id: _statements(count_queries, client, f"/costs/incidents/{incident.id}")
             for incident in (small, large)}
    assert set(first.values()) == {LEDGER_STATEMENTS + 2}, first  # the sums and the chart, once per version
    counts = {path: _statements(count_queries, client, path) for path in (
        f"/costs/incidents/{small.id}", f"/costs/incidents/{large.id}", f"/costs/incidents/{large.id}?page=3",
        f"/costs/incidents/{large.id}?page=99")}
    assert set(counts.values()) == {LEDGER_STATEMENTS}, counts


def test_dashboard_statements_do_not_grow_with_the_lines(client: FlaskClient, count_queries: Any) -> None:
    count = int(db.session.scalar(select(func.count()).select_from(Municipality)) or 0)
    _login(client, "herning")
    _synthetic(2 * count, incidents=count)
    _statements(count_queries, client, "/costs/")
    small = _statements(count_queries, client, "/costs/")
    _synthetic(230 * count, incidents=count)
    assert _statements(count_queries, client, "/costs/") == DASHBOARD_STATEMENTS + 1  # the new incidents' sums
    large = [_statements(count_queries, client, path) for path in ("/costs/", "/costs/?page=2", "/costs/?page=99")]
    assert [small, *large] == [DASHBOARD_STATEMENTS] * 4


def test_dashboard_and_overview_sums_are_kept_per_incident_version(app) -> None:
    count = int(db.session.scalar(select(func.count()).select_from(Municipality)) or 0)
    made = _synthetic(10 * (count + 1), incidents=count + 1)  # one municipality each, in turn
    incidents = [made[1], made[0], made[-1]]  # [1] and [2]: two incidents of the same municipality
    line, municipality, user = _first_line_of(incidents[1])

    def mine(incident: Incident) -> Any:
        return next(t for t in dashboard_totals(municipality).by_incident if t.incident_id == incident.id)

    def single(incident: Incident) -> Any:
        return next(t for t in incident_totals_by_municipality(municipality_code=municipality.code)
                    if t.incident_id == incident.id)

    before = mine(incidents[1])
    assert before == single(incidents[1])
    update_line(line=line, by=user, actual_dkk=line.estimate_dkk + 700)
    after = mine(incidents[1])
    assert after == single(incidents[1]) and after.actual == (before.actual or Decimal("0.00")) + \
        line.estimate_dkk + 700
    # A direct write that moves no version is not seen (the sums are kept) …
    untouched = mine(incidents[2])
    line2 = db.session.scalars(select(CostLine).where(CostLine.incident_id == incidents[2].id)).first()
    assert line2 is not None and line2.bearer_id == line.bearer_id
    line2.estimate_dkk += 5
    db.session.flush()
    assert mine(incidents[2]) == untouched
    assert overview_totals() != incident_totals_by_municipality()  # the police overview keeps them too
    # … until the incident's decision number moves.
    db.session.execute(update(Incident).where(Incident.id == incidents[2].id)
                       .values(last_decision_number=Incident.last_decision_number + 1))
    assert mine(incidents[2]).estimate == untouched.estimate + 5 and mine(incidents[2]) == single(incidents[2])
    assert overview_totals() == incident_totals_by_municipality()
    # A renamed incident shows its new title at once (titles are read each time).
    db.session.execute(update(Incident).where(Incident.id == incidents[1].id).values(title="Omdøbt"))
    assert mine(incidents[1]).incident_title == "Omdøbt"


def test_chart_points_thinned_in_sql_are_thin_points(app) -> None:
    for decisions in (1, 119, 120, 121, 239, 250):
        incident = _synthetic(decisions)[0]
        every = cumulative_costs(incident_id=incident.id)
        assert len(every) == decisions
        points, count = cumulative_chart_points(incident=incident)
        assert count == decisions
        assert points == thin_points(every)
        assert len(points) == min(decisions, CHART_POINTS)


def test_thin_points_picks_the_rounded_even_spacing() -> None:
    """The integer picks are ``round(i · (n − 1) / (limit − 1))``: never a tie, as 2·i·(n − 1) is even and
    (limit − 1)·(2m + 1) odd, so they equal the float rounding the chart used before."""
    for n in range(121, 700):
        points: list[Any] = list(range(n))
        step = (n - 1) / 119
        assert thin_points(points) == [points[round(i * step)] for i in range(120)]


def test_ledger_dashboard_and_overview_totals_equal_the_single_totals(app) -> None:
    incidents = _synthetic(60, incidents=2)
    herning = db.session.get(Municipality, "657")
    assert herning is not None
    # one superseded line and one line moved to Herning, so groups differ between bearers
    lines = list(db.session.scalars(select(CostLine).where(CostLine.incident_id == incidents[0].id)
                                    .order_by(CostLine.id).limit(2)))
    lines[0].superseded_by_id = lines[1].decision_id
    lines[1].bearer_id = herning.organisation_id
    db.session.flush()
    for incident in [*incidents, *db.session.scalars(select(Incident).order_by(Incident.id).limit(3))]:
        ledger = ledger_totals(incident)
        assert ledger.by_bearer_and_category == totals_by_bearer_and_category(incident_id=incident.id)
        assert ledger.municipalities == incident_totals_by_municipality(incident_id=incident.id)
        assert ledger.grand == grand_total(ledger.by_bearer_and_category)
        assert sum(t.lines for _, t in ledger.by_category) == ledger.grand.lines
    dashboard = dashboard_totals(herning)
    assert dashboard.by_incident == incident_totals_by_municipality(municipality_code="657")
    overview = overview_totals()
    assert overview == incident_totals_by_municipality()
    assert {t.municipality_code for t in overview} >= {"657", "661"} and len({t.incident_id for t in overview}) > 2
    by_category = {c: t for c, t in dashboard.by_category}
    for category, total in by_category.items():
        rows = [r for r in dashboard.by_incident_and_category if r.category is category]
        assert total.lines == sum(r.lines for r in rows)
        assert total.estimate == sum((r.estimate for r in rows), ZERO)
    assert [c.value for c in by_category] == sorted(c.value for c in by_category)


def test_cached_chart_follows_every_cost_change(app, client: FlaskClient) -> None:

    incident = _synthetic(130)[0]
    herning = db.session.get(Municipality, "657")
    assert herning is not None
    line = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident.id)
                              .order_by(CostLine.id)).first()
    assert line is not None
    line.bearer_id = herning.organisation_id
    db.session.flush()
    before, _ = cumulative_chart_points(incident=incident)
    assert cumulative_chart_points(incident=incident)[0] is before  # served from the cache
    user = db.session.scalars(select(User).where(User.username == "herning")).one()
    update_line(line=line, by=user, actual_dkk=line.estimate_dkk + 1000)
    after, _ = cumulative_chart_points(incident=incident)
    assert after[-1][1] == before[-1][1] + 1000
    assert after == thin_points(cumulative_costs(incident_id=incident.id))
    _login(client, "politi")
    html = client.get(f"/costs/incidents/{incident.id}").get_data(as_text=True)
    with app.test_request_context():
        assert money(after[-1][1]) in html  # the new running total, not the cached one


def test_money_filter_formats_as_babel(app) -> None:
    from babel.numbers import format_decimal
    from flask_babel import force_locale

    values = [Decimal(v) for v in ("0", "-0.00", "0.005", "1.015", "12.345", "-1234.5", "999999999999.99")]
    values += [Decimal(n) / 100 for n in range(-100_000_000, 100_000_000, 9_876_543)]
    with app.test_request_context():
        for locale, shape in (("da", "{}\u00a0kr."), ("en", "DKK\u00a0{}")):
            with force_locale(locale):
                for value in values:
                    assert money(value) == shape.format(format_decimal(value, format="#,##0.00", locale=locale))


def test_review_figures_kept_per_version_follow_cost_changes_and_decisions(app) -> None:
    from lbs.decisions.models import CostStatus
    from lbs.review.figures import costs_per_bearer
    from lbs.review.search import SearchFilter, search

    incident = _synthetic(20)[0]
    police = db.session.scalars(select(User).where(User.username == "politi")).one()
    line = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident.id)
                              .order_by(CostLine.id)).first()
    assert line is not None
    bearer = db.session.scalars(select(User).where(User.municipality_code.is_not(None),
                                                   User.role == Role.MUNICIPALITY)).all()
    user = next(u for u in bearer if _organisation_of(u) == line.bearer_id)

    def search_row() -> Any:
        page = search(user=police, filters=SearchFilter(text=incident.title))
        return next(r for r in page.rows if r.incident.id == incident.id)

    before = costs_per_bearer(incident)
    row = search_row()
    assert (row.disputed, row.estimate_dkk) == (0, sum((c.estimate_dkk for c in before), Decimal("0.00")))
    update_line(line=line, by=user, actual_dkk=line.estimate_dkk + 1000, status=CostStatus.DISPUTED,
                note="Ikke vores udgift.")
    after = costs_per_bearer(incident)
    changed = next(c for c in after if c.bearer_id == line.bearer_id)
    assert (changed.actual_dkk, changed.disputed) == (line.estimate_dkk + 1000, 1)
    assert search_row().disputed == 1
    # A direct write that bypasses the versions is not seen until a version moves (the cache is in use) …
    line.estimate_dkk += 5
    db.session.flush()
    assert search_row().estimate_dkk == row.estimate_dkk
    # … and a decision moves one.
    db.session.execute(update(Incident).where(Incident.id == incident.id)
                       .values(last_decision_number=Incident.last_decision_number + 1))
    db.session.refresh(incident)
    assert search_row().estimate_dkk == row.estimate_dkk + 5


def _organisation_of(user: Any) -> int | None:
    municipality = db.session.get(Municipality, user.municipality_code)
    return municipality.organisation_id if municipality else None


def test_ledger_sums_are_kept_per_version_and_budgets_read_each_time(app) -> None:
    incident = _synthetic(40)[0]
    before = ledger_totals(incident)
    assert before.by_bearer_and_category == totals_by_bearer_and_category(incident_id=incident.id)
    line, municipality, user = _first_line_of(incident)
    update_line(line=line, by=user, actual_dkk=line.estimate_dkk + 1000)
    after = ledger_totals(incident)
    assert after.by_bearer_and_category == totals_by_bearer_and_category(incident_id=incident.id)
    assert after.grand.actual == (before.grand.actual or Decimal("0.00")) + line.estimate_dkk + 1000
    # A budget is not a cost line (no version moves): the R14 threshold still follows it at once.
    municipality.budget_dkk = Decimal("1000.00")
    db.session.flush()
    (mine,) = [t for t in ledger_totals(incident).municipalities if t.municipality_code == municipality.code]
    assert mine.budget == Decimal("1000.00") and mine.significant


def test_open_line_counts_come_from_the_kept_sums_and_follow_changes(app) -> None:
    from lbs.decisions.models import CostStatus

    incident = _synthetic(30, incidents=2)[0]
    line, _municipality, user = _first_line_of(incident)

    def counted() -> int:
        return int(db.session.scalar(select(func.count()).select_from(CostLine).where(
            CostLine.bearer_id == line.bearer_id, CostLine.status.in_(OPEN_STATUSES),
            CostLine.superseded_by_id.is_(None))) or 0)

    before = open_line_page(line.bearer_id)
    assert before.total == counted() > 0
    update_line(line=line, by=user, status=CostStatus.ACCEPTED)
    update_line(line=line, by=user, status=CostStatus.SETTLED, actual_dkk=line.estimate_dkk)
    after = open_line_page(line.bearer_id)
    assert after.total == counted() == before.total - 1
    assert line.id not in [row.id for row in after.rows]
    # A direct write that moves no version is not counted: the counts are the kept ones.
    other = db.session.scalars(select(CostLine).where(CostLine.incident_id == incident.id, CostLine.id != line.id,
                                                      CostLine.status == CostStatus.ESTIMATED)).first()
    assert other is not None
    other.status = CostStatus.SETTLED
    db.session.flush()
    assert open_line_page(line.bearer_id).total == after.total == counted() + 1
