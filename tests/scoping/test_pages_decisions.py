"""Issue 23 on the HTML pages of the decision log: a municipality user reads, inside an incident it may read,
only its own cost lines — on the incident page, the decision page, the decision exports, the compliance page
and its CSV and the graph's "why" of a decision; an out-of-scope decision is not found there either."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.scoping.world import HERNING_AMOUNT, HOLSTEBRO_AMOUNT, REGION_MARKER, World, _decision, build, leaks

HOLSTEBRO_SHOWN = "12.345,67"  # HOLSTEBRO_AMOUNT as the pages write it


@pytest.fixture
def world(api_as: Any) -> World:
    return build(api_as)


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return str(response.get_data(as_text=True))


@pytest.mark.parametrize("incident", ["shared", "bears_only"])
def test_holstebro_reads_no_herning_line_on_the_pages_of_an_incident_it_may_read(
        login: Any, world: World, incident: str) -> None:
    client = login("holstebro")
    incident_id = getattr(world, incident)
    urls = [f"/incidents/{incident_id}", f"/incidents/{incident_id}/proposals",
            f"/consultation/incidents/{incident_id}/compliance",
            f"/consultation/incidents/{incident_id}/compliance.csv"]
    for url in urls:
        assert leaks(_page(client, url)) == [], url


def test_the_decision_page_shows_holstebro_only_its_own_line(login: Any, world: World) -> None:
    html = _page(login("holstebro"), f"/decisions/{world.shared_decision}")
    assert leaks(html) == []
    assert HOLSTEBRO_SHOWN in html
    assert "Udgifter for jeres kommune" in html  # the heading says that only the municipality's costs are shown
    assert "Herning Kommune</td>" not in html  # no row names Herning as a bearer


def test_the_decision_page_shows_herning_its_line_and_not_the_regions(login: Any, world: World) -> None:
    client = login("herning")
    html = _page(client, f"/decisions/{world.herning_only_decision}")
    assert "Herning-hemmelig-beskrivelse" in html and "987.654,32" in html
    assert REGION_MARKER not in html
    shared = _page(client, f"/decisions/{world.shared_decision}")
    assert "Herning-hemmelig-beskrivelse" in shared and HOLSTEBRO_SHOWN not in shared


def test_the_police_read_every_line_on_the_decision_page(login: Any, world: World) -> None:
    html = _page(login("politi"), f"/decisions/{world.herning_only_decision}")
    assert "Herning-hemmelig-beskrivelse" in html and REGION_MARKER in html
    assert "Udgiftslinjer" in html and "Udgifter for jeres kommune" not in html


def test_a_decision_without_a_line_of_holstebros_says_so(api_as: Any, login: Any, world: World) -> None:
    only_herning = _decision(api_as("politi"), world.shared, "Kun Hernings udgift", [{
        "bearer": world.herning_org, "category": "catering", "estimate_dkk": HERNING_AMOUNT,
        "description": "Herning-hemmelig-beskrivelse"}])
    html = _page(login("holstebro"), f"/decisions/{only_herning['id']}")
    assert leaks(html) == []
    assert "Ingen udgifter falder på jeres kommune." in html


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_the_decision_exports_hold_only_holstebros_lines(login: Any, world: World, suffix: str) -> None:
    client = login("holstebro")
    for incident_id in (world.shared, world.bears_only):
        text = _page(client, f"/incidents/{incident_id}/export/decisions.{suffix}")
        assert leaks(text) == []
        if suffix == "json":
            bearers = {c["bearer"] for d in json.loads(text) for c in d["costs"]}
            assert bearers == {world.holstebro_org}
        else:
            assert HOLSTEBRO_AMOUNT in text


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_the_decision_exports_hold_every_line_for_the_police(login: Any, world: World, suffix: str) -> None:
    text = _page(login("politi"), f"/incidents/{world.shared}/export/decisions.{suffix}")
    assert leaks(text)  # Herning's description and amount are there for the police


def test_herning_exports_its_incident_without_the_regions_line(login: Any, world: World) -> None:
    text = _page(login("herning"), f"/incidents/{world.herning_only}/export/decisions.json")
    bearers = {c["bearer"] for d in json.loads(text) for c in d["costs"]}
    assert bearers == {world.herning_org}
    assert REGION_MARKER not in text


@pytest.mark.parametrize("path", [
    "/incidents/{i}", "/incidents/{i}/proposals", "/incidents/{i}/export/decisions.csv",
    "/incidents/{i}/export/decisions.json", "/consultation/incidents/{i}/compliance",
    "/consultation/incidents/{i}/compliance.csv", "/decisions/{d}", "/consultation/?decision={d}",
])
def test_the_pages_of_an_incident_that_does_not_affect_holstebro_are_not_found(
        login: Any, world: World, path: str) -> None:
    url = path.format(i=world.herning_only, d=world.herning_only_decision)
    response = login("holstebro").get(url)
    assert response.status_code == 404, (url, response.status_code)
    assert leaks(response.get_data(as_text=True)) == []
    assert "Fuglsang" not in response.get_data(as_text=True)


def test_the_graph_explains_a_decision_the_reader_may_read(login: Any, world: World) -> None:
    html = _page(login("holstebro"), f"/consultation/?decision={world.shared_decision}")
    assert "Evakuering Storå" in html
    assert leaks(html) == []


@pytest.mark.parametrize("user", ["herning", "politi"])
def test_herning_and_the_police_have_the_graph_explain_the_herning_only_decision(
        login: Any, world: World, user: str) -> None:
    html = _page(login(user), f"/consultation/?decision={world.herning_only_decision}")
    assert "Evakuering Fuglsang" in html


def test_an_unknown_decision_on_the_graph_is_still_just_no_explanation(login: Any, world: World) -> None:
    assert login("holstebro").get("/consultation/?decision=999999").status_code == 200


def test_the_landing_page_and_the_navigation_show_holstebro_nothing_of_hernings(login: Any, world: World) -> None:
    client = login("holstebro")
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert leaks(html) == []
    assert "Fuglsang" not in html
    listing = _page(client, "/incidents")
    assert "Fuglsang" not in listing and "Storå" in listing
