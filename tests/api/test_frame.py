"""The API frame: auth, error format and precedence, reference data, OpenAPI."""

from __future__ import annotations

from openapi_spec_validator import validate

from lbs.api.frame import ENDPOINTS


def test_missing_or_bad_token_is_401_with_error_body(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/organisations", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["message"]
    # 401 comes before 404 and 405
    assert client.get("/api/v1/no-such-thing").status_code == 401
    assert client.delete("/api/v1/staffs").status_code == 401


def test_unknown_route_404_and_wrong_method_405_are_json(api_as):
    api = api_as("revisor")
    missing = api.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"]["message"] == "not found"
    wrong = api.open("DELETE", "/api/v1/staffs")
    assert wrong.status_code == 405 and "error" in wrong.get_json()
    assert "GET" in wrong.headers["Allow"]


def test_reference_data(api_as):
    api = api_as("herning")
    municipalities = api.get("/api/v1/municipalities").get_json()
    assert len(municipalities) == 11
    by_code = {m["code"]: m for m in municipalities}
    assert by_code["657"]["name"] == "Herning" and by_code["787"]["region"] == "Nordjylland"
    assert all(isinstance(m["organisation_id"], int) for m in municipalities)

    organisations = api.get("/api/v1/organisations").get_json()
    kinds = {o["kind"] for o in organisations}
    assert kinds == {"police", "municipality", "region", "fire_service", "state_agency", "defence", "home_guard"}
    ids = {o["id"] for o in organisations}
    assert all(o["parent_id"] is None or o["parent_id"] in ids for o in organisations)
    assert by_code["657"]["organisation_id"] in ids

    staffs = api.get("/api/v1/staffs").get_json()
    assert staffs == [
        {"code": "LBS-S", "name": "Lokal beredskabsstab – strategisk", "level": "strategic", "parent": None},
        {"code": "LBS-O", "name": "Lokal beredskabsstab – operativ", "level": "operative", "parent": "LBS-S"},
    ]


def test_openapi_is_public_valid_and_complete(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    operations = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for spec in ENDPOINTS:
        assert any(method == spec.method for _, method in operations)
    assert ("/api/v1/organisations", "get") in operations
    assert ("/api/v1/municipalities", "get") in operations


def test_huge_ids_in_urls_are_404_not_500(api_as):
    api = api_as("politi")
    assert api.get("/api/v1/decisions/99999999999999999999").status_code == 404
