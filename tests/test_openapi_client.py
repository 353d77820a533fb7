"""The OpenAPI document as a client generator sees it: human operation ids, named component schemas, and a
client generated with openapi-python-client that logs a decision against a real server."""

from __future__ import annotations

import re
from typing import Any

from lbs.api.frame import ENDPOINTS

OPERATION_ID = re.compile(r"^[a-z][A-Za-z]+$")
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


def _path_derived(method: str, path: str) -> str:
    """The operation id the document used to derive from the path (``post_api_v1_incidents``)."""
    name = path.strip("/").replace("/", "_").replace("{", "").replace("}", "").replace(".", "_").replace("-", "_")
    return f"{method}_{name}"


def test_every_operation_has_a_unique_human_operation_id(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = _operations(document)
    ids = [operation.get("operationId", "") for _path, _method, operation in operations]
    assert len(ids) == len(ENDPOINTS)
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    for path, method, operation in operations:
        operation_id = operation["operationId"]
        assert OPERATION_ID.fullmatch(operation_id), (method, path, operation_id)
        derived = _path_derived(method, path)
        assert operation_id.lower() not in (derived, derived.replace("_", "")), (method, path, operation_id)
        assert "api" not in operation_id.lower(), (method, path, operation_id)
    by_id = {operation["operationId"]: (method, path) for path, method, operation in operations}
    for operation_id, (method, path) in {
        "listIncidents": ("get", "/api/v1/incidents"),
        "createIncident": ("post", "/api/v1/incidents"),
        "getIncident": ("get", "/api/v1/incidents/{incident_id}"),
        "listDecisions": ("get", "/api/v1/incidents/{incident_id}/decisions"),
        "logDecision": ("post", "/api/v1/incidents/{incident_id}/decisions"),
        "getDecision": ("get", "/api/v1/decisions/{decision_id}"),
        "amendDecision": ("post", "/api/v1/decisions/{decision_id}/amendments"),
        "listCostLines": ("get", "/api/v1/incidents/{incident_id}/costs"),
        "updateCostLine": ("patch", "/api/v1/costs/{line_id}"),
        "listStaffs": ("get", "/api/v1/staffs"),
    }.items():
        assert by_id[operation_id] == (method, path)
    assert {spec.operation_id for spec in ENDPOINTS} == set(ids)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_schemas_are_named_components_used_by_ref(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name in ("Incident", "IncidentList", "Decision", "DecisionInput", "AmendmentInput", "DecisionList",
                 "CostLine", "CostLineUpdate", "IncidentCosts", "Consultation", "Position", "Assignment", "Person",
                 "Staff", "Error"):
        assert name in schemas, name
    refs = _refs(document)
    assert refs and all(ref.startswith("#/components/schemas/") for ref in refs)
    assert {ref.rsplit("/", 1)[1] for ref in refs} <= set(schemas)  # none dangles
    # Every request and response body of JSON is a named schema (a list wrapper is one too), never inline.
    for path, method, operation in _operations(document):
        bodies = [operation.get("requestBody", {}).get("content", {})] + [
            response.get("content", {}) for response in operation["responses"].values()]
        for content in bodies:
            schema = content.get("application/json", {}).get("schema")
            assert schema is None or set(schema) == {"$ref"}, (method, path, schema)
        errors = [response for status, response in operation["responses"].items() if status >= "400"]
        assert all(r["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
                   for r in errors), (method, path)
    logged = document["paths"]["/api/v1/incidents/{incident_id}/decisions"]["post"]
    assert logged["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/DecisionInput")
    assert logged["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Decision")
