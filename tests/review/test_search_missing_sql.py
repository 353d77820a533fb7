"""The review search's "missing consultations only" runs in SQL over the counts each decision stored: a page
costs the same number of statements whichever page it is, and a page past the end is the last page. Decisions
logged before the counts were stored are still judged (and an incident of them that missed nothing is left out)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lbs.auth.models import User
from lbs.decisions import compliance
from lbs.extensions import db
from lbs.review import search as search_module
from lbs.review.search import SearchFilter, search
from tests import factories as f

TITLE = "Mangel"  # every incident below; "Mangeltest": those with stored counts


@pytest.fixture
def incidents(app: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """Nine incidents with stored counts (every other one missed a consultation), a legacy one that missed
    some and a legacy one that missed none."""
    monkeypatch.setattr(compliance, "required_consultations", f.fake_required_consultations)
    made: dict[str, list[int]] = {"missing": [], "complete": []}
    for i in range(9):
        inc = f.incident(f"Mangeltest {i}")
        for number in (1, 2):
            d = f.decision(inc, number=number)
            d.unmet_count = 2 if i % 2 == 0 and number == 2 else 0
        made["missing" if i % 2 == 0 else "complete"].append(inc.id)
    made["missing"].append(f.review_incident_with_decisions(title="Mangelarkiv").id)
    quiet = [{"staff": "LBS-O", "by": "Politidirektør", "type": "cordon", "title": "Afspærring",
              "at": f.utcnow(), "owner": "Midt- og Vestjyllands Politi"}]
    made["complete"].append(f.review_incident_with_decisions(title="Mangelarkiv stille", specs=quiet).id)
    db.session.flush()
    return made


def _revisor() -> User:
    return db.session.scalars(select(User).where(User.username == "revisor")).one()


def test_missing_only_finds_exactly_the_incidents_that_missed_one(incidents: dict[str, list[int]]) -> None:
    found = search(user=_revisor(), filters=SearchFilter(text=TITLE, missing_only=True), per_page=100)
    assert {r.incident.id for r in found.rows} == set(incidents["missing"])
    assert found.total == len(incidents["missing"]) == 6
    assert all(r.missing and r.missing > 0 for r in found.rows)


def test_pages_and_a_page_past_the_end_is_the_last(incidents: dict[str, list[int]]) -> None:
    filters = SearchFilter(text=TITLE, missing_only=True)
    pages = [search(user=_revisor(), filters=filters, page=n, per_page=4) for n in (1, 2)]
    assert [len(p.rows) for p in pages] == [4, 2] and pages[0].has_next and not pages[1].has_next
    assert {r.incident.id for p in pages for r in p.rows} == set(incidents["missing"])
    beyond = search(user=_revisor(), filters=filters, page=10_000, per_page=4)
    assert beyond.page == 2 and [r.incident.id for r in beyond.rows] == [r.incident.id for r in pages[1].rows]


def test_a_far_page_costs_no_more_statements_than_the_first(incidents: dict[str, list[int]],
                                                             count_queries: Any) -> None:
    """No candidate is judged chunk by chunk: the number of statements does not grow with the page asked for."""
    filters = SearchFilter(text="Mangeltest", missing_only=True)
    search(user=_revisor(), filters=filters, page=1, per_page=2)  # warm the figures cache
    search(user=_revisor(), filters=filters, page=3, per_page=2)
    counted = []
    for page in (1, 3, 10_000):
        with count_queries() as counter:
            search(user=_revisor(), filters=filters, page=page, per_page=2)
        counted.append(counter.count)
    assert counted[0] == counted[1] == counted[2], counted
    assert not hasattr(search_module, "_matching_missing")
