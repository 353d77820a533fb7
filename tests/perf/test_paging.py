"""Performance work that must not change behaviour: timeline and cost-line pagination, streamed CSV export
(same bytes as the whole log written at once), thinned chart points, indexed rules, R14 totals in one query."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from lbs.consultation import graph as rulegraph
from lbs.consultation.facts import DecisionFacts
from lbs.consultation.rule_schema import Context, MunicipalityData, PartyData, RuleData, RuleError, validate_rule
from lbs.consultation.ruleset import current_ruleset
from lbs.costs.charts import thin_points
from lbs.costs.lines import LINE_PAGE, LinePage, incident_line_page, open_line_page
from lbs.costs.workflow import OPEN_STATUSES
from lbs.decisions import compliance, compliance_export, log
from lbs.decisions.export import CSV_COLUMNS, _csv_row, decisions_csv_chunks
from lbs.decisions.models import CostCategory, CostLine, CostStatus, Decision
from lbs.decisions.read_model import incident_decision_records
from lbs.decisions.synthetic import seed_synthetic
from lbs.decisions.timeline import timeline_page
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.incidents.models import Incident, IncidentStatus, Readiness
from lbs.organisations.models import Municipality
from lbs.timeutil import utcnow
from tests import factories


def _synthetic(count: int) -> Incident:
    before = set(db.session.scalars(select(Incident.id)))
    seed_synthetic(decisions=count, incidents=1, echo=lambda _m: None)
    (new_id,) = set(db.session.scalars(select(Incident.id))) - before
    found = db.session.get(Incident, new_id)
    assert found is not None
    return found


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-number="(\d+)"', html)]


def _login(client: FlaskClient, username: str = "politi") -> None:
    assert client.post("/login", data={"username": username, "password": "demo"}).status_code == 302


# ---------------------------------------------------------------- the incident timeline


def test_timeline_pages_by_number_with_links(app, client) -> None:
    incident = _synthetic(230)
    _login(client)
    first = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert sorted(_numbers(first)) == list(range(1, 101))
    assert f'href="/incidents/{incident.id}?after=100"' in first
    assert "rel=\"prev\"" not in first
    middle = client.get(f"/incidents/{incident.id}?after=100").get_data(as_text=True)
    assert sorted(_numbers(middle)) == list(range(101, 201))
    assert f'href="/incidents/{incident.id}?after=200"' in middle
    assert f'href="/incidents/{incident.id}?after=0"' in middle
    last = client.get(f"/incidents/{incident.id}?after=200").get_data(as_text=True)
    assert sorted(_numbers(last)) == list(range(201, 231))
    assert 'rel="next"' not in last
    assert "201–230" in last and "230" in last
    # beyond the end: the last page; nonsense: the first page
    assert sorted(_numbers(client.get(f"/incidents/{incident.id}?after=99999").get_data(as_text=True))) == \
        list(range(131, 231))
    for bad in ("-1", "abc", "1e3", "9" * 30):
        response = client.get(f"/incidents/{incident.id}?after={bad}")
        assert response.status_code == 200
        assert sorted(_numbers(response.get_data(as_text=True))) == list(range(1, 101))


def test_small_incident_shows_everything_without_links(app, client) -> None:
    incident = _synthetic(7)
    _login(client)
    html = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert sorted(_numbers(html)) == list(range(1, 8))
    assert 'class="pagination"' not in html


def test_activations_appear_once_across_pages(app) -> None:
    incident = _synthetic(250)
    decisions = factories.decisions_of(incident)
    by_number = {d.number: d for d in decisions}
    moments = [incident.started_at, by_number[100].decided_at, by_number[100].decided_at + timedelta(seconds=1),
               by_number[180].decided_at, by_number[250].decided_at + timedelta(minutes=5)]
    for at in moments:
        incidents.add_activation(incident=incident, staff_code="LBS-S", readiness=Readiness.ACTIVATED,
                                 active_from=at, by=None)
    seen = []
    after: int | None = 0
    pages = 0
    while after is not None:
        page = timeline_page(incident, after=after)
        seen += [e.item.id for e in page.entries if e.kind == "activation"]
        after = page.next_after
        pages += 1
    assert pages == 3
    assert len(seen) == len(moments) == len(set(seen))
    # the first page holds the activations up to and including decision 100's time, in time order
    first = timeline_page(incident, after=0)
    assert [e.at for e in first.entries if e.kind == "activation"] == moments[:2]
    times = [e.at for e in first.entries]
    assert times == sorted(times)


def test_timeline_marks_amended_decisions_on_the_page(app, client, api_as) -> None:
    demo = _synthetic(5)
    original = db.session.scalars(select(Decision).where(Decision.incident_id == demo.id,
                                                         Decision.number == 2)).one()
    response = api_as("politi").post(f"/api/v1/decisions/{original.id}/amendments",
                                     json={"reason": "Rettet efter ny melding", "title": "Rettet"})
    assert response.status_code == 201, response.get_json()
    _login(client)
    amended = set(db.session.scalars(select(Decision.amends_id).where(Decision.incident_id == demo.id,
                                                                      Decision.amends_id.is_not(None))))
    page = timeline_page(demo)
    assert page.amended_ids == amended
    html = client.get(f"/incidents/{demo.id}").get_data(as_text=True)
    assert html.count('class="decision-row amended"') == len(amended)


# ---------------------------------------------------------------- the streamed CSV export


def _whole_log_csv(incident: Incident) -> bytes:
    """The CSV as it was written before streaming: the whole log at once."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in incident_decision_records(incident.id):
        writer.writerow(_csv_row(item))
    return out.getvalue().encode("utf-8")


def test_streamed_csv_equals_the_whole_log_in_any_batch_size(app) -> None:
    for incident in (db.session.scalars(select(Incident).order_by(Incident.id)).first(), _synthetic(23)):
        assert incident is not None
        expected = _whole_log_csv(incident)
        assert expected.startswith(b"\xef\xbb\xbf" + b"number;decided_at")
        for batch in (1, 4, 500):
            chunks = list(decisions_csv_chunks(incident, batch=batch))
            assert b"".join(chunks) == expected
        assert len(list(decisions_csv_chunks(incident, batch=4))) > 1


def test_csv_endpoints_stream_with_bom(app, client, api_as) -> None:
    incident = _synthetic(12)
    expected = _whole_log_csv(incident)
    _login(client)
    html = client.get(f"/incidents/{incident.id}/export/decisions.csv")
    assert html.is_streamed
    assert html.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert html.headers["Content-Disposition"] == f'attachment; filename="beslutningslog-{incident.id}.csv"'
    assert html.get_data() == expected
    api = api_as("revisor").get(f"/api/v1/incidents/{incident.id}/decisions.csv")
    assert api.is_streamed
    assert api.get_data() == expected
    rows = list(csv.reader(io.StringIO(expected.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, 13)]


# ---------------------------------------------------------------- cost lines, chart points


def test_cost_ledger_and_dashboard_page_their_lines(app, client) -> None:
    incident = _synthetic(225)  # a line on every decision: 225 lines, 3 pages of 100
    total = db.session.scalar(select(func.count()).select_from(CostLine)
                              .where(CostLine.incident_id == incident.id))
    assert total == 225
    page = incident_line_page(incident.id, page=3)
    assert (page.page, page.pages, page.total, len(page.rows)) == (3, 3, 225, 25)
    assert incident_line_page(incident.id, page=99).page == 3
    everything = [r for n in (1, 2, 3) for r in incident_line_page(incident.id, page=n).rows]
    assert len({r.id for r in everything}) == 225
    _login(client)
    html = client.get(f"/costs/incidents/{incident.id}?page=2").get_data(as_text=True)
    assert f'href="/costs/incidents/{incident.id}?page=3"' in html
    assert f'href="/costs/incidents/{incident.id}?page=1"' in html
    assert client.get(f"/costs/incidents/{incident.id}?page=x").status_code == 200


def test_dashboard_pages_open_lines(app, client) -> None:
    count = int(db.session.scalar(select(func.count()).select_from(Municipality)) or 0)
    seed_synthetic(decisions=105 * count, incidents=count, echo=lambda _m: None)  # 105 open lines each
    herning = db.session.get(Municipality, "657")
    assert herning is not None
    page = open_line_page(herning.organisation_id, page=2)
    assert page.pages >= 2 and len(page.rows) <= LINE_PAGE
    _login(client, "herning")
    first = client.get("/costs/").get_data(as_text=True)
    assert 'href="/costs/?page=2"' in first
    html = client.get("/costs/?page=2").get_data(as_text=True)
    assert 'href="/costs/?page=1"' in html


def test_thin_points_keeps_first_and_last() -> None:
    start = utcnow()
    points = [(start + timedelta(minutes=i), Decimal(i)) for i in range(1000)]
    thinned = thin_points(points, 120)
    assert len(thinned) == 120
    assert thinned[0] == points[0] and thinned[-1] == points[-1]
    assert thinned == sorted(thinned)
    assert thin_points(points[:50], 120) == points[:50]


# ---------------------------------------------------------------- consultation: compiled rules, R14 totals


def test_compiled_rules_give_the_same_requirements(app) -> None:
    ruleset = current_ruleset()
    incident = _synthetic(40)
    for decision in factories.decisions_of(incident):
        facts = compliance.facts_of(decision)
        rules = ruleset.in_force(facts.at)
        plain = rulegraph.required(rules, facts, ruleset.context, None,
                                   compliance.incident_municipal_totals(incident_id=incident.id, before=facts.at))
        assert compliance.required_consultations(facts=facts) == plain
        totals = compliance.IncidentTotals(incident.id)
        assert totals.before(facts.at) == compliance.incident_municipal_totals(incident_id=incident.id,
                                                                               before=facts.at)
        with compliance.batch():
            assert compliance.required_consultations(facts=facts) == plain


def test_compile_rules_indexes_by_type_staff_and_urgency() -> None:
    at = utcnow()
    rule = lambda code, **c: RuleData(id=len(code), code=code, version=1, name=code,  # noqa: E731
                                      condition={"when": "decision", **c}, mode="inform", timing="before",
                                      valid_from=at - timedelta(days=1), target_party_key="x")
    rules = [rule("A", types=["evacuation"]), rule("B", staff="LBS-S"), rule("C", urgent=True), rule("D"),
             RuleData(id=9, code="E", version=1, name="E", condition={"when": "decision"}, mode="inform",
                      timing="before", valid_from=at + timedelta(days=1), target_party_key="x")]
    compiled = rulegraph.compile_rules(rules, at)
    facts = DecisionFacts(at=at, staff="LBS-O", type="evacuation", owner_organisation_id=1,
                            municipalities=("657",))
    assert [r.code for r in compiled.candidates(facts)] == ["A", "D"]
    urgent = DecisionFacts(at=at, staff="LBS-S", type="warning", owner_organisation_id=1,
                             municipalities=("657",), urgent=True)
    assert [r.code for r in compiled.candidates(urgent)] == ["B", "C", "D"]
    assert set(compiled.by_code) == {"A", "B", "C", "D"}


def test_local_rules_fire_only_in_their_municipalities() -> None:
    at = utcnow()
    context = Context(
        parties=(PartyData(key="657:borgmester", name="B 657", role="borgmester", organisation_id=1,
                           organisation_kind="municipality", municipality_code="657"),
                 PartyData(key="661:borgmester", name="B 661", role="borgmester", organisation_id=2,
                           organisation_kind="municipality", municipality_code="661")),
        municipalities=tuple(MunicipalityData(code=c, name=c, organisation_id=i, region_organisation_id=None,
                                              fire_service_id=None, threshold_t1_dkk=Decimal(1),
                                              threshold_t2_dkk=Decimal(2)) for i, c in ((1, "657"), (2, "661"))),
    )
    local = RuleData(id=1, code="L1", version=1, name="Lokal", mode="inform", timing="before",
                     condition={"when": "decision", "only_municipalities": ["661"]},
                     valid_from=at - timedelta(days=1), target_role="borgmester")
    validate_rule(local, context)
    with_bad = RuleData(**{**local.__dict__, "condition": {"when": "decision", "only_municipalities": "661"}})
    try:
        validate_rule(with_bad, context)
    except RuleError as exc:
        assert exc.field == "condition"
    else:
        raise AssertionError("a non-list only_municipalities must be refused")
    graph = rulegraph.build_graph([local], context)
    assert graph.has_edge("condition:L1", "party:661:borgmester")
    assert not graph.has_edge("condition:L1", "party:657:borgmester")

    def keys(codes: tuple[str, ...]) -> list[str]:
        facts = DecisionFacts(at=at, staff="LBS-S", type="other", owner_organisation_id=9, municipalities=codes)
        plain = rulegraph.required([local], facts, context)
        assert rulegraph.required([local], facts, context, compiled=rulegraph.compile_rules([local], at)) == plain
        return [r.party_key for r in plain]

    assert keys(("657",)) == []
    assert keys(("661",)) == ["661:borgmester"]
    assert keys(("657", "661")) == ["661:borgmester"]


# ---------------------------------------------------------------- consultation compliance


def test_compliance_csv_streams_every_decision_in_batches(app, client) -> None:
    incident = _synthetic(1100)  # three batches of at most 500
    _login(client)
    response = client.get(f"/consultation/incidents/{incident.id}/compliance.csv")
    assert response.is_streamed
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == compliance_export.HEADER and rows.count(compliance_export.HEADER) == 1
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 1101))
    every = factories.incident_compliance(incident_id=incident.id)
    assert [r[6] for r in rows[1:]] == [", ".join(m.party_key for m in r.missing) for r in every]


def test_compliance_summary_is_kept_until_a_decision_is_logged(app) -> None:
    from lbs.consultation.facts import DecisionType
    from lbs.decisions.draft import CostDraft, DecisionDraft
    from lbs.staffs.models import Person

    incident = _synthetic(30)
    before = compliance.compliance_summary(incident=incident)
    assert compliance.compliance_summary(incident=incident) is before  # kept
    herning = db.session.get(Municipality, "657")
    assert herning is not None
    person = db.session.scalars(select(Person.id).where(Person.name == "Politiinspektør (stabschef)")).one()
    logged = log.log_decision(incident=incident, by=None, draft=DecisionDraft(
        staff="LBS-O", decided_at=utcnow() - timedelta(minutes=1), decided_by_id=person,
        owner_id=herning.organisation_id, type=DecisionType.EVACUATION, title="Evakuering",
        decision="Beboere evakueres.", rationale="Vand.",
        costs=[CostDraft(herning.organisation_id, CostCategory.EVACUATION_TRANSPORT, Decimal("300000.00"), False,
                         "Busser")]))
    missed = logged.decision.missing_count
    assert missed
    assert compliance.compliance_summary(incident=incident) == compliance.ComplianceSummary(
        decisions=before.decisions + 1, with_gaps=before.with_gaps + 1, missing=before.missing + missed)


def test_compliance_pages_cover_every_decision_once_and_filter_gaps_in_sql(app, client) -> None:
    incident = _synthetic(230)
    summary = compliance.compliance_summary(incident=incident)
    every = factories.incident_compliance(incident_id=incident.id)
    assert [r.decision.number for r in every] == list(range(1, 231))
    gaps = [r for r in every if r.missing]
    assert summary == compliance.ComplianceSummary(decisions=230, with_gaps=len(gaps),
                                                   missing=sum(len(r.missing) for r in gaps))
    assert 0 < len(gaps) < 230, "the synthetic log has decisions with and without gaps"
    seen: list[int] = []
    after: int | None = 0
    while after is not None:
        page = compliance.compliance_page(incident_id=incident.id, after=after, gaps_only=True, size=40)
        assert all(row.missing for row in page.rows)
        seen += [row.decision.number for row in page.rows]
        after = page.next_after
    assert seen == [r.decision.number for r in gaps]
    _login(client)
    first = client.get(f"/consultation/incidents/{incident.id}/compliance").get_data(as_text=True)
    assert sorted(_numbers(first)) == list(range(1, 101))
    assert f'href="/consultation/incidents/{incident.id}/compliance?after=100"' in first
    last = client.get(f"/consultation/incidents/{incident.id}/compliance?after=200").get_data(as_text=True)
    assert sorted(_numbers(last)) == list(range(201, 231)) and 'rel="next"' not in last
    assert f'href="/consultation/incidents/{incident.id}/compliance?after=100"' in last  # previous page
    filtered = client.get(f"/consultation/incidents/{incident.id}/compliance?gaps=1").get_data(as_text=True)
    assert _numbers(filtered) == [r.decision.number for r in gaps][:100]
    assert f"{len(gaps)}" in filtered
    assert client.get(f"/consultation/incidents/{incident.id}/compliance?after=x").status_code == 200


# ---------------------------------------------------------------- the incident list


def test_incident_list_pages_active_incidents_first(app, client) -> None:
    from tests import factories

    before = incidents.incident_page().total
    for index in range(incidents.INCIDENT_PAGE + 5):
        factories.incident(title=f"Arkiv {index:03d}", status=IncidentStatus.CLOSED, ended_at=utcnow())
    total = before + incidents.INCIDENT_PAGE + 5
    first, last = incidents.incident_page(1), incidents.incident_page(99)
    assert (first.total, first.pages, last.page) == (total, 2, 2)
    shown = [i.id for i in first.incidents] + [i.id for i in last.incidents]
    assert sorted(shown) == sorted(i.id for i in incidents.list_incidents()) and len(set(shown)) == total
    assert [i.id for i in incidents.list_incidents()] == shown  # same order, active first
    _login(client)
    html = client.get("/incidents").get_data(as_text=True)
    assert 'href="/incidents?page=2"' in html and "Arkiv" in html
    second = client.get("/incidents?page=2").get_data(as_text=True)
    assert 'href="/incidents?page=1"' in second and 'rel="next"' not in second
    assert client.get("/incidents?page=x").status_code == 200


def test_page_parameters_refuse_anything_but_ascii_digits(app, client) -> None:
    """``?after=²`` is a digit to ``str.isdigit`` but not to ``int``: every paged list shows its first page."""
    incident = _synthetic(3)
    _login(client)
    for path in (f"/incidents/{incident.id}", f"/consultation/incidents/{incident.id}/compliance",
                 f"/review/incidents/{incident.id}", f"/costs/incidents/{incident.id}", "/incidents"):
        for bad in ("²", "١", "-1", "1e3", "9" * 12):
            key = "page" if path.startswith(("/costs", "/incidents?")) or path == "/incidents" else "after"
            response = client.get(f"{path}?{key}={bad}")
            assert response.status_code == 200, (path, key, bad)


def _line_order(*where: Any) -> list[int]:
    """The order the cost-line pages promise, by one plain query."""
    return list(db.session.scalars(
        select(CostLine.id).join(Decision, Decision.id == CostLine.decision_id)
        .join(Incident, Incident.id == CostLine.incident_id).where(*where)
        .order_by(Incident.started_at.desc(), Incident.id, Decision.number, CostLine.id)))


def _walk(fetch: Callable[[int], LinePage]) -> list[int]:
    first = fetch(1)
    return [r.id for n in range(1, first.pages + 1) for r in (first if n == 1 else fetch(n)).rows]


def test_line_pages_walk_every_line_once_in_order_across_incidents(app) -> None:
    count = int(db.session.scalar(select(func.count()).select_from(Municipality)) or 0)
    before = set(db.session.scalars(select(Incident.id)))
    seed_synthetic(decisions=2 * count * 9, incidents=2 * count, echo=lambda _m: None)  # 2 incidents each
    herning = db.session.get(Municipality, "657")
    assert herning is not None
    mine = list(db.session.scalars(select(CostLine).where(CostLine.bearer_id == herning.organisation_id,
                                                          CostLine.incident_id.not_in(before))
                                   .order_by(CostLine.id)))
    incident_ids = sorted({line.incident_id for line in mine})
    assert len(incident_ids) == 2 and len(mine) == 18
    # Two lines on one decision (the line id orders them), one line of another bearer in the middle of
    # Herning's incident, and one settled line (not open).
    db.session.add(CostLine(incident_id=mine[4].incident_id, decision_id=mine[4].decision_id,
                            bearer_id=herning.organisation_id, category=mine[4].category,
                            estimate_dkk=Decimal("10.00"), status=CostStatus.ESTIMATED))
    other = db.session.scalars(select(Municipality).where(Municipality.code != "657")).first()
    assert other is not None
    mine[2].bearer_id = other.organisation_id
    mine[6].status = CostStatus.SETTLED
    db.session.flush()
    open_lines = _line_order(CostLine.bearer_id == herning.organisation_id,
                             CostLine.status.in_(OPEN_STATUSES), CostLine.superseded_by_id.is_(None))
    assert len(set(open_lines) & {line.id for line in mine}) == 16  # 18 - other bearer - settled
    for per_page in (1, 4, 8, 9, 10, 17, 100):
        assert _walk(lambda n, p=per_page: open_line_page(herning.organisation_id, page=n,
                                                           per_page=p)) == open_lines, per_page
        assert _walk(lambda n, p=per_page: incident_line_page(incident_ids[0], page=n, per_page=p)) \
            == _line_order(CostLine.incident_id == incident_ids[0]), per_page
