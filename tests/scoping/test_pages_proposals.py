"""Issue 23 on proposals: a proposal proposes costs for several bearers; a municipality user reads, on the
proposal page, the request page and in the API, only the proposed costs its municipality would bear (the shape
kept, the costs list filtered), and no proposal of an incident it may not read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.scoping.world import (
    HERNING_AMOUNT,
    HOLSTEBRO_AMOUNT,
    REGION_MARKER,
    World,
    _org,
    build,
    leaks,
)

HOLSTEBRO_SHOWN = "12.345,67"


@dataclass
class Proposed:
    world: World
    shared: int  # a proposal in the shared incident with a Herning, a Holstebro and a Region cost
    herning_only: int  # a proposal in the Herning-only incident
    holstebro_request: int  # the request to a Holstebro party about ``shared``


def _propose(api: Any, incident_id: int, costs: list[dict[str, Any]]) -> dict[str, Any]:
    response = api.post(f"/api/v1/incidents/{incident_id}/proposals", json={
        "staff": "LBS-O", "owner": _org("Midt- og Vestjyllands Politi"), "type": "evacuation",
        "title": "Forslag om evakuering", "decision": "Beboere evakueres.", "rationale": "Vandet stiger.",
        "costs": costs})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


@pytest.fixture
def proposed(api_as: Any) -> Proposed:
    world = build(api_as)
    politi = api_as("politi")
    herning = {"bearer": world.herning_org, "category": "emergency_accommodation", "estimate_dkk": HERNING_AMOUNT,
               "description": "Herning-hemmelig-beskrivelse"}
    holstebro = {"bearer": world.holstebro_org, "category": "catering", "estimate_dkk": HOLSTEBRO_AMOUNT,
                 "description": "Holstebro forplejning"}
    region = {"bearer": world.region_org, "category": "evacuation_transport", "estimate_dkk": "5000",
              "description": REGION_MARKER}
    shared = _propose(politi, world.shared, [herning, holstebro, region])
    herning_only = _propose(politi, world.herning_only, [herning, region])
    request = next(r["id"] for r in shared["requests"] if r["party"].startswith("661:"))
    return Proposed(world, shared["id"], herning_only["id"], request)


def _bearers(proposal: dict[str, Any]) -> list[int]:
    return [c["bearer"] for c in proposal["costs"]]


def test_the_api_shows_each_municipality_only_its_proposed_costs(api_as: Any, proposed: Proposed) -> None:
    world, url = proposed.world, f"/api/v1/proposals/{proposed.shared}"
    police = api_as("politi").get(url).get_json()
    assert sorted(_bearers(police)) == sorted([world.herning_org, world.holstebro_org, world.region_org])
    holstebro = api_as("holstebro").get(url).get_json()
    assert _bearers(holstebro) == [world.holstebro_org]
    assert set(holstebro) == set(police)  # the same shape
    assert leaks(json.dumps(holstebro)) == [] and REGION_MARKER not in json.dumps(holstebro)
    herning = api_as("herning").get(url).get_json()
    assert _bearers(herning) == [world.herning_org]
    assert REGION_MARKER not in json.dumps(herning)


def test_the_apis_list_of_an_incidents_proposals_is_scoped(api_as: Any, proposed: Proposed) -> None:
    world = proposed.world
    listed = api_as("holstebro").get(f"/api/v1/incidents/{world.shared}/proposals").get_json()
    assert [p["id"] for p in listed] == [proposed.shared]
    assert [b for p in listed for b in _bearers(p)] == [world.holstebro_org]
    assert leaks(json.dumps(listed)) == []
    assert api_as("holstebro").get(f"/api/v1/incidents/{world.herning_only}/proposals").status_code == 404
    assert api_as("holstebro").get(f"/api/v1/proposals/{proposed.herning_only}").status_code == 404
    herning = api_as("herning").get(f"/api/v1/incidents/{world.herning_only}/proposals").get_json()
    assert [b for p in herning for b in _bearers(p)] == [world.herning_org]


def test_the_apis_consultation_requests_show_holstebro_nothing_of_hernings(api_as: Any, proposed: Proposed) -> None:
    listed = api_as("holstebro").get("/api/v1/consultation-requests").get_json()
    assert proposed.holstebro_request in {r["id"] for r in listed}
    assert {r["incident_id"] for r in listed} == {proposed.world.shared}
    assert leaks(json.dumps(listed)) == []


def test_the_proposal_page_shows_holstebro_only_its_proposed_cost(login: Any, proposed: Proposed) -> None:
    response = login("holstebro").get(f"/proposals/{proposed.shared}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert leaks(html) == [] and REGION_MARKER not in html
    assert HOLSTEBRO_SHOWN in html and "Udgifter for jeres kommune" in html


def test_the_proposal_page_shows_herning_its_cost_and_the_police_all(login: Any, proposed: Proposed) -> None:
    html = login("herning").get(f"/proposals/{proposed.shared}").get_data(as_text=True)
    assert "Herning-hemmelig-beskrivelse" in html and "987.654,32" in html
    assert HOLSTEBRO_SHOWN not in html and REGION_MARKER not in html


def test_the_police_read_every_proposed_cost_on_the_page(login: Any, proposed: Proposed) -> None:
    html = login("politi").get(f"/proposals/{proposed.shared}").get_data(as_text=True)
    assert "Herning-hemmelig-beskrivelse" in html and HOLSTEBRO_SHOWN in html and REGION_MARKER in html


def test_the_request_page_and_lists_show_holstebro_only_its_proposed_cost(login: Any, proposed: Proposed) -> None:
    client = login("holstebro")
    html = client.get(f"/consultation-requests/{proposed.holstebro_request}").get_data(as_text=True)
    assert leaks(html) == [] and REGION_MARKER not in html
    assert HOLSTEBRO_SHOWN in html
    for url in ("/consultation-requests", f"/incidents/{proposed.world.shared}/proposals", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaks(response.get_data(as_text=True)) == [], url
        assert "Fuglsang" not in response.get_data(as_text=True), url


def test_the_proposals_of_an_incident_holstebro_may_not_read_are_not_found(login: Any, proposed: Proposed) -> None:
    client = login("holstebro")
    for url in (f"/proposals/{proposed.herning_only}", f"/incidents/{proposed.world.herning_only}/proposals",
                f"/live/proposals/{proposed.herning_only}"):
        assert client.get(url).status_code == 404, url
