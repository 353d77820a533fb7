"""The versions pages poll to update themselves: 200 with an ETag, 304 while nothing changed, a new version
after a decision, a proposal, a request or an answer; never cached; signed out 401 (not a redirect)."""

from __future__ import annotations

from typing import Any

import pytest

from lbs.auth import services
from lbs.extensions import db
from tests.conftest import ApiClient
from tests.decisions.test_api import body as decision_body
from tests.hearing.conftest import proposal_body, request_for

HERNING_KD = "657:kommunaldirektoer"


@pytest.fixture
def politi_api(app: Any) -> ApiClient:
    """The police's API on its own client, so that the signed-in page client keeps its own cookie."""
    token = services.issue_token(username="politi")
    db.session.commit()
    return ApiClient(app.test_client(), token)


def _version(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'
    assert "no-cache" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    assert response.mimetype == "application/json"
    return str(response.get_json()["version"])


def _unchanged(client: Any, path: str, version: str) -> None:
    response = client.get(path, headers={"If-None-Match": f'"{version}"'})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == f'"{version}"' and "no-cache" in response.headers["Cache-Control"]


def test_the_incident_version_changes_with_a_decision_and_a_proposal(client, login, incident, politi_api):
    login("politi")
    path = f"/live/incidents/{incident.id}"
    first = _version(client, path)
    assert first.startswith("d0-a0-c0-p0-r0-")
    _unchanged(client, path, first)
    assert client.get(path, headers={"If-None-Match": '"d99"'}).status_code == 200  # another version: the body
    logged = politi_api.post(f"/api/v1/incidents/{incident.id}/decisions", json=decision_body())
    assert logged.status_code == 201, logged.get_json()
    second = _version(client, path)
    assert second != first and second.startswith("d1-")
    _unchanged(client, path, second)
    proposed = politi_api.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body())
    assert proposed.status_code == 201
    third = _version(client, path)
    assert "-p1-" in third and "-r0-" not in third and third != second


def test_the_proposal_and_requests_versions_change_with_an_answer(client, login, proposal, api_as):
    ask = request_for(proposal, HERNING_KD)
    login("herning")
    mine, page = "/live/requests", f"/live/proposals/{proposal['id']}"
    before, page_before = _version(client, mine), _version(client, page)
    assert page_before.startswith("p0-")
    _unchanged(client, mine, before)
    herning_api = ApiClient(client.application.test_client(), services.issue_token(username="herning"))
    db.session.commit()
    answered = herning_api.post(f"/api/v1/consultation-requests/{ask['id']}/answer", json={"outcome": "agreed"})
    assert answered.status_code in (200, 201), answered.get_json()
    assert _version(client, mine) != before
    assert _version(client, page) != page_before


def test_a_new_request_changes_the_municipality_version_only(client, login, incident, politi_api):
    login("holstebro")
    holstebro = _version(client, "/live/requests")
    client.post("/logout")
    login("herning")
    herning, waiting = _version(client, "/live/requests"), _version(client, "/live/waiting")
    assert politi_api.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body()).status_code == 201
    assert _version(client, "/live/requests") != herning
    assert int(_version(client, "/live/waiting")[1:]) > int(waiting[1:])
    client.post("/logout")
    login("holstebro")
    _unchanged(client, "/live/requests", holstebro)  # no request to Holstebro's parties


def test_the_notifications_version_follows_new_and_read_ones(client, login, incident, politi_api):
    login("herning")
    before = _version(client, "/live/notifications")
    assert politi_api.post(f"/api/v1/incidents/{incident.id}/proposals", json=proposal_body()).status_code == 201
    after = _version(client, "/live/notifications")
    assert after != before


@pytest.mark.parametrize("path", ["/live/incidents/1", "/live/proposals/1", "/live/requests", "/live/waiting",
                                  "/live/notifications"])
def test_signed_out_is_401_without_a_redirect(client, path):
    response = client.get(path)
    assert response.status_code == 401 and "Location" not in response.headers
    assert response.get_json()["error"]["message"] == "sign in"


def test_an_unknown_incident_or_proposal_is_404(client, login):
    login("politi")
    assert client.get("/live/incidents/999999").status_code == 404
    assert client.get("/live/proposals/999999").status_code == 404


def test_the_pages_carry_their_regions_and_versions(client, login, incident, proposal):
    login("politi")
    version = _version(client, f"/live/incidents/{incident.id}")
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert (f'data-live="incident-timeline" data-live-src="/live/incidents/{incident.id}" '
            f'data-live-version="{version}"') in page
    assert 'id="live-status" class="live-status" aria-live="polite" aria-atomic="true"' in page
    assert 'data-say-d="ny beslutning"' in page and "/static/js/live.js" in page
    assert 'data-live="nav-hearings" data-live-src="/live/waiting" data-live-version="w' in page
    shown = client.get(f"/proposals/{proposal['id']}").get_data(as_text=True)
    assert f'data-live="proposal-requests" data-live-src="/live/proposals/{proposal["id"]}"' in shown
    assert 'data-live="requests-list"' in client.get("/consultation-requests").get_data(as_text=True)


def test_the_unchanged_answer_is_cheap(client, login, incident, count_queries):
    login("politi")
    path = f"/live/incidents/{incident.id}"
    version = _version(client, path)
    with count_queries() as counter:
        assert client.get(path, headers={"If-None-Match": f'"{version}"'}).status_code == 304
    assert counter.count <= 2, counter.statements  # the signed-in user, the version
