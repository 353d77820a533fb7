"""The permission matrix's municipality dimension (issue 23): every route naming an object, run by Herning on
its own object and by Holstebro on Herning's; every route Holstebro may read, run on what it legitimately sees.

Expected: Herning on its own object as the matrix says for the municipality role (a read answers 200); Holstebro
on Herning's object 404 for a read, 403 for a write (one the role may do on its own objects, or may never do:
403 before 404). No response Holstebro gets (any status, any format) holds a Herning cost marker or names the
Herning-only incident; no response Herning gets holds the Region's line.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.scoping.bodies import herning_traces, text_of
from tests.scoping.dimension import PLACEHOLDER, Route, herning_objects, holstebro_objects, kinds, routes
from tests.scoping.world import REGION_MARKER, World, build

ROUTES = routes()
SCOPED = [r for r in ROUTES if r.scoped]
HOLSTEBRO_READS = [r for r in ROUTES if r.municipality and r.reads]


def _as(client: FlaskClient, username: str, route: Route, path: str) -> Any:
    """``route`` at ``path`` as ``username`` (a token for the API, a session for pages), with an empty body."""
    from lbs.auth import services
    from lbs.extensions import db

    body: dict[str, Any] | None = None if route.method == "GET" else {}
    if route.api:
        token = services.issue_token(username=username)
        db.session.commit()
        return client.open(path, method=route.method, json=body, headers={"Authorization": f"Bearer {token}"})
    client.post("/login", data={"username": username, "password": "demo"})
    try:
        return client.open(path, method=route.method, json=body)
    finally:
        client.post("/logout")


def _got_in(response: Any) -> bool:
    return response.status_code not in (401, 403, 404) and "/login" not in response.headers.get("Location", "")


def _read(response: Any) -> bool:
    """A GET answered: 200, or a redirect elsewhere than the sign-in (the start page sends on to a list)."""
    return response.status_code == 200 or (response.status_code in (302, 303) and _got_in(response))


@pytest.fixture
def world(api_as: Any) -> World:
    return build(api_as)


def _other_problems(client: FlaskClient, route: Route, path: str) -> list[str]:
    """Holstebro on Herning's object: 404 for a read, 403 for a write; nothing of Herning's in the body."""
    other = _as(client, "holstebro", route, path)
    expected = 404 if route.municipality and route.reads else 403
    problems = [] if other.status_code == expected else [f"holstebro on Herning's: {other.status_code}, not {expected}"]
    if found := herning_traces(text_of(other)):
        problems.append(f"holstebro on Herning's: its {other.status_code} holds {found}")
    return problems


def _own_problems(client: FlaskClient, route: Route, path: str) -> list[str]:
    """Herning on its own object: as the matrix says for the municipality role; not the Region's line."""
    own = _as(client, "herning", route, path)
    if not route.municipality:
        ok, wanted = own.status_code == 403, "403"
    elif route.method == "GET":
        ok, wanted = _read(own), "200"
    else:
        ok, wanted = _got_in(own) and own.status_code != 500, "past authorisation"
    problems = [] if ok else [f"herning on its own: {own.status_code}, not {wanted}"]
    if own.status_code == 200 and REGION_MARKER in text_of(own):
        problems.append("herning on its own: reads the Region's line")
    return problems


@pytest.mark.parametrize("route", SCOPED, ids=[r.label() for r in SCOPED])
def test_own_and_another_municipalitys_object(app: Flask, client: FlaskClient, api_as: Any, world: World,
                                              route: Route) -> None:
    path = route.path(herning_objects(api_as, world))
    problems = _other_problems(client, route, path) + _own_problems(client, route, path)
    assert not problems, f"{path}: " + "; ".join(problems)


@pytest.mark.parametrize("route", HOLSTEBRO_READS, ids=[r.label() for r in HOLSTEBRO_READS])
def test_what_holstebro_reads_holds_nothing_of_hernings(app: Flask, client: FlaskClient, api_as: Any,
                                                        world: World, route: Route) -> None:
    variants: list[dict[str, Any]] = [*holstebro_objects(api_as, world)] if route.scoped else [{}]
    problems = []
    for objects in variants:
        path = route.path(objects)
        response = _as(client, "holstebro", route, path)
        ok = _read(response) if route.method == "GET" else _got_in(response) and response.status_code != 500
        if not ok:
            problems.append(f"{path}: {response.status_code}")
        if found := herning_traces(text_of(response)):
            problems.append(f"{path}: its {response.status_code} holds {found}")
    assert not problems, "holstebro reads: " + "; ".join(problems)


def test_every_route_naming_an_object_is_in_the_dimension(app: Flask) -> None:
    """Every argument of every route is mapped to an object of the world or known to be outside the dimension,
    and every route with an argument the dimension maps has its case (a new kind of object fails here)."""
    unmapped, uncovered = [], []
    covered = {(r.method, PLACEHOLDER.sub("<>", r.rule)) for r in SCOPED}
    for rule in app.url_map.iter_rules():
        try:
            scoped = any(kind is not None for kind in kinds(rule.rule))
        except KeyError as exc:
            unmapped.append(str(exc))
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if scoped and (method, PLACEHOLDER.sub("<>", rule.rule)) not in covered:
                uncovered.append(f"{method} {rule.rule}")
    assert not unmapped, "route arguments the municipality dimension cannot map: " + "; ".join(unmapped)
    assert not uncovered, "routes missing from the municipality dimension: " + ", ".join(uncovered)
