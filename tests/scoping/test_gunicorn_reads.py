"""The contract's *Reads* through gunicorn with several workers: whichever worker answers, Holstebro reads only
the incidents affecting it and only its own cost lines (no state in a worker decides what a user may read)."""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask

from lbs.auth import services
from lbs.extensions import db
from tests.conftest import ApiClient
from tests.scoping.world import build, leaks
from tests.server import Server


def test_reads_are_scoped_on_every_worker(committed_app: Flask, fresh_database_url: str) -> None:
    client = committed_app.test_client()

    def api_as(username: str) -> ApiClient:
        token = services.issue_token(username=username)
        db.session.commit()
        return ApiClient(client, token)

    world = build(api_as)
    db.session.commit()
    tokens = {name: services.issue_token(username=name) for name in ("holstebro", "politi")}
    db.session.commit()

    def get(server: Server, user: str, path: str) -> Any:
        return requests.get(server.base + path, headers={"Authorization": f"Bearer {tokens[user]}"}, timeout=30)

    with Server(fresh_database_url, workers=3, threads=1) as server:
        for _ in range(6):  # several requests each, so that every worker answers some
            listed = {i["id"] for i in get(server, "holstebro", "/api/v1/incidents").json()}
            assert world.herning_only not in listed and world.shared in listed
            assert get(server, "holstebro", f"/api/v1/incidents/{world.herning_only}").status_code == 404
            assert get(server, "holstebro", f"/api/v1/costs/{world.herning_lines[0]}/history").status_code == 404
            costs = get(server, "holstebro", f"/api/v1/incidents/{world.shared}/costs")
            assert costs.status_code == 200 and leaks(costs.text) == []
            assert {line["bearer"] for line in costs.json()["lines"]} == {world.holstebro_org}
            police = get(server, "politi", f"/api/v1/incidents/{world.shared}/costs").json()
            assert {line["bearer"] for line in police["lines"]} == {world.holstebro_org, world.herning_org}
