"""Every route against every role (table in tests/matrix/), and a check that no route is left out."""

from __future__ import annotations

import re

import pytest

from tests.matrix import PUBLIC_RULES, ROLES, USER_OF_ROLE, Case, all_cases

CASES = all_cases()


def _request(client, case: Case, headers=None):
    return client.open(case.resolve(), method=case.method, headers=headers or {},
                       json=case.json if case.json is not None else ({} if case.method != "GET" else None))


@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_role_matrix(app, client, case: Case):
    from lbs.auth import services
    from lbs.extensions import db

    anonymous = _request(client, case)
    if case.api:
        assert anonymous.status_code == 401, f"anonymous: {anonymous.status_code}"
    else:
        assert anonymous.status_code in (302, 401) and "/login" in anonymous.headers.get("Location", "/login")

    for role in ROLES:
        username = USER_OF_ROLE[role]
        if case.api:
            token = services.issue_token(username=username)
            db.session.commit()
            response = _request(client, case, {"Authorization": f"Bearer {token}"})
        else:
            client.post("/login", data={"username": username, "password": "demo"})
            response = _request(client, case)
            client.post("/logout")
        got_in = response.status_code not in (401, 403) and "/login" not in response.headers.get("Location", "")
        assert response.status_code != 500, f"{role}: 500"
        if role in case.allowed:
            assert got_in, f"{role} should be allowed, got {response.status_code}"
        else:
            assert response.status_code == 403, f"{role} should get 403, got {response.status_code}"


def _normalise(rule: str) -> str:
    return re.sub(r"<[^>]+>", "<>", rule)


def test_every_route_is_in_the_matrix(app):
    covered = {(c.method, _normalise(c.rule or c.resolve())) for c in CASES if isinstance(c.path, str) or c.rule}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC_RULES:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (method, _normalise(rule.rule)) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes missing from tests/matrix: " + ", ".join(missing)


@pytest.mark.parametrize("path", ["/login", "/healthz", "/readyz", "/api/v1/openapi.json"])
def test_public_routes_answer_without_sign_in(client, path):
    assert client.get(path).status_code == 200
