"""The contract's *Reads*: a municipality user reads the incidents affecting it and only its own cost lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.scoping.world import World, build, leaks


@pytest.fixture
def world(api_as: Any) -> World:
    return build(api_as)


def test_holstebro_lists_only_incidents_that_affect_it(api_as: Any, world: World) -> None:
    ids = {i["id"] for i in api_as("holstebro").get("/api/v1/incidents").get_json()}
    assert world.herning_only not in ids
    assert {world.shared, world.bears_only} <= ids
    everything = {i["id"] for i in api_as("revisor").get("/api/v1/incidents").get_json()}
    assert {world.herning_only, world.shared, world.bears_only} <= everything


@pytest.mark.parametrize("path", [
    "/api/v1/incidents/{i}", "/api/v1/incidents/{i}/decisions", "/api/v1/incidents/{i}/costs",
    "/api/v1/incidents/{i}/decisions.csv", "/api/v1/incidents/{i}/verify", "/api/v1/incidents/{i}/proposals",
    "/api/v1/incidents/{i}/review", "/api/v1/incidents/{i}/findings", "/api/v1/decisions/{d}",
])
def test_an_incident_that_does_not_affect_holstebro_is_not_found(api_as: Any, world: World, path: str) -> None:
    url = path.format(i=world.herning_only, d=world.herning_only_decision)
    response = api_as("holstebro").get(url)
    assert response.status_code == 404, (url, response.status_code)
    assert response.get_json()["error"]["message"]
    assert api_as("herning").get(url).status_code == 200


def test_another_bearers_line_is_not_found_to_read_and_forbidden_to_change(api_as: Any, world: World) -> None:
    holstebro = api_as("holstebro")
    for line in world.herning_lines + world.region_lines:
        assert holstebro.get(f"/api/v1/costs/{line}/history").status_code == 404
        assert holstebro.patch(f"/api/v1/costs/{line}", json={"status": "accepted"}).status_code == 403
    for line in world.holstebro_lines:
        assert holstebro.get(f"/api/v1/costs/{line}/history").status_code == 200
    assert api_as("politi").get(f"/api/v1/costs/{world.herning_lines[0]}/history").status_code == 200


@pytest.mark.parametrize("incident", ["shared", "bears_only"])
def test_costs_of_a_shared_incident_are_only_holstebros(api_as: Any, world: World, incident: str) -> None:
    incident_id = getattr(world, incident)
    body = api_as("holstebro").get(f"/api/v1/incidents/{incident_id}/costs").get_json()
    assert {line["bearer"] for line in body["lines"]} == {world.holstebro_org}
    assert {total["bearer"] for total in body["totals"]} == {world.holstebro_org}
    assert sum(float(t["estimate_dkk"]) for t in body["totals"]) == pytest.approx(12345.67)
    assert leaks(json.dumps(body)) == []
    everything = api_as("politi").get(f"/api/v1/incidents/{incident_id}/costs").get_json()
    assert {line["bearer"] for line in everything["lines"]} == {world.holstebro_org, world.herning_org}


def test_a_decision_shows_holstebro_only_its_own_lines(api_as: Any, world: World) -> None:
    holstebro = api_as("holstebro")
    decision = holstebro.get(f"/api/v1/decisions/{world.shared_decision}").get_json()
    assert [c["bearer"] for c in decision["costs"]] == [world.holstebro_org]
    listed = holstebro.get(f"/api/v1/incidents/{world.shared}/decisions").get_json()
    assert [c["bearer"] for d in listed for c in d["costs"]] == [world.holstebro_org]
    csv = holstebro.get(f"/api/v1/incidents/{world.shared}/decisions.csv").get_data(as_text=True)
    assert leaks(csv) == []
    herning = api_as("herning").get(f"/api/v1/decisions/{world.shared_decision}").get_json()
    assert [c["bearer"] for c in herning["costs"]] == [world.herning_org]
    police = api_as("politi").get(f"/api/v1/decisions/{world.shared_decision}").get_json()
    assert len(police["costs"]) == 2


def test_herning_does_not_see_the_regions_line(api_as: Any, world: World) -> None:
    body = api_as("herning").get(f"/api/v1/incidents/{world.herning_only}/costs").get_json()
    assert {line["bearer"] for line in body["lines"]} == {world.herning_org}


def test_refused_roles_still_get_403_before_404(api_as: Any, world: World) -> None:
    """Precedence: a write the role may not do is a 403 even on an incident outside the user's scope."""
    holstebro = api_as("holstebro")
    response = holstebro.post(f"/api/v1/incidents/{world.herning_only}/decisions", json={})
    assert response.status_code == 403
    assert holstebro.post("/api/v1/incidents/999999/close", json={}).status_code == 403
