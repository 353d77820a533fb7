"""The review page of a long incident: figures aggregated in SQL (and cached per state of the decision log),
the per-decision detail in keyset pages with the "missing consultations" filter across pages, the stored
integrity check with its "verify now" button, and a statement count that does not grow with the log."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.auth.models import User
from lbs.decisions import compliance
from lbs.decisions.models import Decision
from lbs.extensions import db
from lbs.incidents.models import Incident
from lbs.review import integrity, page, search
from lbs.review.models import IntegrityCheck, SummaryCache
from lbs.review.whole import incident_review
from tests import factories
from tests.perf.helpers import count_statements, login, seed_incidents

_SECTION = re.compile(r'<section class="review-decision[^"]*" id="decision-(\d+)"')
_NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


def _walk(client: FlaskClient, path: str) -> list[int]:
    """The decision numbers shown, following the "next" links from ``path`` to the last page."""
    shown: list[int] = []
    for _ in range(100):
        html = client.get(path).get_data(as_text=True)
        shown += [int(n) for n in _SECTION.findall(html)]
        found = _NEXT.search(html)
        if found is None:
            return shown
        path = found.group(1).replace("&amp;", "&")
    raise AssertionError("no last page")


@pytest.fixture
def legacy(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Incident:
    """Thirteen decisions without stored requirements (judged in Python), the factory's four repeated."""
    monkeypatch.setattr(compliance, "required_consultations", factories.fake_required_consultations)
    start = factories.utcnow() - timedelta(days=2)
    specs = []
    for round_ in range(3):
        for spec in factories.review_decision_specs(start):
            specs.append({**spec, "at": spec["at"] + timedelta(hours=6 * round_)})
    specs.append({**specs[1], "at": start + timedelta(hours=20), "title": "Sidste evakuering"})
    incident = factories.review_incident_with_decisions(specs=specs)
    db.session.commit()
    return incident


@pytest.fixture
def synthetic(app: Flask) -> Incident:
    """An incident of 30 decisions logged with stored requirements (the bench's generator)."""
    incident = db.session.get(Incident, seed_incidents(30)[0])
    assert incident is not None
    return incident


def _expected(incident: Incident) -> tuple[list[int], list[int]]:
    """All decision numbers, and those with missing consultations, by the whole-incident review."""
    rows = incident_review(incident, check_integrity=False).decisions
    return [r.decision.number for r in rows], [r.decision.number for r in rows if r.missing]


@pytest.mark.parametrize("fixture", ["legacy", "synthetic"])
def test_pages_cover_every_decision_once_and_the_filter_across_pages(request: pytest.FixtureRequest, login: Any,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      fixture: str) -> None:
    incident = request.getfixturevalue(fixture)
    monkeypatch.setattr(page, "PAGE_SIZE", 4)
    every, missing = _expected(incident)
    assert missing and len(missing) < len(every)
    client = login("politi")
    assert _walk(client, f"/review/incidents/{incident.id}") == every
    assert _walk(client, f"/review/incidents/{incident.id}?missing=1") == missing
    html = client.get(f"/review/incidents/{incident.id}?missing=1").get_data(as_text=True)
    assert f"Viser {len(missing)} af {len(every)} beslutninger" in html
    assert 'aria-label="Sider med beslutninger"' in html


def test_previous_and_latest_links_of_a_filtered_page(legacy: Incident, login: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "PAGE_SIZE", 4)
    _every, missing = _expected(legacy)
    first = page.decision_page(legacy, missing_only=True)
    second = page.decision_page(legacy, after=first.next_after or 0, missing_only=True)
    assert [r.decision.number for r in second.rows] == missing[4:8]
    assert second.previous_after == 0
    latest = page.decision_page(legacy, after=first.latest_after or 0, missing_only=True)
    assert [r.decision.number for r in latest.rows] == missing[-4:] and latest.next_after is None
    beyond = page.decision_page(legacy, after=10_000, missing_only=True)  # past the end: the last page
    assert [r.decision.number for r in beyond.rows] == missing[-4:]


@pytest.mark.parametrize("fixture", ["legacy", "synthetic"])
def test_sql_figures_equal_the_whole_review(app: Flask, request: pytest.FixtureRequest, fixture: str) -> None:
    incident = request.getfixturevalue(fixture)
    whole = incident_review(incident, check_integrity=False)
    summary = page.summary(incident, now=whole.figures.ended_at or factories.utcnow())
    f, g = summary.figures, whole.figures
    assert (f.decisions, f.urgent, f.amendments, f.delayed, f.late_unexplained) == \
        (g.decisions, g.urgent, g.amendments, g.delayed, g.late_unexplained)
    assert (f.per_staff, f.per_type, f.costs) == (g.per_staff, g.per_type, g.costs)
    assert (f.consultations_missing, f.decisions_with_missing) == (g.consultations_missing, g.decisions_with_missing)
    required: dict[str, list[int]] = {}
    for r in whole.decisions:
        for q in r.required:
            entry = required.setdefault(q.party_key, [0, 0])
            entry[0] += 1
            entry[1] += q not in r.missing
    assert {c.party_key: [c.required, c.done] for c in summary.compliance} == required


@pytest.mark.parametrize("fixture", ["legacy", "synthetic"])
def test_search_counts_missing_consultations_as_the_whole_review(app: Flask, request: pytest.FixtureRequest,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  fixture: str) -> None:
    """The search's "missing consultations only" counts from what each decision stored (``missing_count``), as
    the review page does; only decisions logged before that was stored are judged in Python."""
    incident = request.getfixturevalue(fixture)
    expected = incident_review(incident, check_integrity=False).figures.consultations_missing
    assert expected > 0
    if fixture == "synthetic":
        def judged(*_args: Any) -> Any:
            raise AssertionError("decisions with stored figures are not judged in Python")

        monkeypatch.setattr(search, "legacy_rows", judged)
    revisor = db.session.scalars(select(User).where(User.username == "revisor")).one()
    found = search.search(user=revisor, filters=search.SearchFilter(text=incident.title, missing_only=True),
                          per_page=100)
    assert [r.missing for r in found.rows if r.incident.id == incident.id] == [expected]


def test_figures_are_cached_per_state_of_the_log(synthetic: Incident) -> None:
    before = page.summary(synthetic).figures.decisions
    cached = db.session.get(SummaryCache, synthetic.id)
    assert cached is not None and cached.last_decision_number == synthetic.last_decision_number == before
    last = db.session.scalar(select(Decision).where(Decision.incident_id == synthetic.id)
                             .order_by(Decision.number.desc()).limit(1))
    assert last is not None
    db.session.add(Decision(
        incident_id=synthetic.id, number=last.number + 1, staff_id=last.staff_id, decided_at=last.decided_at,
        recorded_at=last.recorded_at, decided_by_id=last.decided_by_id, owner_id=last.owner_id, type=last.type,
        title="Ny", decision="Ny.", rationale="R.", urgent=True, required_consultations=[], missing_count=0,
        unmet_count=0,
        prev_hash=last.hash, hash="0" * 64))
    synthetic.last_decision_number += 1
    db.session.flush()
    after = page.summary(synthetic).figures
    assert after.decisions == before + 1
    db.session.refresh(cached)
    assert cached.last_decision_number == before + 1


def test_legacy_figures_are_not_cached(legacy: Incident) -> None:
    page.summary(legacy)
    assert db.session.get(SummaryCache, legacy.id) is None


def test_big_incident_shows_the_stored_check_and_verifies_on_request(legacy: Incident, login: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "LIVE_VERIFY_LIMIT", 5)  # 13 decisions: "big"
    calls: list[int] = []
    real = integrity.check_chain

    def counting(incident_id: int) -> integrity.IntegrityResult:
        calls.append(incident_id)
        return real(incident_id)

    monkeypatch.setattr(integrity, "check_chain", counting)
    client = login("herning")
    html = client.get(f"/review/incidents/{legacy.id}").get_data(as_text=True)
    assert calls == []  # not verified on a page view
    assert "Integriteten er endnu ikke kontrolleret" in html and "Kæden var intakt" not in html
    assert "Kæden er intakt" not in html and "Kontrollér kæden nu" in html
    response = client.post(f"/review/incidents/{legacy.id}/verify")
    assert response.status_code == 302 and response.headers["Location"].endswith("#integrity")
    assert calls == [legacy.id]
    check = db.session.scalar(select(IntegrityCheck).where(IntegrityCheck.incident_id == legacy.id))
    assert check is not None and check.last_decision_number == 13
    # the factory's dummy hashes do not verify
    assert (check.ok, check.checked, check.first_broken) == (False, 0, 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review.integrity.verify"))
    assert event is not None and event.object_id == str(legacy.id)
    html = client.get(f"/review/incidents/{legacy.id}").get_data(as_text=True)
    assert "Kæden var brudt ved seneste kontrol" in html and "først brudt ved beslutning 1" in html
    assert calls == [legacy.id]


def test_stored_intact_check_and_decisions_after_it(synthetic: Incident, login: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "LIVE_VERIFY_LIMIT", 5)
    client = login("revisor")
    assert client.post(f"/review/incidents/{synthetic.id}/verify").status_code == 302
    html = client.get(f"/review/incidents/{synthetic.id}").get_data(as_text=True)
    assert "Kæden var intakt ved seneste kontrol" in html and "30 beslutninger kontrolleret" in html
    assert "ikke kontrolleret" not in html
    synthetic.last_decision_number += 2  # two decisions logged since (the counter is what the check covers)
    db.session.commit()
    html = client.get(f"/review/incidents/{synthetic.id}").get_data(as_text=True)
    assert "2 beslutninger logført efter kontrollen er ikke kontrolleret" in html
    assert "integrity-ok" not in html


def test_verify_needs_a_csrf_token_and_access(app: Flask, legacy: Incident, login: Any) -> None:
    client = login("holstebro")
    assert client.post(f"/review/incidents/{legacy.id}/verify").status_code == 404
    client.post("/logout")
    client = login("politi")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/review/incidents/{legacy.id}/verify").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    count = db.session.scalar(select(func.count()).select_from(IntegrityCheck)
                              .where(IntegrityCheck.incident_id == legacy.id))
    assert count == 0


def test_a_finding_on_a_decision_of_another_page(legacy: Incident, login: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "PAGE_SIZE", 4)
    last = db.session.scalar(select(Decision).where(Decision.incident_id == legacy.id, Decision.number == 13))
    assert last is not None
    client = login("revisor")
    response = client.post(f"/review/incidents/{legacy.id}/findings",
                           data={"decision": str(last.id), "observation": "Sent i forløbet"})
    assert response.status_code == 302
    html = client.get(f"/review/incidents/{legacy.id}").get_data(as_text=True)
    assert f'href="/review/incidents/{legacy.id}?after=12#decision-13"' in html


def test_page_statements_do_not_grow_with_the_log(client: FlaskClient, count_queries: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "PAGE_SIZE", 2)  # every page below has a previous and a next page
    login(client, "politi")
    warm, small = seed_incidents(12)[:2]
    large = seed_incidents(150)[0]

    def count(path: str) -> int:
        db.session.expire_all()  # the test's session outlives requests: start each from the same state
        return count_statements(count_queries, client, path)

    for template in ("/review/incidents/{id}", "/review/incidents/{id}?after=6",
                     "/review/incidents/{id}?missing=1&after=3"):
        count(template.format(id=warm))  # rules graph, user, …
        cold = [count(template.format(id=i)) for i in (small, large)]
        cached = [count(template.format(id=i)) for i in (small, large)]
        assert cold[0] == cold[1], f"{template}: {cold[0]} statements for 12 decisions, {cold[1]} for 150"
        assert cached[0] == cached[1], f"{template}: {cached[0]} statements for 12 decisions, {cached[1]} for 150"
        assert cached[0] < cold[0] or template != "/review/incidents/{id}"
