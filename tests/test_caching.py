"""``Cache-Control: no-store`` on API answers (errors included), exports and downloads, and signed-in pages;
static files may be cached (contract, *Sessions, passwords, tokens and caching*)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from lbs.timeutil import utcnow
from tests.attachments import files
from tests.attachments.conftest import decision_body, upload
from tests.review.packs import built_pack


@pytest.fixture
def recorded(api_as: Any) -> dict[str, Any]:
    """An incident in Herning (657) with a decision, a PDF and a PNG attached."""
    politi = api_as("politi")
    incident = politi.post("/api/v1/incidents", json={
        "title": "Brand i Herning", "kind": "flood", "started_at": (utcnow() - timedelta(hours=2)).isoformat(),
        "municipalities": ["657"]}).get_json()
    decision = politi.post(f"/api/v1/incidents/{incident['id']}/decisions", json=decision_body()).get_json()
    attachment = upload(politi, decision["id"], "vurdering.pdf", files.pdf()).get_json()
    picture = upload(politi, decision["id"], "diget.png", files.png()).get_json()
    return {"incident": incident["id"], "decision": decision["id"], "attachment": attachment["id"],
            "picture": picture["id"], "api": politi}


def _no_store(response: Any) -> bool:
    return bool(response.headers.get("Cache-Control") == "no-store")


def test_api_answers_and_api_errors_are_not_stored(app: Flask, client: FlaskClient, recorded: dict[str, Any]):
    api = recorded["api"]
    answers = {
        "list": api.get("/api/v1/staffs"),
        "csv export": api.get(f"/api/v1/incidents/{recorded['incident']}/decisions.csv"),
        "attachment": api.get(f"/api/v1/attachments/{recorded['attachment']}"),
        "not found": api.get("/api/v1/incidents/999999"),
        "invalid": api.post("/api/v1/incidents", json={"title": ""}),
        "no token": client.get("/api/v1/staffs"),
        "bad token": client.get("/api/v1/staffs", headers={"Authorization": "Bearer lbs_nope"}),
        "method": api.open("PUT", f"/api/v1/attachments/{recorded['attachment']}"),
        "openapi": client.get("/api/v1/openapi.json"),
    }
    statuses = {name: r.status_code for name, r in answers.items()}
    assert statuses["list"] == statuses["csv export"] == statuses["attachment"] == 200, statuses
    assert statuses["no token"] == statuses["bad token"] == 401 and statuses["not found"] == 404, statuses
    assert statuses["invalid"] in (400, 422) and statuses["method"] == 405, statuses
    assert {name for name, r in answers.items() if not _no_store(r)} == set()


def test_exports_and_downloads_are_not_stored(app: Flask, client: FlaskClient, login: Any,
                                              recorded: dict[str, Any]):
    incident, attachment, picture = recorded["incident"], recorded["attachment"], recorded["picture"]
    login("admin")
    built_pack(incident, "admin")  # the pack and its PDF are downloads once the worker has built them
    paths = [
        f"/incidents/{incident}/export/decisions.csv", f"/incidents/{incident}/export/decisions.json",
        f"/consultation/incidents/{incident}/compliance.csv",
        f"/costs/incidents/{incident}/costs.csv", f"/costs/incidents/{incident}/costs.xlsx",
        "/costs/municipalities/657/costs.csv", "/costs/municipalities/657/costs.xlsx",
        f"/review/incidents/{incident}/findings.csv", f"/review/incidents/{incident}/review.pdf",
        f"/review/incidents/{incident}/pack.zip",
        f"/attachments/{attachment}", f"/attachments/{picture}/preview",
    ]
    stored = []
    for path in paths:
        g.pop("_login_user", None)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if not _no_store(response):
            stored.append(path)
    assert stored == []


@pytest.mark.parametrize("username", ["politi", "herning", "revisor", "admin"])
def test_signed_in_pages_are_not_stored(app: Flask, client: FlaskClient, login: Any, recorded: dict[str, Any],
                                        username: str):
    login(username)
    paths = ["/", "/incidents", f"/incidents/{recorded['incident']}", f"/decisions/{recorded['decision']}",
             "/notifications", "/staffs", "/no-such-page"]
    for path in paths:
        g.pop("_login_user", None)
        response = client.get(path)
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        assert _no_store(response), (path, response.headers.get("Cache-Control"))


def test_the_sign_in_page_is_not_stored_and_static_files_may_be_cached(app: Flask, client: FlaskClient):
    assert _no_store(client.get("/login"))
    static = client.get("/static/css/app.css")
    static.close()  # the file it streams
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
