"""Objects named in a query string rather than the path (outside the guard's reach): the graph's "why" for a
logged decision and the review search. Holstebro reads nothing of the Herning-only incident through them;
Herning (or the reviewer) does, so the checks are not vacuous."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.scoping.bodies import herning_traces, text_of
from tests.scoping.world import World, build


@pytest.fixture
def world(api_as: Any) -> World:
    return build(api_as)


def _get_as(client: FlaskClient, username: str, path: str) -> Any:
    client.post("/login", data={"username": username, "password": "demo"})
    try:
        return client.get(path)
    finally:
        client.post("/logout")


def test_the_graph_does_not_explain_another_municipalitys_decision(client: FlaskClient, world: World) -> None:
    path = f"/consultation/?decision={world.herning_only_decision}"
    assert "Evakuering Fuglsang" in _get_as(client, "herning", path).get_data(as_text=True)
    response = _get_as(client, "holstebro", path)
    assert response.status_code in (200, 404)
    assert herning_traces(text_of(response)) == []


@pytest.mark.parametrize("query", ["q=Fuglsang", "q=Herning", "municipality=657", "disputed_only=y",
                                   "q=iltapparat", "q=HERN-FAKTURA-4711"])
def test_the_review_search_finds_nothing_of_hernings_for_holstebro(client: FlaskClient, world: World,
                                                                     query: str) -> None:
    path = f"/review/?{query}"
    response = _get_as(client, "holstebro", path)
    assert response.status_code == 200
    # The form and the language switch echo what was typed: only the results count.
    echoed = text_of(response).replace(f'value="{query.split("=", 1)[1]}"', "").replace(path, "")
    assert herning_traces(echoed) == [], query


def test_the_review_search_finds_the_herning_only_incident_for_the_reviewer(client: FlaskClient,
                                                                              world: World) -> None:
    assert "Fuglsang" in _get_as(client, "revisor", "/review/?q=Fuglsang").get_data(as_text=True)
